/**
 * The flood scenario: does one flooding client hurt everyone else? One Parley server process (as
 * shipped, but with the per-address limits applied on loopback too, see below) and K calm clients
 * in one room, each sending at a normal rate; their send → receipt latency at every other calm
 * client goes into the same HDR histograms as the broadcast scenario. Measured three times on the
 * same server and clients:
 *
 * 1. calm: the calm clients alone — the baseline;
 * 2. flood: the same, while a flooder (several connections from one address) sends messages,
 *    typing events and join attempts as fast as the server reads them;
 * 3. malformed (optional): the same, while the flooder sends payloads the schemas refuse and now
 *    and then a frame over the payload limit.
 *
 * Addresses: the calm clients connect from 127.0.0.1, the flooder from 127.0.0.2 (127.0.0.3 in
 * the malformed phase: the flood phase's reconnects use up 127.0.0.2's per-address connection
 * budget, and the malformed phase must measure payloads that reach the server). The server
 * exempts exactly 127.0.0.1 from its per-address limits (as shipped it exempts all of loopback):
 * each calm client stays under the per-address limit on its own, so this is the same as giving
 * every calm client a machine of its own, while the flooder's address is limited like any
 * other machine's. The flooder is a load-generator process of its own at the lowest CPU priority:
 * it shares the generator's core(s) with the calm clients, whose machine it is not.
 */
import { FLOOD_KINDS, type FloodReply, type FloodVariant } from './flood-client';
import { WorkerPool } from './harness';
import type { CorePlan } from './processes';
import {
  closeSession,
  mergeHistograms,
  openSession,
  runLoad,
  type LoadShape,
  type Session,
} from './scenarios';
import { nowMicros, SERVER_LABELS } from './wire';

export const CALM_ADDRESS = '127.0.0.1';
export const FLOODER_ADDRESS = '127.0.0.2';
/** The malformed phase's flooder: an address whose connection budget is fresh. */
export const MALFORMED_FLOODER_ADDRESS = '127.0.0.3';

export interface FloodShape {
  /** Calm clients; every one of them sends. */
  clients: number;
  /** Messages per second per calm client. */
  ratePerClient: number;
  /** The flooder's connections, all from FLOODER_ADDRESS. */
  flooderConnections: number;
  /** Flood events per second per flooder connection; 0: as fast as the server reads. */
  pace: number;
  malformed: boolean;
}

/** Before a phase the server must be idle: a flood it has not finished reading is not over. */
const IDLE_CPU_SHARE = 0.1;
const SETTLE_LIMIT_MS = 60_000;

export interface FlooderFigures {
  connections: number;
  address: string;
  seconds: number;
  sent: number;
  sentPerSecond: number;
  sentByKind: FloodReply['sent'];
  /** Acknowledgements by event kind and outcome (`ok` or the error code). */
  replies: FloodReply['replies'];
  /** Refusals with `rate_limited`, all kinds together. */
  rateLimited: number;
  /** Events the server accepted (`ok`): what got past the limits. */
  accepted: number;
  disconnects: number;
  reconnects: number;
  oversized: number;
  megabytesSent: number;
  firstError: string | null;
}

export interface FloodPhase {
  phase: 'calm' | FloodVariant;
  /** Calm clients' measured messages, deliveries to the other calm clients, and their latency. */
  sent: number;
  expected: number;
  delivered: number;
  deliveryRatio: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  serverCpuPercent: number;
  serverPeakRssMb: number;
  generatorLoopDelayP99Ms: number;
  /** Calm messages acknowledged as stored (`ok`) by the end of the phase. */
  calmAcked: number;
  /** Refusals the calm clients got (they should get none). */
  calmAckErrors: Record<string, number>;
  flooder: FlooderFigures | null;
  /** After the flood stopped, how long the server stayed busy with what it had not read yet, s. */
  recoverySeconds: number | null;
}

export interface FloodFigures {
  server: string;
  clients: number;
  connected: number;
  ratePerClient: number;
  calmAddress: string;
  flooderAddress: string;
  flooderConnections: number;
  /** Flood events per second per connection; 0: as fast as the server reads. */
  pace: number;
  phases: FloodPhase[];
  /**
   * Each flood phase's p50 and p99 divided by the calm phase's (NaN when no calm message arrived:
   * the phase's `deliveryRatio` then says how many were still on their way when it ended).
   */
  ratios: Array<{ phase: FloodVariant; p50: number; p99: number }>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const ms = (micros: number) => micros / 1000;
const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);

function flooderFigures(reply: FloodReply): FlooderFigures {
  const sent = sum(Object.values(reply.sent));
  const count = (outcome: string) =>
    sum(FLOOD_KINDS.map((kind) => reply.replies[kind][outcome] ?? 0));
  return {
    connections: reply.connections,
    address: reply.address,
    seconds: reply.seconds,
    sent,
    sentPerSecond: reply.seconds > 0 ? sent / reply.seconds : 0,
    sentByKind: reply.sent,
    replies: reply.replies,
    rateLimited: count('rate_limited'),
    accepted: count('ok'),
    disconnects: reply.disconnects,
    reconnects: reply.reconnects,
    oversized: reply.oversized,
    megabytesSent: reply.bytesSent / 2 ** 20,
    firstError: reply.firstError,
  };
}

/** Waits until the server uses under a tenth of a core; returns the seconds waited. */
async function settle(session: Session): Promise<number> {
  const started = performance.now();
  let cpu = session.server.cpuSeconds();
  while (performance.now() - started < SETTLE_LIMIT_MS) {
    await sleep(500);
    const now = session.server.cpuSeconds();
    if (now - cpu < IDLE_CPU_SHARE * 0.5) break;
    cpu = now;
  }
  return (performance.now() - started) / 1000;
}

async function measurePhase(
  session: Session,
  flooder: WorkerPool,
  phase: FloodPhase['phase'],
  shape: FloodShape,
  load: LoadShape,
): Promise<FloodPhase> {
  const cpu = [0, 0];
  const totalSeconds = load.warmupSeconds + load.measureSeconds + load.drainSeconds;
  // runLoad starts sending 0.3 s from now; the flood covers warm-up, measurement and drain.
  const flooding =
    phase === 'calm'
      ? null
      : flooder.one<FloodReply>(
          {
            type: 'flood',
            port: session.server.port,
            variant: phase,
            connections: shape.flooderConnections,
            address: phase === 'malformed' ? MALFORMED_FLOODER_ADDRESS : FLOODER_ADDRESS,
            untilMicros: nowMicros() + 300_000 + totalSeconds * 1e6,
            pace: shape.pace,
          },
          'flooded',
          (totalSeconds + 60) * 1000,
        );
  const [replies, flood] = await Promise.all([
    runLoad(
      session,
      shape.clients,
      shape.clients,
      { ...load, ratePerSender: shape.ratePerClient },
      (edge) => (cpu[edge === 'start' ? 0 : 1] = session.server.cpuSeconds()),
    ),
    flooding,
  ]);
  const histogram = mergeHistograms(replies.map((reply) => reply.histogram));
  const sent = sum(replies.map((reply) => reply.sent));
  const delivered = sum(replies.map((reply) => reply.delivered));
  // No receipt, no latency: an empty histogram would say 0 ms.
  const latency = (micros: number) => (delivered > 0 ? ms(micros) : NaN);
  const connected = sum(session.connected.map((reply) => reply.connected));
  const expected = sent * Math.max(0, connected - 1);
  const calmAckErrors: Record<string, number> = {};
  for (const reply of replies) {
    for (const [code, count] of Object.entries(reply.ackErrors)) {
      calmAckErrors[code] = (calmAckErrors[code] ?? 0) + count;
    }
  }
  return {
    phase,
    sent,
    expected,
    delivered,
    deliveryRatio: expected > 0 ? delivered / expected : 0,
    p50Ms: latency(histogram.getValueAtPercentile(50)),
    p99Ms: latency(histogram.getValueAtPercentile(99)),
    maxMs: latency(histogram.maxValue),
    serverCpuPercent: ((cpu[1]! - cpu[0]!) / load.measureSeconds) * 100,
    serverPeakRssMb: session.server.peakRssMb(),
    generatorLoopDelayP99Ms: Math.max(...replies.map((reply) => reply.loopDelayP99Ms)),
    calmAcked: sum(replies.map((reply) => reply.acksOk)),
    calmAckErrors,
    flooder: flood ? flooderFigures(flood) : null,
    recoverySeconds: null,
  };
}

export async function floodScenario(
  shape: FloodShape,
  load: LoadShape,
  cores: CorePlan,
  log: (line: string) => void = () => {},
): Promise<FloodFigures> {
  const session = await openSession('parley', shape.clients, load, cores, {
    serverEnv: { PARLEY_BENCH_EXEMPT: CALM_ADDRESS },
  });
  const flooder = WorkerPool.start(1, cores.generator);
  try {
    const variants: FloodVariant[] = shape.malformed ? ['flood', 'malformed'] : ['flood'];
    const phases: FloodPhase[] = [];
    await settle(session);
    for (const phase of ['calm', ...variants] as const) {
      const figures = await measurePhase(session, flooder, phase, shape, load);
      if (phase !== 'calm') figures.recoverySeconds = await settle(session);
      phases.push(figures);
      const flood = figures.flooder;
      log(
        `flood, ${phase}: calm p50 ${figures.p50Ms.toFixed(2)} ms, p99 ${figures.p99Ms.toFixed(2)} ms, ` +
          `delivered ${(figures.deliveryRatio * 100).toFixed(1)}%, server CPU ${figures.serverCpuPercent.toFixed(0)}%` +
          (flood
            ? `; flooder sent ${Math.round(flood.sentPerSecond)}/s, ${flood.rateLimited} rate_limited, ` +
              `${flood.accepted} accepted; server busy ${figures.recoverySeconds?.toFixed(1)} s after`
            : ''),
      );
    }
    const calm = phases[0]!;
    return {
      server: SERVER_LABELS.parley,
      clients: shape.clients,
      connected: sum(session.connected.map((reply) => reply.connected)),
      ratePerClient: shape.ratePerClient,
      calmAddress: CALM_ADDRESS,
      flooderAddress: `${FLOODER_ADDRESS} (malformed: ${MALFORMED_FLOODER_ADDRESS})`,
      flooderConnections: shape.flooderConnections,
      pace: shape.pace,
      phases,
      ratios: phases.slice(1).map((figures) => ({
        phase: figures.phase as FloodVariant,
        p50: figures.p50Ms / calm.p50Ms,
        p99: figures.p99Ms / calm.p99Ms,
      })),
    };
  } finally {
    await flooder.stop();
    await closeSession(session);
  }
}
