import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  joinRaw,
  nextEvent,
  rawSocket,
  startServer,
  urlOf,
  joinWith,
} from '../../tests/support/chat';
import type { JoinedSession } from '../shared/protocol';
import type { Result } from '../shared/result';
import { ChatServerError, createChatServer } from './chat-server';

describe('starting and stopping', () => {
  it('reports the real port and the URLs to join', async () => {
    const server = await startServer();
    expect(server.port).toBeGreaterThan(0);
    expect(server.urls).toEqual([urlOf(server)]);
  });

  it('fails with port_in_use when the port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const attempt = createChatServer({ host: '127.0.0.1', port, webRoot: null });
      await expect(attempt).rejects.toBeInstanceOf(ChatServerError);
      await expect(attempt).rejects.toMatchObject({
        code: 'port_in_use',
        message: `Port ${port} is already in use by another program.`,
      });
    } finally {
      blocker.close();
    }
  });

  it('refuses a port out of range', async () => {
    await expect(
      createChatServer({ host: '127.0.0.1', port: 70000, webRoot: null }),
    ).rejects.toMatchObject({
      code: 'port_unavailable',
    });
  });

  it('tells clients it is closing, then stops listening', async () => {
    const server = await createChatServer({ host: '127.0.0.1', port: 0, webRoot: null });
    const alice = await joinRaw(server, 'alice');
    const closing = nextEvent(alice, 'server:closing');
    await server.close();
    expect(await closing).toEqual({ reason: 'The server is shutting down.' });
    await expect(fetch(`${urlOf(server)}/`)).rejects.toThrow();
  });

  it('tells a client whose transport is still writing, before it drops it', async () => {
    const server = await createChatServer({ host: '127.0.0.1', port: 0, webRoot: null });
    const alice = await joinRaw(server, 'alice');
    const counts = nextEvent(alice, 'room:counts');
    const closing = nextEvent(alice, 'server:closing');
    // Closing in the same turn as another send: the transport is busy writing that one, and
    // Engine.IO holds the notice until it is done.
    const [held] = server.io.of('/').sockets.values();
    held!.emit('room:counts', { counts: { lobby: 1 } });
    await server.close();
    expect(await counts).toEqual({ counts: { lobby: 1 } });
    expect(await closing).toEqual({ reason: 'The server is shutting down.' });
  });
});

describe('history on disk', () => {
  it('keeps history and the id sequence when the server restarts on the same data directory', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'parley-data-'));
    const first = await createChatServer({ host: '127.0.0.1', port: 0, webRoot: null, dataDir });
    const alice = await joinRaw(first, 'alice');
    for (const text of ['before', 'the restart']) {
      await alice
        .timeout(5000)
        .emitWithAck('message:send', { clientId: text.replace(' ', '-'), text });
    }
    await first.close();

    const second = await startServer({ dataDir });
    const bob = await rawSocket(second);
    const joined: Result<JoinedSession> = await joinWith(bob, { nickname: 'bob' });
    if (!joined.ok) throw new Error(joined.error.message);
    expect(joined.messages.map((message) => [message.id, message.text])).toEqual([
      [1, 'before'],
      [2, 'the restart'],
    ]);
    const next = await bob
      .timeout(5000)
      .emitWithAck('message:send', { clientId: 'n', text: 'next' });
    expect(next.ok && next.message.id).toBe(3);
  });

  it('refuses to start on a data directory another server uses', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'parley-data-'));
    await startServer({ dataDir });
    await expect(
      createChatServer({ host: '127.0.0.1', port: 0, webRoot: null, dataDir }),
    ).rejects.toMatchObject({
      code: 'data_in_use',
    });
  });
});

describe('origin check', () => {
  it('accepts browsers on the page it served and clients without an Origin, refuses other sites', async () => {
    const server = await startServer();
    const handshake = (origin?: string) =>
      fetch(`${urlOf(server)}/socket.io/?EIO=4&transport=polling`, {
        headers: origin ? { Origin: origin } : {},
      }).then((response) => response.status);
    expect(await handshake()).toBe(200);
    expect(await handshake(urlOf(server))).toBe(200);
    expect(await handshake('http://evil.example')).toBe(403);
    expect(await handshake('null')).toBe(403);
  });
});

describe('web client', () => {
  it('serves the built web client with a strict Content-Security-Policy', async () => {
    const webRoot = mkdtempSync(join(tmpdir(), 'parley-web-'));
    writeFileSync(join(webRoot, 'index.html'), '<!doctype html><title>Parley</title>');
    const server = await startServer({ webRoot });
    const response = await fetch(`${urlOf(server)}/`);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('<title>Parley</title>');
    expect(response.headers.get('content-security-policy')).toContain("connect-src 'self'");
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('serves the socket.io client bundle', async () => {
    const server = await startServer();
    const response = await fetch(`${urlOf(server)}/socket.io/socket.io.js`);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('io');
  });

  it('says how to build the web client when it is missing', async () => {
    const server = await startServer({ webRoot: null });
    const response = await fetch(`${urlOf(server)}/`);
    expect(response.status).toBe(503);
    expect(await response.text()).toMatch(/npm run build/);
  });
});
