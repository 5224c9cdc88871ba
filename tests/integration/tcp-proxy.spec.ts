/**
 * The chaos test's TCP proxy (tests/support/tcp-proxy.ts), against a real TCP echo server: it
 * forwards both ways, a cut drops every connection on both sides at once and the proxy goes on
 * accepting, and it keeps forwarding to the same port while the target is down and back up.
 * Given several targets (the cluster chaos test's load balancer), it takes them in turn and
 * skips one that refuses.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { onCleanup } from '../support/chat';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy';

/** An echo server; `accepted` holds its side of every connection. */
async function echoServer(port = 0): Promise<{ server: Server; port: number; accepted: Socket[] }> {
  const accepted: Socket[] = [];
  const server = createServer((socket) => {
    accepted.push(socket);
    socket.on('error', () => {});
    socket.pipe(socket);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  onCleanup(() => closeServer(server, accepted));
  return { server, port: (server.address() as AddressInfo).port, accepted };
}

function closeServer(server: Server, accepted: Socket[]): Promise<void> {
  for (const socket of accepted) socket.destroy();
  return new Promise((resolve) => (server.listening ? server.close(() => resolve()) : resolve()));
}

async function proxyTo(port: number | number[]): Promise<TcpProxy> {
  const proxy = await startTcpProxy(
    typeof port === 'number' ? { targetPort: port } : { targetPorts: port },
  );
  onCleanup(() => proxy.close());
  return proxy;
}

/** A client through the proxy: what it received so far, and a promise of its close. */
async function dial(proxy: TcpProxy) {
  const socket = connect({ port: proxy.port, host: '127.0.0.1' });
  onCleanup(() => void socket.destroy());
  let received = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => (received += chunk));
  socket.on('error', () => {});
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  return { socket, closed, received: () => received };
}

async function echoes(client: Awaited<ReturnType<typeof dial>>, text: string): Promise<void> {
  client.socket.write(text);
  const start = Date.now();
  while (!client.received().includes(text)) {
    if (Date.now() - start > 5_000) throw new Error(`no echo of ${text}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('TCP proxy', () => {
  it('forwards both ways; a cut drops every connection on both sides; it keeps accepting', async () => {
    const echo = await echoServer();
    const proxy = await proxyTo(echo.port);
    const first = await dial(proxy);
    const second = await dial(proxy);
    await echoes(first, 'one');
    await echoes(second, 'two');
    expect(proxy.openConnections).toBe(2);
    expect(echo.accepted).toHaveLength(2);

    const serverSidesClosed = echo.accepted.map(
      (socket) => new Promise<void>((resolve) => socket.once('close', () => resolve())),
    );
    expect(proxy.cut()).toBe(2);
    await Promise.all([first.closed, second.closed, ...serverSidesClosed]);
    expect(proxy.openConnections).toBe(0);

    const third = await dial(proxy);
    await echoes(third, 'three');
    expect(proxy.acceptedConnections).toBe(3);
  });

  it('closes connections while the target is down, and forwards again once it is back', async () => {
    const echo = await echoServer();
    const proxy = await proxyTo(echo.port);
    await closeServer(echo.server, echo.accepted);

    const refused = await dial(proxy);
    await refused.closed;
    expect(proxy.openConnections).toBe(0);

    await echoServer(echo.port);
    const again = await dial(proxy);
    await echoes(again, 'back');
  });

  it('spreads new connections over several targets in turn, skipping one that refuses', async () => {
    const targets = [await echoServer(), await echoServer(), await echoServer()];
    const proxy = await proxyTo(targets.map((target) => target.port));
    for (const text of ['a', 'b', 'c', 'd']) await echoes(await dial(proxy), text);
    expect(targets.map((target) => target.accepted.length)).toEqual([2, 1, 1]);

    // The second target dies: its turn goes to the next live one, and its clients, dialling the
    // same address again, reach a live target.
    const [, dead] = targets;
    await closeServer(dead!.server, dead!.accepted);
    for (const text of ['e', 'f', 'g']) await echoes(await dial(proxy), text);
    expect(targets.map((target) => target.accepted.length)).toEqual([3, 1, 3]);

    // With every target down, a client's connection is closed, as with a single dead target.
    for (const target of [targets[0]!, targets[2]!]) {
      await closeServer(target.server, target.accepted);
    }
    const refused = await dial(proxy);
    await refused.closed;
    expect(proxy.openConnections).toBe(0);
  });
});
