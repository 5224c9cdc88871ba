/**
 * The benchmark's scenarios, each against one fresh server process:
 *
 * - broadcast: N clients in one room, S of them sending at a fixed rate; latency of every delivery
 *   to every other client, delivered messages per second, server CPU and peak RSS;
 * - capacity: N idle clients held (joined, for Parley: presence on), memory per connection, and a
 *   few probe messages to show the room still works at that size;
 * - history: time for a fresh client to join a room of many stored messages.
 *
 * The flood scenario (flood.ts) builds on the session helpers exported here.
 *
 * Long (over 400 lines) because the three scenarios share their process, session and measurement
 * helpers; each scenario is one function that reads top to bottom.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeFromCompressedBase64, build, type Histogram } from 'hdr-histogram-js';
import { LOBBY } from '../src/shared/limits';
import type { ChatMessage } from '../src/shared/protocol';
import { LevelMessageStore } from '../src/server/storage/level-message-store';
import { ServerProcess, WorkerPool } from './harness';
import type {
  ConnectReply,
  JoinTimesReply,
  RunReply,
  StatusReply,
  WorkerCommand,
} from './load-worker';
import type { CorePlan } from './processes';
import { nowMicros, type ServerKind } from './wire';

export interface LoadShape {
  senders: number;
  /** Messages per second per sender; Parley allows 20 per 10 s per connection. */
  ratePerSender: number;
  warmupSeconds: number;
  measureSeconds: number;
  drainSeconds: number;
  /** Clients per generator process (several processes share the generator cores). */
  clientsPerWorker: number;
  /** Connections (and joins) each worker has in flight at once. */
  connectConcurrency: number;
}

export interface StepFigures {
  clients: number;
  connected: number;
  connectSeconds: number;
  senders: number;
  offeredMessagesPerSecond: number;
  sent: number;
  expected: number;
  delivered: number;
  deliveredPerSecond: number;
  deliveryRatio: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /**
   * Send → acknowledgement of the measured sends, ms: Parley acknowledges once the message is
   * stored and fsynced (durable). NaN for the baselines, which acknowledge nothing.
   */
  ackP50Ms: number;
  ackP99Ms: number;
  serverCpuPercent: number;
  serverPeakRssMb: number;
  generatorCpuPercent: number;
  generatorLoopDelayP99Ms: number;
  ackErrors: Record<string, number>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const tempDir = (prefix: string) => mkdtempSync(join(tmpdir(), prefix));

/** `total` clients in `parts` runs of consecutive indexes, as even as can be. */
export function shares(total: number, parts: number): Array<{ first: number; count: number }> {
  const result = [];
  let first = 0;
  for (let part = 0; part < parts; part++) {
    const count = Math.floor(total / parts) + (part < total % parts ? 1 : 0);
    result.push({ first, count });
    first += count;
  }
  return result;
}

export function mergeHistograms(encoded: string[]): Histogram {
  const merged = build({ lowestDiscernibleValue: 1, highestTrackableValue: 600_000_000 });
  for (const one of encoded) merged.add(decodeFromCompressedBase64(one));
  return merged;
}

const ms = (micros: number) => micros / 1000;

export interface Session {
  server: ServerProcess;
  pool: WorkerPool;
  parts: Array<{ first: number; count: number }>;
  connected: ConnectReply[];
  dataDir: string | null;
}

export async function openSession(
  kind: ServerKind,
  clients: number,
  shape: Pick<LoadShape, 'clientsPerWorker' | 'connectConcurrency'>,
  cores: CorePlan,
  options: {
    cpuProfileDir?: string;
    beforeConnect?: (server: ServerProcess) => Promise<void>;
    /** Extra environment for the server process. */
    serverEnv?: NodeJS.ProcessEnv;
  } = {},
): Promise<Session> {
  const dataDir = kind === 'parley' ? tempDir('parley-bench-') : null;
  const server = await ServerProcess.start(kind, {
    cores: cores.server,
    dataDir: dataDir ?? undefined,
    cpuProfileDir: options.cpuProfileDir,
    env: options.serverEnv,
  });
  await options.beforeConnect?.(server);
  const workerCount = Math.max(1, Math.ceil(clients / shape.clientsPerWorker));
  const pool = WorkerPool.start(
    workerCount,
    cores.generator,
    options.cpuProfileDir && join(options.cpuProfileDir, 'generator'),
  );
  const parts = shares(clients, workerCount);
  const connected = await pool.connect(
    parts.map(({ first, count }) => ({
      type: 'connect',
      kind,
      port: server.port,
      first,
      count,
      concurrency: shape.connectConcurrency,
    })),
    15 * 60_000,
  );
  const failures = connected.filter((reply) => reply.failed > 0);
  if (failures.length > 0) {
    const failed = failures.reduce((sum, reply) => sum + reply.failed, 0);
    console.warn(`  ${kind}: ${failed} of ${clients} clients failed: ${failures[0]!.firstError}`);
  }
  return { server, pool, parts, connected, dataDir };
}

export async function closeSession(session: Session): Promise<void> {
  await session.pool.stop();
  await session.server.stop();
  if (session.dataDir) rmSync(session.dataDir, { recursive: true, force: true });
}

/** Sends at the given rate from evenly spread senders; returns the workers' replies. */
export async function runLoad(
  session: Pick<Session, 'pool' | 'parts'>,
  clients: number,
  senders: number,
  shape: Pick<LoadShape, 'ratePerSender' | 'warmupSeconds' | 'measureSeconds' | 'drainSeconds'>,
  onWindow?: (edge: 'start' | 'end') => void,
  event: 'message' | 'presence' = 'message',
): Promise<RunReply[]> {
  const startMicros = nowMicros() + 300_000;
  const slots = Array.from({ length: senders }, (_, slot) => ({
    slot,
    client: Math.floor((slot * clients) / senders),
  }));
  const commands: WorkerCommand[] = session.parts.map(({ first, count }) => ({
    type: 'run',
    senders: slots.filter(({ client }) => client >= first && client < first + count),
    totalSenders: senders,
    ratePerSender: shape.ratePerSender,
    startMicros,
    warmupMs: shape.warmupSeconds * 1000,
    measureMs: shape.measureSeconds * 1000,
    drainMs: shape.drainSeconds * 1000,
    event,
  }));
  const untilMeasure = (startMicros - nowMicros()) / 1000 + shape.warmupSeconds * 1000;
  const windowTimers = onWindow
    ? [
        setTimeout(() => onWindow('start'), untilMeasure),
        setTimeout(() => onWindow('end'), untilMeasure + shape.measureSeconds * 1000),
      ]
    : [];
  const totalMs = (shape.warmupSeconds + shape.measureSeconds + shape.drainSeconds) * 1000;
  try {
    return await session.pool.all<RunReply>(commands, 'ran', totalMs + 60_000);
  } finally {
    windowTimers.forEach(clearTimeout);
  }
}

export async function broadcastStep(
  kind: ServerKind,
  clients: number,
  shape: LoadShape,
  cores: CorePlan,
  cpuProfileDir?: string,
): Promise<StepFigures> {
  const session = await openSession(kind, clients, shape, cores, { cpuProfileDir });
  try {
    return await measureLoad(session, clients, Math.min(shape.senders, clients), shape);
  } finally {
    await closeSession(session);
  }
}

/**
 * One load phase on an open session: `senders` evenly spread clients each send
 * `shape.ratePerSender` msg/s; the figures of its measured window. A session can run several.
 */
export async function measureLoad(
  session: Session,
  clients: number,
  senders: number,
  shape: Pick<LoadShape, 'ratePerSender' | 'warmupSeconds' | 'measureSeconds' | 'drainSeconds'>,
): Promise<StepFigures> {
  const connected = session.connected.reduce((sum, reply) => sum + reply.connected, 0);
  const connectSeconds = Math.max(...session.connected.map((reply) => reply.ms)) / 1000;
  const cpu = { server: [0, 0], generator: [0, 0] };
  const replies = await runLoad(session, clients, senders, shape, (edge) => {
    const at = edge === 'start' ? 0 : 1;
    cpu.server[at] = session.server.cpuSeconds();
    cpu.generator[at] = session.pool.cpuSeconds();
  });
  const histogram = mergeHistograms(replies.map((reply) => reply.histogram));
  const acks = mergeHistograms(replies.map((reply) => reply.ackHistogram));
  const ackMs = (percentile: number) =>
    acks.totalCount > 0 ? ms(acks.getValueAtPercentile(percentile)) : NaN;
  const sent = replies.reduce((sum, reply) => sum + reply.sent, 0);
  const delivered = replies.reduce((sum, reply) => sum + reply.delivered, 0);
  const expected = sent * Math.max(0, connected - 1);
  const ackErrors: Record<string, number> = {};
  for (const reply of replies) {
    for (const [code, count] of Object.entries(reply.ackErrors)) {
      ackErrors[code] = (ackErrors[code] ?? 0) + count;
    }
  }
  const percent = ([from, to]: number[]) => ((to! - from!) / shape.measureSeconds) * 100;
  return {
    clients,
    connected,
    connectSeconds,
    senders,
    offeredMessagesPerSecond: senders * shape.ratePerSender,
    sent,
    expected,
    delivered,
    deliveredPerSecond: delivered / shape.measureSeconds,
    deliveryRatio: expected > 0 ? delivered / expected : 0,
    p50Ms: ms(histogram.getValueAtPercentile(50)),
    p99Ms: ms(histogram.getValueAtPercentile(99)),
    maxMs: ms(histogram.maxValue),
    ackP50Ms: ackMs(50),
    ackP99Ms: ackMs(99),
    serverCpuPercent: percent(cpu.server),
    serverPeakRssMb: session.server.peakRssMb(),
    generatorCpuPercent: percent(cpu.generator),
    generatorLoopDelayP99Ms: Math.max(...replies.map((reply) => reply.loopDelayP99Ms)),
    ackErrors,
  };
}

export interface CapacityFigures {
  connections: number;
  /** Connections still open after holding them idle, and after the probe. */
  held: number;
  /** Time to open (and join) all connections, s. */
  connectSeconds: number;
  /** Server CPU spent opening (and joining) them, s. */
  connectCpuSeconds: number;
  /**
   * The load generator's CPU while they connected, % of one core (its workers together): near
   * 100 % per generator core, the storm's time is partly the generator's.
   */
  generatorConnectCpuPercent?: number;
  /**
   * Room-event batches (presence) Parley wrote while they joined, one per recipient: what the
   * batching saves shows here, whatever the machine's speed (0 for the baselines).
   */
  connectBatchWrites: number;
  /** Live memory (JS heap + external) per idle connection, after a full GC, KB. */
  memoryPerConnectionKb: number;
  /** Resident memory per idle connection (RSS difference, after a full GC), KB. */
  rssPerConnectionKb: number;
  serverPeakRssMb: number;
  /** Probe messages from one client to all others while the room is full. */
  probe: { sent: number; expected: number; delivered: number; p50Ms: number; p99Ms: number };
}

/** Clients that connect (and join) and leave before a capacity storm of `connections`. */
export const warmUpClients = (connections: number) => Math.min(500, connections);

/**
 * Connects warmUpClients(connections) clients to `server`, closes them, and waits until the
 * server holds none: the code a server compiles while it first serves connections (a megabyte or
 * more, once) is then in its memory before the storm, not counted per connection, and the storm
 * meets a server that has served before, as a real one has. The same for every server. Their
 * numbers follow the storm's (`connections` on), so that no name is taken twice.
 */
async function warmUp(
  server: ServerProcess,
  kind: ServerKind,
  connections: number,
  shape: Pick<LoadShape, 'connectConcurrency'>,
  cores: CorePlan,
): Promise<void> {
  const pool = WorkerPool.start(1, cores.generator);
  try {
    const [reply] = await pool.connect(
      [
        {
          type: 'connect',
          kind,
          port: server.port,
          first: connections,
          count: warmUpClients(connections),
          concurrency: shape.connectConcurrency,
        },
      ],
      5 * 60_000,
    );
    if (reply!.failed > 0)
      throw new Error(`warm-up: ${reply!.failed} failed: ${reply!.firstError}`);
  } finally {
    await pool.stop();
  }
  const deadline = Date.now() + 60_000;
  while ((await server.connections()) > 0) {
    if (Date.now() > deadline) throw new Error('warm-up: the server still holds connections');
    await sleep(50);
  }
}

export async function capacity(
  kind: ServerKind,
  connections: number,
  shape: LoadShape,
  holdSeconds: number,
  cores: CorePlan,
  cpuProfileDir?: string,
): Promise<CapacityFigures> {
  // Measured before any client connects: the difference afterwards is what the connections cost.
  let before = { rssMb: 0, peakRssMb: 0, heapUsedMb: 0, externalMb: 0 };
  let cpuBefore = 0;
  let batchWritesBefore = 0;
  const session = await openSession(kind, connections, shape, cores, {
    cpuProfileDir,
    beforeConnect: async (server) => {
      await warmUp(server, kind, connections, shape, cores);
      before = await server.memory();
      cpuBefore = server.cpuSeconds();
      batchWritesBefore = await server.batchWrites();
    },
  });
  try {
    const cpuAfterConnect = session.server.cpuSeconds();
    const connectBatchWrites = (await session.server.batchWrites()) - batchWritesBefore;
    const connectSeconds = Math.max(...session.connected.map((reply) => reply.ms)) / 1000;
    const generatorCpuSeconds = session.connected.reduce((sum, reply) => sum + reply.cpuSeconds, 0);
    await sleep(holdSeconds * 1000);
    const after = await session.server.memory();
    const statuses = await session.pool.all<StatusReply>(
      session.parts.map(() => ({ type: 'status' })),
      'status',
      30_000,
    );
    const openAfterHold = statuses.reduce((sum, status) => sum + status.open, 0);
    const replies = await runLoad(session, connections, 1, {
      ratePerSender: 1,
      warmupSeconds: 0,
      measureSeconds: 3,
      drainSeconds: 3,
    });
    const histogram = mergeHistograms(replies.map((reply) => reply.histogram));
    const sent = replies.reduce((sum, reply) => sum + reply.sent, 0);
    const held = Math.min(
      openAfterHold,
      replies.reduce((sum, reply) => sum + reply.open, 0),
    );
    const perConnection = (bytesBefore: number, bytesAfter: number) =>
      held > 0 ? ((bytesAfter - bytesBefore) * 1024) / held : NaN;
    return {
      connections,
      held,
      connectSeconds,
      connectCpuSeconds: cpuAfterConnect - cpuBefore,
      generatorConnectCpuPercent: (100 * generatorCpuSeconds) / connectSeconds,
      connectBatchWrites,
      memoryPerConnectionKb: perConnection(
        before.heapUsedMb + before.externalMb,
        after.heapUsedMb + after.externalMb,
      ),
      rssPerConnectionKb: perConnection(before.rssMb, after.rssMb),
      serverPeakRssMb: session.server.peakRssMb(),
      probe: {
        sent,
        expected: sent * Math.max(0, held - 1),
        delivered: replies.reduce((sum, reply) => sum + reply.delivered, 0),
        p50Ms: ms(histogram.getValueAtPercentile(50)),
        p99Ms: ms(histogram.getValueAtPercentile(99)),
      },
    };
  } finally {
    await closeSession(session);
  }
}

/** Writes `count` messages straight into a data directory's history, as the server stores them. */
export async function prefillHistory(dataDir: string, count: number): Promise<number> {
  const started = performance.now();
  const store = await LevelMessageStore.open(join(dataDir, 'history'));
  try {
    const sentAt = Date.now() - count * 1000;
    const batch = 2_000;
    for (let first = 1; first <= count; first += batch) {
      const messages: ChatMessage[] = [];
      for (let id = first; id < Math.min(first + batch, count + 1); id++) {
        const author = id % 40;
        messages.push({
          id,
          clientId: `history-${id}`,
          room: LOBBY,
          author: {
            id: `00000000-0000-4000-8000-${String(author).padStart(12, '0')}`,
            nickname: `person${author}`,
          },
          text: `Stored message number ${id}: a line of ordinary chat about the day's plans.`,
          sentAt: sentAt + id * 1000,
        });
      }
      await store.write(messages);
    }
  } finally {
    await store.close();
  }
  return performance.now() - started;
}

export interface JoinFigures {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  samples: number;
}

function summarize(samplesMs: number[]): JoinFigures {
  const sorted = [...samplesMs].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return { p50Ms: at(0.5), p99Ms: at(0.99), maxMs: sorted.at(-1)!, samples: sorted.length };
}

export interface HistoryFigures {
  storedMessages: number;
  prefillSeconds: number;
  /** Parley's start-up (opening the store and loading recent history), ms. */
  parleyStartupMs: number;
  parleyEmptyStartupMs: number;
  /**
   * Connect, challenge, signing and join with its acknowledgement (recent messages, users), per
   * fresh client.
   */
  parleyJoin: JoinFigures;
  parleyEmptyJoin: JoinFigures;
  /** The baselines have no join and no history: connecting is all there is. */
  socketioConnect: JoinFigures;
  wsConnect: JoinFigures;
}

export async function historyJoin(
  storedMessages: number,
  samples: number,
  cores: CorePlan,
  kinds: readonly ServerKind[],
): Promise<HistoryFigures> {
  const measure = async (kind: ServerKind, dataDir?: string) => {
    const server = await ServerProcess.start(kind, { cores: cores.server, dataDir });
    const pool = WorkerPool.start(1, cores.generator);
    try {
      const reply = await pool.one<JoinTimesReply>(
        { type: 'joinTimes', kind, port: server.port, samples },
        'joinTimes',
        samples * 30_000,
      );
      return { startupMs: server.startupMs, join: summarize(reply.samplesMs) };
    } finally {
      await pool.stop();
      await server.stop();
    }
  };
  const full = tempDir('parley-bench-history-');
  const empty = tempDir('parley-bench-empty-');
  try {
    const prefillMs = await prefillHistory(full, storedMessages);
    const parley = await measure('parley', full);
    const parleyEmpty = await measure('parley', empty);
    const none: JoinFigures = { p50Ms: NaN, p99Ms: NaN, maxMs: NaN, samples: 0 };
    const socketio = kinds.includes('socketio') ? (await measure('socketio')).join : none;
    const ws = kinds.includes('ws') ? (await measure('ws')).join : none;
    return {
      storedMessages,
      prefillSeconds: prefillMs / 1000,
      parleyStartupMs: parley.startupMs,
      parleyEmptyStartupMs: parleyEmpty.startupMs,
      parleyJoin: parley.join,
      parleyEmptyJoin: parleyEmpty.join,
      socketioConnect: socketio,
      wsConnect: ws,
    };
  } finally {
    rmSync(full, { recursive: true, force: true });
    rmSync(empty, { recursive: true, force: true });
  }
}
