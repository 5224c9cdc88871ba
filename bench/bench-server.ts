/**
 * One server process of the benchmark, started by the runner (pinned to its own core):
 *
 * - `parley`: createChatServer as shipped — validation, presence, history on disk in the given
 *   data directory, the real rate limits;
 * - `socketio`: the plain Socket.IO chat server that tutorials teach: `io.emit` of whatever arrives;
 * - `ws`: a raw `ws` broadcast server, the floor on cost.
 *
 * With PARLEY_BENCH_EXEMPT set (a comma-separated list of addresses), Parley exempts exactly those
 * addresses from its per-address limits instead of all of loopback: the flood scenario gives its
 * flooder an address of its own (127.0.0.2) that the limits then see like any other machine's.
 *
 * With PARLEY_BENCH_DURABLE set (durability.ts), Parley's history is fsynced before each
 * acknowledgement ('1', as shipped) or not ('0'), and no message rate limit applies: the senders
 * send as fast as they are acknowledged.
 *
 * With PARLEY_BENCH_DATABASE set (a PostgreSQL URL; cluster.ts), Parley keeps its history in
 * that database, as `parley serve --database` does: several such processes on one database are
 * the nodes of a cluster. With PARLEY_BENCH_UNLIMITED set, no message or presence rate limit
 * applies (the cluster scenario looks for where the database, not a limit, stops a room).
 *
 * Listens on 127.0.0.1, port 0. Talks to the runner over the IPC channel: sends `ready` with its
 * port and start-up time, answers `memory` (after a full GC; run with --expose-gc), `connections`,
 * `batchWrites` and `stop`. With PARLEY_BENCH_HEAP_SNAPSHOT set (a folder), each `memory` answer also writes a
 * V8 heap snapshot there (`heap-<n>.heapsnapshot`, after the GC): the first before the clients
 * connect, the next with them, to see what a connection keeps alive.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { WebSocketServer, WebSocket, type RawData } from 'ws';
import { join } from 'node:path';
import { writeHeapSnapshot } from 'node:v8';
import { createChatServer } from '../src/server/chat-server';
import { EmbeddedHistory } from '../src/server/storage/embedded-history';
import { LIMITS, LOBBY } from '../src/shared/limits';
import { readMemory } from './processes';
import type { ServerKind } from './wire';

export interface ServerReady {
  type: 'ready';
  port: number;
  /** From the start of this process until it listens (Parley: includes loading history). */
  startupMs: number;
}

const started = performance.now();
const kind = process.argv[2] as ServerKind;
const dataDir = process.argv[3];
const webRoot = process.argv[4];
const exempt = process.env.PARLEY_BENCH_EXEMPT?.split(',').filter(Boolean);
/** The guessing scenario's passphrase (unset: anyone may join). */
const passphrase = process.env.PARLEY_BENCH_PASSPHRASE || null;
const durable = process.env.PARLEY_BENCH_DURABLE;
const database = process.env.PARLEY_BENCH_DATABASE || null;
const UNLIMITED = { points: 1_000_000_000, durationSeconds: 1 };
const unlimited = process.env.PARLEY_BENCH_UNLIMITED
  ? { rateLimits: { message: UNLIMITED, messagePerAddress: UNLIMITED, presence: UNLIMITED } }
  : {};

/** The history as createChatServer makes it, with durable writes on or off. */
async function writeCostOptions(durableWrites: boolean) {
  if (!dataDir) throw new Error('PARLEY_BENCH_DURABLE needs a data directory');
  const history = await EmbeddedHistory.open({
    directory: join(dataDir, 'history'),
    warmRoom: LOBBY,
    capacity: LIMITS.historyLength,
    retention: LIMITS.roomRetention,
    durableWrites,
  });
  return {
    history,
    rateLimits: { message: UNLIMITED, messagePerAddress: UNLIMITED, search: UNLIMITED },
  };
}

interface Started {
  port: number;
  close: () => Promise<void>;
  /** Parley's room-event batches written so far, one per recipient (zero for the baselines). */
  batchWrites?: () => number;
  /** Connections open now (Engine.IO's clients, or ws's). */
  connections: () => number;
}

async function start(): Promise<Started> {
  if (kind === 'parley') {
    const server = await createChatServer({
      host: '127.0.0.1',
      port: 0,
      dataDir: dataDir || null,
      database,
      webRoot: webRoot || null,
      // Unset: as shipped (all of loopback exempt). IPv4 peers may appear as ::ffff:127.0.0.2.
      isRateLimitExempt: exempt
        ? (address) => exempt.includes(address.replace(/^::ffff:/, ''))
        : undefined,
      passphrase,
      onError: (error) => console.error('[bench parley]', error),
      ...unlimited,
      ...(durable === undefined ? {} : await writeCostOptions(durable !== '0')),
      // The search scenario's baseline: no index (bench/search.ts).
      search: { enabled: process.env.PARLEY_BENCH_SEARCH !== '0' },
      // The capacity scenario holds thousands of connections (the bench raises `ulimit -n`);
      // the shipped cap (LIMITS.maxConnections) is sized for 1024 file descriptors.
      connections: { maxConnections: 100_000 },
    });
    return {
      port: server.port,
      close: () => server.close(),
      connections: () => server.io.engine.clientsCount,
      batchWrites: () => {
        const { preEncoded, eventByEvent } = server.broadcastDeliveries();
        return preEncoded + eventByEvent;
      },
    };
  }
  const http = createServer();
  // Upgraded connections are no longer the HTTP server's to close: each kind closes its own.
  let closeUpgraded = () => {};
  let connections = () => 0;
  if (kind === 'socketio') {
    // The Socket.IO tutorial's chat server, minus the page it serves.
    const io = new Server(http);
    io.on('connection', (socket) => {
      socket.on('chat message', (message) => io.emit('chat message', message));
    });
    closeUpgraded = () => io.disconnectSockets(true);
    connections = () => io.engine.clientsCount;
  } else if (kind === 'ws') {
    // The `ws` README's "broadcast to all connected clients", sender included (as io.emit).
    const wss = new WebSocketServer({ server: http });
    wss.on('connection', (socket) => {
      socket.on('message', (data: RawData, isBinary: boolean) => {
        for (const client of wss.clients) {
          if (client.readyState === WebSocket.OPEN) client.send(data, { binary: isBinary });
        }
      });
    });
    closeUpgraded = () => {
      for (const client of wss.clients) client.terminate();
    };
    connections = () => wss.clients.size;
  } else {
    console.error('usage: bench-server parley|socketio|ws [dataDir] [webRoot]');
    process.exit(2);
  }
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return {
    port: (http.address() as AddressInfo).port,
    connections,
    close: () =>
      new Promise<void>((resolve) => {
        closeUpgraded();
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  };
}

const heapSnapshots = process.env.PARLEY_BENCH_HEAP_SNAPSHOT || null;
let snapshotCount = 0;
const server = await start();
const ready: ServerReady = {
  type: 'ready',
  port: server.port,
  startupMs: performance.now() - started,
};
process.send!(ready);

process.on('message', (message: { type: string }) => {
  if (message.type === 'memory') {
    const gc = (globalThis as { gc?: () => void }).gc;
    // Twice: the first pass may leave finalizers that free more on the second.
    gc?.();
    gc?.();
    if (heapSnapshots)
      writeHeapSnapshot(join(heapSnapshots, `heap-${++snapshotCount}.heapsnapshot`));
    process.send!({ type: 'memory', memory: readMemory(process.pid, process.memoryUsage()) });
  } else if (message.type === 'connections') {
    process.send!({ type: 'connections', count: server.connections() });
  } else if (message.type === 'batchWrites') {
    process.send!({ type: 'batchWrites', writes: server.batchWrites?.() ?? 0 });
  } else if (message.type === 'stop') {
    void server.close().finally(() => process.exit(0));
    setTimeout(() => process.exit(0), 3_000).unref();
  }
});
process.on('disconnect', () => process.exit(0));
