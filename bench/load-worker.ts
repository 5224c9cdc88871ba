/**
 * A load-generator process, started by the runner on the generator's core(s). It holds a share of
 * the clients of one step, has some of them send at a fixed rate, and records the end-to-end
 * latency of every message received from another client (send → receipt, on the monotonic clock
 * shared by all processes) in an HDR histogram, which it hands back encoded. Commands and replies
 * go over the IPC channel; every wait is bounded. A worker may instead be the flood scenario's
 * flooder (flood-client.ts).
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { build, encodeIntoCompressedBase64, type Histogram } from 'hdr-histogram-js';
import type { DeviceKey } from '../src/client/device-key';
import { flood, type FloodCommand } from './flood-client';
import { deviceKeys } from './identity';
import { LoadClient, messageText, nowMicros, type Receipt, type ServerKind } from './wire';

export type WorkerCommand =
  | {
      type: 'connect';
      kind: ServerKind;
      port: number;
      /** Global index of this worker's first client; clients are numbered across workers. */
      first: number;
      count: number;
      /** Connections (and joins) in flight at once. */
      concurrency: number;
    }
  | {
      type: 'run';
      /** This worker's senders: a client index and its slot among all senders of the step. */
      senders: Array<{ client: number; slot: number }>;
      totalSenders: number;
      ratePerSender: number;
      /**
       * What the senders send: chat messages (the default), or status lines (`presence:set`,
       * Parley only), which a cluster passes between its nodes by NOTIFY.
       */
      event?: 'message' | 'presence';
      /** When sending starts, on the shared monotonic clock (µs). */
      startMicros: number;
      warmupMs: number;
      measureMs: number;
      drainMs: number;
    }
  | {
      /** Makes the device keys of the next `connect` (Parley's clients; none for the baselines). */
      type: 'keys';
      kind: ServerKind;
      count: number;
    }
  | { type: 'joinTimes'; kind: ServerKind; port: number; samples: number }
  | FloodCommand
  | { type: 'status' }
  | { type: 'close' };

export interface ConnectReply {
  type: 'connected';
  connected: number;
  failed: number;
  firstError: string | null;
  ms: number;
  /** This worker's CPU (user + system) while its clients connected, s. */
  cpuSeconds: number;
}

export interface RunReply {
  type: 'ran';
  /** Latency of measured-phase receipts, µs, encoded with encodeIntoCompressedBase64. */
  histogram: string;
  delivered: number;
  warmupDelivered: number;
  /** Measured-phase messages this worker's senders sent. */
  sent: number;
  acksOk: number;
  ackErrors: Record<string, number>;
  /** Send → acknowledgement of this worker's measured-phase sends (Parley), µs, encoded. */
  ackHistogram: string;
  /** Generator event-loop delay while running, ms: high values mean the generator lagged. */
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  open: number;
}

export interface JoinTimesReply {
  type: 'joinTimes';
  /**
   * Connect (+ challenge, signing and join with its acknowledgement, for Parley) of a fresh
   * client, ms each.
   */
  samplesMs: number[];
}

export interface StatusReply {
  type: 'status';
  open: number;
  closedSinceConnect: number;
}

const LOOP_RESOLUTION_MS = 10;
const PHASE_MEASURED = 'm'.charCodeAt(0);
const PHASE_WARMUP = 'w'.charCodeAt(0);

const newHistogram = (): Histogram =>
  build({ lowestDiscernibleValue: 1, highestTrackableValue: 600_000_000, useWebAssembly: false });

let clients: LoadClient[] = [];
const byIndex = new Map<number, LoadClient>();
let histogram = newHistogram();
let ackHistogram = newHistogram();
/** Acknowledgements are timed only from the measured phase on. */
let measuringAcks = false;
let delivered = 0;
let warmupDelivered = 0;
let acksOk = 0;
let ackErrors: Record<string, number> = {};
let closedSinceConnect = 0;

function handlersFor(self: number) {
  return {
    onReceipt(receipt: Receipt) {
      if (receipt.sender === self) return;
      if (receipt.phase === PHASE_MEASURED) {
        histogram.recordValue(Math.max(1, nowMicros() - receipt.sentMicros));
        delivered++;
      } else if (receipt.phase === PHASE_WARMUP) {
        warmupDelivered++;
      }
    },
    onAck(code: string | null, micros: number) {
      if (code !== null) ackErrors[code] = (ackErrors[code] ?? 0) + 1;
      else {
        acksOk++;
        if (measuringAcks) ackHistogram.recordValue(Math.max(1, micros));
      }
    },
    onClose() {
      closedSinceConnect++;
    },
  };
}

/** CPU (user + system) this process used since `before` (a process.cpuUsage() reading), s. */
function cpuSecondsSince(before: NodeJS.CpuUsage): number {
  const { user, system } = process.cpuUsage(before);
  return (user + system) / 1e6;
}

/** Device keys for `count` Parley clients (none for the baselines), made before any clock starts. */
const keysFor = (kind: ServerKind, count: number): Promise<Array<DeviceKey | null>> =>
  kind === 'parley' ? deviceKeys(count) : Promise.resolve(new Array<null>(count).fill(null));

/** The keys a `keys` command made for the next connect. */
let prepared: { kind: ServerKind; keys: Array<DeviceKey | null> } | null = null;

async function connect(command: Extract<WorkerCommand, { type: 'connect' }>): Promise<void> {
  // Making the keys (about 0.1 ms each) is not part of the connect (join storm) time: made by
  // the `keys` command before (WorkerPool.connect: every worker's, before any connects), or here.
  const keys =
    prepared?.kind === command.kind && prepared.keys.length === command.count
      ? prepared.keys
      : await keysFor(command.kind, command.count);
  prepared = null;
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  let next = 0;
  let failed = 0;
  let firstError: string | null = null;
  const lane = async () => {
    while (next < command.count) {
      const key = keys[next]!;
      const index = command.first + next++;
      try {
        const client = await LoadClient.connect(
          command.kind,
          command.port,
          index,
          handlersFor(index),
          key,
        );
        clients.push(client);
        byIndex.set(index, client);
      } catch (error) {
        failed++;
        firstError ??= (error as Error).message;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(command.concurrency, command.count) }, lane));
  closedSinceConnect = 0;
  const reply: ConnectReply = {
    type: 'connected',
    connected: clients.length,
    failed,
    firstError,
    ms: performance.now() - started,
    cpuSeconds: cpuSecondsSince(cpuBefore),
  };
  process.send!(reply);
}

async function run(command: Extract<WorkerCommand, { type: 'run' }>): Promise<void> {
  histogram = newHistogram();
  ackHistogram = newHistogram();
  measuringAcks = false;
  delivered = 0;
  warmupDelivered = 0;
  acksOk = 0;
  ackErrors = {};
  let sent = 0;
  const loopDelay = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
  loopDelay.enable();

  const intervalMicros = 1e6 / command.ratePerSender;
  const measureFrom = command.startMicros + command.warmupMs * 1000;
  const sendUntil = measureFrom + command.measureMs * 1000;
  const timers = new Set<NodeJS.Timeout>();
  const schedule = (client: LoadClient, index: number, at: number) => {
    if (at >= sendUntil) return;
    const timer = setTimeout(
      () => {
        timers.delete(timer);
        const now = nowMicros();
        if (now >= sendUntil) return;
        const measured = now >= measureFrom;
        // Timed from the first measured send on (a late warm-up acknowledgement may be too).
        if (measured) measuringAcks = true;
        // A timer fires a millisecond late at best: at a high rate every send that fell due
        // meanwhile goes now, or the rate offered would be capped by the timers, not the server.
        let next = at;
        do {
          const text = messageText(measured ? 'm' : 'w', index, now);
          if (command.event === 'presence') client.setPresence(text);
          else client.send(text);
          if (measured) sent++;
          next += intervalMicros;
        } while (next <= now && next < sendUntil);
        schedule(client, index, next);
      },
      Math.max(0, (at - nowMicros()) / 1000),
    );
    timers.add(timer);
  };
  // Senders are spread evenly over the send interval, not all at once.
  const spacing = intervalMicros / Math.max(1, command.totalSenders);
  for (const { client: index, slot } of command.senders) {
    const client = byIndex.get(index);
    if (client) schedule(client, index, command.startMicros + slot * spacing);
  }
  const endMicros = sendUntil + command.drainMs * 1000;
  await new Promise((resolve) =>
    setTimeout(resolve, Math.max(0, (endMicros - nowMicros()) / 1000)),
  );
  timers.forEach(clearTimeout);
  loopDelay.disable();

  const reply: RunReply = {
    type: 'ran',
    histogram: encodeIntoCompressedBase64(histogram),
    delivered,
    warmupDelivered,
    sent,
    acksOk,
    ackErrors,
    ackHistogram: encodeIntoCompressedBase64(ackHistogram),
    // The sampling timer's own interval is part of every sample.
    loopDelayP99Ms: Math.max(0, loopDelay.percentile(99) / 1e6 - LOOP_RESOLUTION_MS),
    loopDelayMaxMs: Math.max(0, loopDelay.max / 1e6 - LOOP_RESOLUTION_MS),
    open: clients.filter((client) => client.open).length,
  };
  process.send!(reply);
}

async function joinTimes(command: Extract<WorkerCommand, { type: 'joinTimes' }>): Promise<void> {
  const samplesMs: number[] = [];
  // Made ahead: a sample is connect, challenge, signing and join, as for a real client.
  const keys = await keysFor(command.kind, command.samples);
  for (let sample = 0; sample < command.samples; sample++) {
    const index = 1_000_000 + sample;
    const started = performance.now();
    const client = await LoadClient.connect(
      command.kind,
      command.port,
      index,
      handlersFor(index),
      keys[sample]!,
    );
    samplesMs.push(performance.now() - started);
    client.close();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const reply: JoinTimesReply = { type: 'joinTimes', samplesMs };
  process.send!(reply);
}

process.on('message', (command: WorkerCommand) => {
  const fail = (error: unknown) => {
    console.error('[bench worker]', error);
    process.exit(1);
  };
  switch (command.type) {
    case 'keys':
      keysFor(command.kind, command.count)
        .then((keys) => {
          prepared = { kind: command.kind, keys };
          process.send!({ type: 'keys' });
        })
        .catch(fail);
      break;
    case 'connect':
      connect(command).catch(fail);
      break;
    case 'run':
      run(command).catch(fail);
      break;
    case 'joinTimes':
      joinTimes(command).catch(fail);
      break;
    case 'flood':
      flood(command)
        .then((reply) => process.send!(reply))
        .catch(fail);
      break;
    case 'status': {
      const reply: StatusReply = {
        type: 'status',
        open: clients.filter((client) => client.open).length,
        closedSinceConnect,
      };
      process.send!(reply);
      break;
    }
    case 'close':
      clients.forEach((client) => client.close());
      clients = [];
      setTimeout(() => process.exit(0), 200);
      break;
  }
});
process.on('disconnect', () => process.exit(0));
