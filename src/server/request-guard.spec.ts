/**
 * DNS rebinding and the handshake's refusals, on a real server: a request for a name that is not
 * the server's is refused with 403 on the web client, on long-polling and on WebSocket upgrades,
 * even when its Origin matches its Host (which a rebinding page controls too); the server's own
 * names, and every URL it prints, are answered. Requests go out raw (node:http), so that the
 * test sets Host and Origin itself.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startServer } from '../../tests/support/chat';
import type { ChatServer } from './chat-server';
import { joinUrls } from './network';

interface Answer {
  status: number;
  body: string;
}

/** A plain GET with exactly these Host and Origin headers. */
function get(server: ChatServer, path: string, host: string, origin?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const outgoing = request({
      host: '127.0.0.1',
      port: server.port,
      path,
      headers: { host, ...(origin === undefined ? {} : { origin }) },
    });
    outgoing.on('response', (response) => {
      let body = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    outgoing.on('error', reject);
    outgoing.end();
  });
}

/** A WebSocket handshake (Engine.IO's) with these headers: 101 when it was accepted. */
function upgrade(server: ChatServer, host: string, origin?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const outgoing = request({
      host: '127.0.0.1',
      port: server.port,
      path: '/socket.io/?EIO=4&transport=websocket',
      headers: {
        host,
        ...(origin === undefined ? {} : { origin }),
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-key': randomBytes(16).toString('base64'),
        'sec-websocket-version': '13',
      },
    });
    outgoing.on('upgrade', (response, socket) => {
      socket.destroy();
      resolve({ status: response.statusCode ?? 0, body: '' });
    });
    outgoing.on('response', (response) => {
      let body = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    outgoing.on('error', reject);
    outgoing.end();
  });
}

const POLLING = '/socket.io/?EIO=4&transport=polling';

describe('DNS rebinding: only the server’s own names are answered', () => {
  it('refuses a rebinding page on long-polling, WebSocket and the web client, with a reason', async () => {
    const webRoot = mkdtempSync(join(tmpdir(), 'parley-web-'));
    writeFileSync(join(webRoot, 'index.html'), '<!doctype html><title>Parley</title>');
    const server = await startServer({ webRoot });
    const evil = `evil.example:${server.port}`;
    const origin = `http://${evil}`;

    const polling = await get(server, POLLING, evil, origin);
    expect(polling.status).toBe(403);
    expect(polling.body).toContain('does not answer to the name "evil.example"');
    const websocket = await upgrade(server, evil, origin);
    expect(websocket.status).toBe(403);
    expect(websocket.body).toContain('does not answer to the name "evil.example"');
    const page = await get(server, '/', evil);
    expect(page.status).toBe(403);
    expect(page.body).toContain('--allowed-host evil.example');
    expect((await get(server, '/socket.io/socket.io.js', evil)).status).toBe(403);
    // Without an Origin too (a rebinding page's own fetch of a sub-resource need not send one).
    expect((await get(server, POLLING, evil)).status).toBe(403);
    expect((await upgrade(server, evil)).status).toBe(403);

    // The same requests under the server's own name go through.
    const own = `127.0.0.1:${server.port}`;
    expect((await get(server, POLLING, own, `http://${own}`)).status).toBe(200);
    expect((await upgrade(server, own, `http://${own}`)).status).toBe(101);
    expect((await get(server, '/', own)).status).toBe(200);
  });

  it('answers to its addresses, localhost and this machine’s name, on both transports', async () => {
    const server = await startServer();
    const port = server.port;
    const machine = hostname().toLowerCase().split('.')[0]!;
    const names = [
      `127.0.0.1:${port}`,
      `[::1]:${port}`,
      `localhost:${port}`,
      `LOCALHOST.:${port}`,
      `app.localhost:${port}`,
      `${hostname()}:${port}`,
      `${machine}.local:${port}`,
      'localhost', // no port: a proxy on port 80
      // Every URL Parley prints or puts in a QR code: all interface addresses and localhost.
      ...joinUrls('0.0.0.0', port).map((url) => new URL(url).host),
    ];
    for (const host of names) {
      expect((await get(server, POLLING, host, `http://${host}`)).status, host).toBe(200);
      expect((await upgrade(server, host, `http://${host}`)).status, host).toBe(101);
    }
  });

  it('answers to names given with allowedHosts (any case, trailing dot, international)', async () => {
    const server = await startServer({ allowedHosts: ['Chat.Example.org', 'bücher.example'] });
    for (const host of ['chat.example.org', 'CHAT.EXAMPLE.ORG.', 'xn--bcher-kva.example']) {
      expect((await get(server, POLLING, `${host}:${server.port}`)).status, host).toBe(200);
      expect((await upgrade(server, `${host}:${server.port}`)).status, host).toBe(101);
    }
    for (const host of ['example.org', 'chat.example.org.evil.example', 'x.chat.example.org']) {
      expect((await get(server, POLLING, host)).status, host).toBe(403);
      expect((await upgrade(server, host)).status, host).toBe(403);
    }
  });

  it('refuses a Host header that is no host name', async () => {
    const server = await startServer();
    for (const host of ['user@127.0.0.1', 'a b', '127.0.0.1:notaport']) {
      const answer = await get(server, POLLING, host);
      expect(answer.status, host).toBe(403);
      expect(answer.body).toContain('not a host name');
      expect((await upgrade(server, host)).status, host).toBe(403);
    }
  });
});

describe('refused handshakes answer 403 on both transports', () => {
  it('refuses a page from another site (the Origin check stays)', async () => {
    const server = await startServer();
    const own = `127.0.0.1:${server.port}`;
    for (const origin of ['http://evil.example', 'null', `http://localhost:${server.port}`]) {
      const polling = await get(server, POLLING, own, origin);
      expect(polling.status, origin).toBe(403);
      expect(polling.body).toContain('Only pages this server served may connect.');
      const websocket = await upgrade(server, own, origin);
      expect(websocket.status, origin).toBe(403);
      expect(websocket.body).toContain('Only pages this server served may connect.');
    }
    // Native clients and bots send no Origin.
    expect((await get(server, POLLING, own)).status).toBe(200);
    expect((await upgrade(server, own)).status).toBe(101);
  });

  it('refuses new connections past the per-address limit, counting each handshake once', async () => {
    const server = await startServer({
      isRateLimitExempt: () => false,
      rateLimits: { connect: { points: 2, durationSeconds: 3600 } },
    });
    const own = `127.0.0.1:${server.port}`;
    // Two handshakes are allowed: one over WebSocket (checked in front of Engine.IO and not
    // counted again by it), one over long-polling.
    expect((await upgrade(server, own)).status).toBe(101);
    expect((await get(server, POLLING, own)).status).toBe(200);
    const websocket = await upgrade(server, own);
    expect(websocket.status).toBe(403);
    expect(websocket.body).toContain('Too many new connections');
    const polling = await get(server, POLLING, own);
    expect(polling.status).toBe(403);
    expect(polling.body).toContain('Too many new connections');
  });
});
