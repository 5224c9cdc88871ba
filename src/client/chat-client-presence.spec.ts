/** ChatClient.setPresence against real servers: sent, heard by others, checked, kept across joins. */
import { describe, expect, it } from 'vitest';
import {
  client,
  emitRaw,
  joinRaw,
  nextEvent,
  startServer,
  waitFor,
} from '../../tests/support/chat';
import type { ChatEvent } from '../shared/api';
import { LIMITS } from '../shared/limits';
import { createChatServer } from '../server/chat-server';

function presenceEvents(chat: ReturnType<typeof client>) {
  const events: Extract<ChatEvent, { type: 'presence' }>[] = [];
  chat.onEvent((event) => {
    if (event.type === 'presence') events.push(event);
  });
  return events;
}

describe('ChatClient.setPresence', () => {
  it('sets busy with a status line; others hear it, and so does this client', async () => {
    const server = await startServer();
    const alice = client();
    const heard = presenceEvents(alice);
    await alice.connect(`127.0.0.1:${server.port}`, 'alice');
    const bob = await joinRaw(server, 'bob');
    const seenByBob = nextEvent(bob, 'presence:changed');

    const result = await alice.setPresence('busy', 'In a meeting');
    expect(result).toMatchObject({ ok: true, presence: { status: 'busy', text: 'In a meeting' } });
    expect(await seenByBob).toMatchObject({
      user: { nickname: 'alice' },
      presence: { status: 'busy', text: 'In a meeting' },
    });
    await waitFor(() => heard.length === 1, 'her own presence event');
    expect(heard[0]).toMatchObject({ user: { nickname: 'alice' }, presence: { status: 'busy' } });
  });

  it('reports others’ changes as presence events', async () => {
    const server = await startServer();
    const alice = client();
    const heard = presenceEvents(alice);
    await alice.connect(`127.0.0.1:${server.port}`, 'alice');
    const bob = await joinRaw(server, 'bob');
    await emitRaw(bob, 'presence:set', { status: 'away' });
    await waitFor(() => heard.length === 1, 'bob’s presence');
    expect(heard[0]).toMatchObject({ user: { nickname: 'bob' }, presence: { status: 'away' } });
  });

  it('refuses a status line the server would refuse, without sending it', async () => {
    const server = await startServer();
    const alice = client();
    await alice.connect(`127.0.0.1:${server.port}`, 'alice');
    const bob = await joinRaw(server, 'bob');
    let told = 0;
    bob.on('presence:changed', () => told++);
    const long = await alice.setPresence('busy', 'x'.repeat(LIMITS.statusTextMaxLength + 1));
    expect(long).toMatchObject({
      ok: false,
      error: {
        code: 'invalid_payload',
        message: `Status line can be at most ${LIMITS.statusTextMaxLength} characters.`,
      },
    });
    // The next change is the first bob hears of.
    const next = nextEvent(bob, 'presence:changed');
    await alice.setPresence('away');
    expect((await next).presence.status).toBe('away');
    expect(told).toBe(1);
  });

  it('says not_connected before any server is joined', async () => {
    const alice = client();
    expect(await alice.setPresence('busy')).toMatchObject({
      ok: false,
      error: { code: 'not_connected' },
    });
  });

  it('sets it again after rejoining a restarted server (a new session starts online)', async () => {
    const first = await createChatServer({ host: '127.0.0.1', port: 0, webRoot: null });
    const port = first.port;
    const alice = client();
    const heard = presenceEvents(alice);
    await alice.connect(`127.0.0.1:${port}`, 'alice');
    expect((await alice.setPresence('busy', 'focus')).ok).toBe(true);
    await waitFor(() => heard.length === 1, 'the first server telling her');

    await first.close();
    await waitFor(() => alice.status.state === 'reconnecting', 'reconnecting');
    const second = await createChatServer({ host: '127.0.0.1', port, webRoot: null });
    try {
      // The new server tells everyone joined, her too: she set it again by herself.
      await waitFor(() => heard.length === 2, 'the second server telling her', 10_000);
      expect(heard[1]?.presence).toMatchObject({ status: 'busy', text: 'focus' });
    } finally {
      await second.close();
    }
  });

  it('sends nothing after a join once set back to plain online', async () => {
    const server = await startServer();
    const alice = client();
    await alice.connect(`127.0.0.1:${server.port}`, 'alice');
    await alice.setPresence('busy');
    await alice.setPresence('online');
    const bob = await joinRaw(server, 'bob');
    let told = 0;
    bob.on('presence:changed', () => told++);
    const again = await alice.connect(`127.0.0.1:${server.port}`, 'alice');
    // Plain online: not listed in the join reply (absent means online).
    expect(again.ok && again.session.presence[again.session.self.id]).toBeUndefined();
    // A change bob hears after the new join is the first one.
    const next = nextEvent(bob, 'presence:changed');
    await alice.setPresence('away');
    await next;
    expect(told).toBe(1);
  });
});
