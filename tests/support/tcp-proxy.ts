/**
 * Test support: a TCP proxy between clients and a server, for fault tests. It listens on
 * 127.0.0.1 (port 0) and forwards every connection to a fixed target port, so the target can be
 * killed and restarted on the same port while clients keep the proxy's address. `cut()` drops
 * every connection at once, both sides, as a network failure would; new connections are
 * accepted as before.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface TcpProxy {
  /** The port clients connect to. */
  readonly port: number;
  /** Connections open right now (client and target both connected or connecting). */
  readonly openConnections: number;
  /** Connections accepted since the proxy started. */
  readonly acceptedConnections: number;
  /** Drops every open connection on both sides; returns how many it dropped. */
  cut(): number;
  /** Stops accepting and drops every open connection. */
  close(): Promise<void>;
}

export interface TcpProxyOptions {
  targetPort: number;
  targetHost?: string;
}

interface Pair {
  client: Socket;
  target: Socket;
}

export async function startTcpProxy(options: TcpProxyOptions): Promise<TcpProxy> {
  const targetHost = options.targetHost ?? '127.0.0.1';
  const pairs = new Set<Pair>();
  let accepted = 0;

  const server: Server = createServer((client) => {
    accepted += 1;
    const target = connect({ port: options.targetPort, host: targetHost });
    const pair: Pair = { client, target };
    pairs.add(pair);
    // Either side failing or closing ends the pair: the other side must notice at once, as a
    // client does when its server dies (the kernel resets the connection).
    const end = () => {
      if (!pairs.delete(pair)) return;
      drop(client);
      drop(target);
    };
    client.on('error', end);
    target.on('error', end);
    client.on('close', end);
    target.on('close', end);
    // Nagle would delay small Socket.IO frames for nothing on loopback.
    client.setNoDelay(true);
    target.setNoDelay(true);
    client.pipe(target);
    target.pipe(client);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });

  const cutAll = (): number => {
    const dropped = [...pairs];
    pairs.clear();
    for (const { client, target } of dropped) {
      drop(client);
      drop(target);
    }
    return dropped.length;
  };

  return {
    port: (server.address() as AddressInfo).port,
    get openConnections() {
      return pairs.size;
    },
    get acceptedConnections() {
      return accepted;
    },
    cut: cutAll,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      cutAll();
      await closed;
    },
  };
}

/**
 * Ends a socket with a TCP reset rather than a polite FIN: the peer learns that the connection is
 * gone without any chance to finish what it was sending, as after a network failure.
 */
function drop(socket: Socket): void {
  // A socket still connecting is reset as soon as it connects (Node waits for it).
  if (!socket.destroyed) socket.resetAndDestroy();
}
