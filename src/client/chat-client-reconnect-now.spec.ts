// ChatClient.reconnectNow() against a real server that goes away and comes back on the same
// port: with a long back-off configured, only reconnectNow() can bring the client back quickly.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { client, startServer, urlOf, waitFor } from '../../tests/support/chat';
import type { ChatEvent } from '../shared/api';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('ChatClient.reconnectNow', () => {
  it('skips the back-off: rejoins and catches up at once when the server is back', async () => {
    const first = await startServer();
    const port = first.port;
    // The back-off waits 60 to 120 s (reconnectionDelay 120 s with socket.io's ±50 % jitter):
    // coming back within the test's time at all shows that reconnectNow skipped it.
    const chat = client({ reconnectDelayMs: 120_000, reconnectDelayMaxMs: 120_000 });
    const events: ChatEvent[] = [];
    chat.onEvent((event) => events.push(event));
    expect((await chat.connect(urlOf(first), 'alice')).ok).toBe(true);

    await first.close();
    await waitFor(() => chat.status.state === 'reconnecting', 'the drop to be noticed');

    const second = await startServer({ port });
    const bob = client();
    await bob.connect(urlOf(second), 'bob');
    await bob.send('sent while alice was away');
    expect(chat.status.state).toBe('reconnecting');

    chat.reconnectNow();
    await waitFor(() => chat.status.state === 'connected', 'the rejoin', 15_000);
    expect(chat.session?.users.map((user) => user.nickname).sort()).toEqual(['alice', 'bob']);
    // Caught up on what was said meanwhile, as after any rejoin.
    expect(chat.session?.messages.map((message) => message.text)).toContain(
      'sent while alice was away',
    );
    expect(events.filter((event) => event.type === 'session')).toHaveLength(2);
  });

  it('goes back to waiting (from the shortest delay) when the server is still away', async () => {
    const server = await startServer();
    const chat = client({ reconnectDelayMs: 10_000, reconnectDelayMaxMs: 10_000 });
    await chat.connect(urlOf(server), 'alice');
    await server.close();
    await waitFor(() => chat.status.state === 'reconnecting', 'the drop to be noticed');

    chat.reconnectNow();
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(chat.status.state).toBe('reconnecting');
    expect(chat.session).not.toBeNull();
  });

  it('does nothing for a healthy connection, or without one', async () => {
    const server = await startServer();
    const chat = client();
    chat.reconnectNow();
    expect(chat.status.state).toBe('disconnected');

    await chat.connect(urlOf(server), 'alice');
    const events: ChatEvent[] = [];
    chat.onEvent((event) => events.push(event));
    chat.reconnectNow();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(events).toEqual([]);
    expect(chat.status.state).toBe('connected');
    expect(server.io.sockets.sockets.size).toBe(1);
  });

  it('replaces a "connected" socket that has not heard a heartbeat for too long (after sleep)', async () => {
    const server = await startServer();
    const chat = client();
    await chat.connect(urlOf(server), 'alice');
    const states: string[] = [];
    chat.onEvent((event) => {
      if (event.type === 'status') states.push(event.status.state);
    });
    // The wall clock jumps a minute ahead, as it does over a sleep; no ping came meanwhile.
    const realNow = Date.now.bind(Date);
    vi.spyOn(Date, 'now').mockImplementation(() => realNow() + 60_000);
    chat.reconnectNow();
    await waitFor(() => chat.status.state === 'connected' && states.length >= 2, 'the rejoin');
    expect(states).toEqual(['reconnecting', 'connected']);
    expect(server.io.sockets.sockets.size).toBe(1);
  });
});
