/**
 * Test support: a TCP proxy between clients and a server, for fault tests. It listens on
 * 127.0.0.1 (port 0) and forwards every connection to a target port, so the target can be
 * killed and restarted on the same port while clients keep the proxy's address. `cut()` drops
 * every connection at once, both sides, as a network failure would; new connections are
 * accepted as before.
 *
 * Given several target ports it stands in for a load balancer in front of a cluster: new
 * connections go to the targets in turn (round-robin), and a target that refuses the connection
 * (its node is down) is skipped for the next one, so that a client whose node died reconnects
 * through the same address to a live node. Only when every target refuses is the client's
 * connection closed, as with a single target that is down.
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

export type TcpProxyOptions = { targetHost?: string } & (
  | { targetPort: number }
  /** Several targets, taken in turn; one that refuses is skipped. */
  | { targetPorts: readonly number[] }
);

interface Pair {
  client: Socket;
  /** The target connection, or the attempt in progress (it changes when a target refuses). */
  target: Socket;
}

export async function startTcpProxy(options: TcpProxyOptions): Promise<TcpProxy> {
  const targetHost = options.targetHost ?? '127.0.0.1';
  const targetPorts = 'targetPorts' in options ? [...options.targetPorts] : [options.targetPort];
  if (targetPorts.length === 0) throw new Error('The proxy needs at least one target port.');
  const pairs = new Set<Pair>();
  let accepted = 0;
  /** The target the next connection tries first. */
  let next = 0;

  const server: Server = createServer((client) => {
    accepted += 1;
    // Nagle would delay small Socket.IO frames for nothing on loopback.
    client.setNoDelay(true);
    // What the client sends before a target accepted waits in its socket, for whichever one does.
    client.pause();
    const first = next;
    next = (next + 1) % targetPorts.length;
    let tries = 0;
    const pair: Pair = { client, target: dial() };
    pairs.add(pair);
    // Either side failing or closing ends the pair: the other side must notice at once, as a
    // client does when its server dies (the kernel resets the connection).
    const end = () => {
      if (!pairs.delete(pair)) return;
      drop(client);
      drop(pair.target);
    };
    client.on('error', end);
    client.on('close', end);

    function dial(): Socket {
      const port = targetPorts[(first + tries++) % targetPorts.length]!;
      const target = connect({ port, host: targetHost });
      target.setNoDelay(true);
      let connected = false;
      target.once('connect', () => {
        connected = true;
        target.on('close', end);
        client.pipe(target);
        target.pipe(client);
        client.resume();
      });
      target.on('error', (error: NodeJS.ErrnoException) => {
        const refused = error.code === 'ECONNREFUSED' && !connected;
        if (refused && tries < targetPorts.length && pairs.has(pair)) {
          // That node is down: the next target gets this client.
          pair.target = dial();
          return;
        }
        end();
      });
      return target;
    }
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
