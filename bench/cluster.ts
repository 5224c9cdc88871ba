/**
 * The cluster (issue 16): what PostgreSQL and a second node cost, and where the design stops
 * scaling, measured in one run against a single node on the embedded store as the baseline.
 * One throwaway PostgreSQL (tests/support/postgres.ts, fsync on), a fresh database for each
 * deployment (a name belongs to the first key that claims it, so people cannot be reused).
 *
 * 1. Arms at the same offered load — single node, embedded store; single node, PostgreSQL; two
 *    nodes on PostgreSQL with the clients split over them: N clients join all at once (the join
 *    storm: time until all are joined), then S of them send at a fixed rate into the lobby.
 *    Delivered msg/s, send → delivery p50/p99, send → acknowledgement p50/p99, and CPU per
 *    delivered message of the nodes and of PostgreSQL's processes (postmaster, backends,
 *    helpers), each reported apart.
 * 2. The most stored messages per second into ONE room: two nodes on PostgreSQL, a few senders
 *    split over them, rate limits lifted, the offered rate doubled step by step until the send →
 *    acknowledgement p99 passes 100 ms, a send is refused or acknowledgements fall behind.
 * 3. NOTIFY throughput: two nodes, senders on the first change their status line
 *    (`presence:set`: each change is a `presence` cluster message and a share of a batched one),
 *    receivers on the second; the rate doubled until the receivers get less than 99 % of the
 *    changes or their p99 passes 100 ms. The notifications themselves are counted by listening
 *    on the nodes' channels.
 *
 * Pinning: every node runs on the server core(s), the load generator and this runner on the
 * others, so one node and two nodes run on the same cores: a second node adds no hardware, only
 * its own cost. PostgreSQL runs on any core by default (as it would on a machine of its own);
 * `databaseCores: 'server'` pins it (its postmaster, and so every process it forks) beside the
 * nodes — on a machine of two cores every round trip to the database then waits for a turn on
 * that one core, which in trial runs dominated every latency of the PostgreSQL arms.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startPostgres, type Postgres } from '../tests/support/postgres';
import { ServerProcess, WorkerPool } from './harness';
import type { RunReply } from './load-worker';
import { pinTree, readTreeCpuSeconds, type CorePlan } from './processes';
import { mergeHistograms, runLoad, shares } from './scenarios';

export interface ClusterSettings {
  /** Clients of each arm (all joining at once: the join storm). */
  clients: number;
  senders: number;
  ratePerSender: number;
  warmupSeconds: number;
  measureSeconds: number;
  drainSeconds: number;
  /** Offered messages per second into one room, step by step (stops at the first failing). */
  ceilingRates: number[];
  ceilingSenders: number;
  /** Offered status-line changes per second on one node, step by step. */
  notifyRates: number[];
  notifySenders: number;
  notifyReceivers: number;
  /** Measured seconds of each step of the last two parts. */
  stepSeconds: number;
  /**
   * Where PostgreSQL runs: on the server core(s) with the nodes ('server'), or wherever the
   * system puts it ('any': on a machine of two cores, also beside the load generator).
   */
  databaseCores: 'server' | 'any';
}

export type ArmName = 'embedded' | 'postgres' | 'twoNodes';
export const ARM_LABELS: Record<ArmName, string> = {
  embedded: '1 node, embedded store',
  postgres: '1 node, PostgreSQL',
  twoNodes: '2 nodes, PostgreSQL',
};

export interface ArmFigures {
  nodes: number;
  clients: number;
  joined: number;
  /** Time until every client of the storm was joined, s. */
  joinSeconds: number;
  joinNodeCpuSeconds: number;
  joinDatabaseCpuSeconds: number;
  offeredPerSecond: number;
  sent: number;
  deliveredPerSecond: number;
  deliveryRatio: number;
  p50Ms: number;
  p99Ms: number;
  ackP50Ms: number;
  ackP99Ms: number;
  /** Nodes' CPU (all of them) per delivered message, µs; and as a share of one core, %. */
  nodeCpuMicrosPerDelivered: number;
  nodeCpuPercent: number;
  /** PostgreSQL's processes' CPU per delivered message, µs (0 for the embedded store). */
  databaseCpuMicrosPerDelivered: number;
  databaseCpuPercent: number;
  ackErrors: Record<string, number>;
}

/** An arm's figure divided by the single node on the embedded store's. */
export interface ArmRatios {
  deliveredPerSecond: number;
  p99: number;
  ackP99: number;
  /** Nodes' and PostgreSQL's CPU together, per delivered message. */
  cpuPerDelivered: number;
  joinSeconds: number;
}

export interface StepFigures {
  offeredPerSecond: number;
  /** Acknowledged (ceiling) or received by each receiver (NOTIFY), per second. */
  achievedPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  nodeCpuPercent: number;
  databaseCpuPercent: number;
  /** NOTIFY only: notifications heard on the nodes' channels, per second. */
  notificationsPerSecond: number | null;
  errors: Record<string, number>;
  passed: boolean;
  /** Why the step failed ('' when it passed). */
  failure: string;
  /** 1, or 2 when the first measurement failed and the step was measured again. */
  attempts: number;
}

export interface ClusterFigures {
  settings: ClusterSettings;
  pinning: string;
  arms: Record<ArmName, ArmFigures>;
  ratios: Record<Exclude<ArmName, 'embedded'>, ArmRatios>;
  ceiling: { steps: StepFigures[]; storedPerSecond: number | null };
  notify: { steps: StepFigures[]; changesPerSecond: number | null };
}

/** Where a step of the last two parts stops: the p99 a person would notice (as report.ts). */
const P99_LIMIT_MS = 100;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const ms = (micros: number) => micros / 1000;
const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);

/** Some nodes of one server (on one fresh database, or one node on a data folder). */
interface Deployment {
  nodes: ServerProcess[];
  cpu(): { nodes: number; database: number };
  stop(): Promise<void>;
}

async function deploy(
  nodes: number,
  database: { postgres: Postgres; name: string } | null,
  cores: CorePlan,
  env: NodeJS.ProcessEnv = {},
): Promise<Deployment> {
  const url = database ? await database.postgres.database(database.name) : null;
  const folders: string[] = [];
  const started: ServerProcess[] = [];
  const stop = async () => {
    for (const node of started) await node.stop();
    for (const folder of folders) rmSync(folder, { recursive: true, force: true });
  };
  try {
    // One after the other: the first creates the schema, the others find it.
    for (let index = 0; index < nodes; index++) {
      const dataDir = mkdtempSync(join(tmpdir(), 'parley-bench-cluster-'));
      folders.push(dataDir);
      started.push(
        await ServerProcess.start('parley', {
          cores: cores.server,
          dataDir,
          env: { ...env, ...(url ? { PARLEY_BENCH_DATABASE: url } : {}) },
        }),
      );
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    nodes: started,
    cpu: () => ({
      nodes: sum(started.map((node) => node.cpuSeconds())),
      database: database ? readTreeCpuSeconds(database.postgres.pid) : 0,
    }),
    stop,
  };
}

/** Connects `counts[i]` clients to node `i % nodes`, every one at once; one worker each. */
async function connectAll(deployment: Deployment, counts: number[], cores: CorePlan) {
  const pool = WorkerPool.start(counts.length, cores.generator);
  let first = 0;
  const parts = counts.map((count) => {
    const part = { first, count };
    first += count;
    return part;
  });
  try {
    const replies = await pool.connect(
      parts.map(({ first, count }, index) => ({
        type: 'connect',
        kind: 'parley',
        port: deployment.nodes[index % deployment.nodes.length]!.port,
        first,
        count,
        concurrency: Math.max(1, count),
      })),
      10 * 60_000,
    );
    const failed = replies.find((reply) => reply.failed > 0);
    if (failed) throw new Error(`clients could not join: ${failed.firstError}`);
    return { pool, parts, replies };
  } catch (error) {
    await pool.stop();
    throw error;
  }
}

function errorsOf(replies: RunReply[]): Record<string, number> {
  const errors: Record<string, number> = {};
  for (const reply of replies) {
    for (const [code, count] of Object.entries(reply.ackErrors)) {
      errors[code] = (errors[code] ?? 0) + count;
    }
  }
  return errors;
}

/** CPU readings at the measured window's edges. */
function windowCpu(deployment: Deployment) {
  const edges: Array<{ nodes: number; database: number }> = [];
  return {
    onWindow: () => void edges.push(deployment.cpu()),
    used: () => ({
      nodes: (edges[1]?.nodes ?? NaN) - (edges[0]?.nodes ?? NaN),
      database: (edges[1]?.database ?? NaN) - (edges[0]?.database ?? NaN),
    }),
  };
}

async function measureArm(
  arm: ArmName,
  postgres: Postgres,
  settings: ClusterSettings,
  cores: CorePlan,
): Promise<ArmFigures> {
  const nodes = arm === 'twoNodes' ? 2 : 1;
  const deployment = await deploy(
    nodes,
    arm === 'embedded' ? null : { postgres, name: `bench-${arm}` },
    cores,
  );
  try {
    // Two generator workers in every arm (one per node when there are two): the same load.
    const before = deployment.cpu();
    const {
      pool,
      parts,
      replies: joined,
    } = await connectAll(
      deployment,
      shares(settings.clients, 2).map(({ count }) => count),
      cores,
    );
    const afterJoin = deployment.cpu();
    try {
      const senders = Math.min(settings.senders, settings.clients);
      const cpu = windowCpu(deployment);
      const replies = await runLoad({ pool, parts }, settings.clients, senders, settings, () =>
        cpu.onWindow(),
      );
      const used = cpu.used();
      const latency = mergeHistograms(replies.map((reply) => reply.histogram));
      const acks = mergeHistograms(replies.map((reply) => reply.ackHistogram));
      const sent = sum(replies.map((reply) => reply.sent));
      const delivered = sum(replies.map((reply) => reply.delivered));
      const connected = sum(joined.map((reply) => reply.connected));
      const expected = sent * Math.max(0, connected - 1);
      const perDelivered = (seconds: number) => (delivered > 0 ? (seconds * 1e6) / delivered : NaN);
      return {
        nodes,
        clients: settings.clients,
        joined: connected,
        joinSeconds: Math.max(...joined.map((reply) => reply.ms)) / 1000,
        joinNodeCpuSeconds: afterJoin.nodes - before.nodes,
        joinDatabaseCpuSeconds: afterJoin.database - before.database,
        offeredPerSecond: senders * settings.ratePerSender,
        sent,
        deliveredPerSecond: delivered / settings.measureSeconds,
        deliveryRatio: expected > 0 ? delivered / expected : 0,
        p50Ms: ms(latency.getValueAtPercentile(50)),
        p99Ms: ms(latency.getValueAtPercentile(99)),
        ackP50Ms: ms(acks.getValueAtPercentile(50)),
        ackP99Ms: ms(acks.getValueAtPercentile(99)),
        nodeCpuMicrosPerDelivered: perDelivered(used.nodes),
        nodeCpuPercent: (used.nodes / settings.measureSeconds) * 100,
        databaseCpuMicrosPerDelivered: perDelivered(used.database),
        databaseCpuPercent: (used.database / settings.measureSeconds) * 100,
        ackErrors: errorsOf(replies),
      };
    } finally {
      await pool.stop();
    }
  } finally {
    await deployment.stop();
  }
}

function ratios(arm: ArmFigures, base: ArmFigures): ArmRatios {
  const cpu = (figures: ArmFigures) =>
    figures.nodeCpuMicrosPerDelivered + figures.databaseCpuMicrosPerDelivered;
  return {
    deliveredPerSecond: arm.deliveredPerSecond / base.deliveredPerSecond,
    p99: arm.p99Ms / base.p99Ms,
    ackP99: arm.ackP99Ms / base.ackP99Ms,
    cpuPerDelivered: cpu(arm) / cpu(base),
    joinSeconds: arm.joinSeconds / base.joinSeconds,
  };
}

/** The step shape of parts 2 and 3: a short warm-up, the measured window, a drain. */
const stepShape = (settings: ClusterSettings, senders: number, offered: number) => ({
  ratePerSender: offered / senders,
  warmupSeconds: 1,
  measureSeconds: settings.stepSeconds,
  drainSeconds: 1,
});

/** What one step of a ramp measured, before it is judged. */
interface StepReading {
  achievedPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  notificationsPerSecond: number | null;
  errors: Record<string, number>;
  /** Why the step failed, other than a refusal or a slow p99 ('' when it did not). */
  behind: string;
}

/**
 * Raises the offered rate step by step until a step fails (a refusal, falling behind, or a p99
 * over the limit). The machine is shared: a failing step is measured once more, and the ramp
 * stops only where it fails twice. Returns the steps and the best rate achieved by a passing one.
 */
async function ramp(
  rates: number[],
  what: string,
  deployment: Deployment,
  settings: ClusterSettings,
  measure: (offered: number, onWindow: () => void) => Promise<StepReading>,
  log: (line: string) => void,
): Promise<{ steps: StepFigures[]; best: number | null }> {
  const steps: StepFigures[] = [];
  for (const offered of rates) {
    let step: StepFigures | null = null;
    for (let attempt = 1; attempt <= 2 && !step?.passed; attempt++) {
      const cpu = windowCpu(deployment);
      const reading = await measure(offered, () => cpu.onWindow());
      const used = cpu.used();
      const failure =
        Object.keys(reading.errors).length > 0
          ? `refused: ${JSON.stringify(reading.errors)}`
          : reading.behind ||
            (reading.p99Ms > P99_LIMIT_MS
              ? `p99 ${reading.p99Ms.toFixed(0)} ms > ${P99_LIMIT_MS} ms`
              : '');
      step = {
        offeredPerSecond: offered,
        ...reading,
        nodeCpuPercent: (used.nodes / settings.stepSeconds) * 100,
        databaseCpuPercent: (used.database / settings.stepSeconds) * 100,
        passed: failure === '',
        failure: attempt > 1 && failure ? `${failure} (twice)` : failure,
        attempts: attempt,
      };
      log(
        `cluster ${what}, ${offered}/s offered: ${step.achievedPerSecond.toFixed(0)}/s, p99 ${step.p99Ms.toFixed(1)} ms, ` +
          (step.notificationsPerSecond === null
            ? ''
            : `${step.notificationsPerSecond.toFixed(0)} notifications/s, `) +
          `nodes ${step.nodeCpuPercent.toFixed(0)}% PostgreSQL ${step.databaseCpuPercent.toFixed(0)}%` +
          (failure ? ` — fails: ${failure}` : ''),
      );
      // Whatever the step left queued is delivered before the next one starts.
      await sleep(500);
    }
    steps.push(step!);
    if (!step!.passed) break;
  }
  const passed = steps.filter((step) => step.passed);
  return {
    steps,
    best: passed.length > 0 ? Math.max(...passed.map((step) => step.achievedPerSecond)) : null,
  };
}

/** Raises the offered rate into one room until acknowledgements are slow, refused or behind. */
async function ceiling(
  postgres: Postgres,
  settings: ClusterSettings,
  cores: CorePlan,
  log: (line: string) => void,
): Promise<ClusterFigures['ceiling']> {
  const deployment = await deploy(2, { postgres, name: 'bench-ceiling' }, cores, {
    PARLEY_BENCH_UNLIMITED: '1',
  });
  try {
    const senders = Math.max(2, settings.ceilingSenders);
    const counts = shares(senders, 2).map(({ count }) => count);
    const { pool, parts } = await connectAll(deployment, counts, cores);
    try {
      const { steps, best } = await ramp(
        settings.ceilingRates,
        'ceiling (stored msg/s into one room)',
        deployment,
        settings,
        async (offered, onWindow) => {
          const shape = stepShape(settings, senders, offered);
          const replies = await runLoad({ pool, parts }, senders, senders, shape, onWindow);
          const acks = mergeHistograms(replies.map((reply) => reply.ackHistogram));
          const sent = sum(replies.map((reply) => reply.sent));
          const offeredSent = sent / settings.stepSeconds;
          return {
            achievedPerSecond: acks.totalCount / settings.stepSeconds,
            p50Ms: ms(acks.getValueAtPercentile(50)),
            p99Ms: ms(acks.getValueAtPercentile(99)),
            notificationsPerSecond: null,
            errors: errorsOf(replies),
            behind:
              offeredSent < offered * 0.95
                ? `the load generator sent only ${offeredSent.toFixed(0)}/s (its limit, not the cluster's)`
                : acks.totalCount < sent * 0.99
                  ? `${sent - acks.totalCount} of ${sent} not acknowledged within ${shape.drainSeconds} s`
                  : '',
          };
        },
        log,
      );
      return { steps, storedPerSecond: best };
    } finally {
      await pool.stop();
    }
  } finally {
    await deployment.stop();
  }
}

/**
 * Counts the notifications on every channel the nodes listen on (found in pg_stat_activity,
 * where each node's listening connection shows its `LISTEN "…"`).
 */
async function notificationCounter(url: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const { rows } = await client.query<{ query: string }>(
    `SELECT DISTINCT query FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN %'`,
  );
  let count = 0;
  client.on('notification', () => count++);
  for (const { query } of rows) await client.query(query);
  return {
    channels: rows.length,
    count: () => count,
    close: () => client.end(),
  };
}

/** Raises the rate of status-line changes on one node until the other node's clients lag. */
async function notifyThroughput(
  postgres: Postgres,
  settings: ClusterSettings,
  cores: CorePlan,
  log: (line: string) => void,
): Promise<ClusterFigures['notify']> {
  const name = 'bench-notify';
  const deployment = await deploy(2, { postgres, name }, cores, { PARLEY_BENCH_UNLIMITED: '1' });
  try {
    const senders = Math.max(1, settings.notifySenders);
    const receivers = Math.max(1, settings.notifyReceivers);
    // Worker 0's clients (the senders) on node 1, worker 1's (the receivers) on node 2.
    const { pool, parts } = await connectAll(deployment, [senders, receivers], cores);
    const counter = await notificationCounter(await postgres.database(name));
    try {
      const { steps, best } = await ramp(
        settings.notifyRates,
        'NOTIFY (status changes/s from node 1 to node 2)',
        deployment,
        settings,
        async (offered, onWindow) => {
          let heard = 0;
          const shape = stepShape(settings, senders, offered);
          // Only the senders' clients (indexes below `senders`) send.
          const replies = await runLoad(
            { pool, parts },
            senders,
            senders,
            shape,
            () => {
              onWindow();
              heard = counter.count() - heard;
            },
            'presence',
          );
          const received = replies[1]!;
          const latency = mergeHistograms([received.histogram]);
          const sentPerSecond = replies[0]!.sent / settings.stepSeconds;
          const expected = replies[0]!.sent * receivers;
          return {
            achievedPerSecond: received.delivered / receivers / settings.stepSeconds,
            p50Ms: ms(latency.getValueAtPercentile(50)),
            p99Ms: ms(latency.getValueAtPercentile(99)),
            notificationsPerSecond: counter.channels > 0 ? heard / settings.stepSeconds : null,
            errors: errorsOf(replies),
            behind:
              sentPerSecond < offered * 0.95
                ? `the load generator sent only ${sentPerSecond.toFixed(0)}/s (its limit, not the cluster's)`
                : received.delivered < expected * 0.99
                  ? `node 2's clients got ${received.delivered} of ${expected}`
                  : '',
          };
        },
        log,
      );
      return { steps, changesPerSecond: best };
    } finally {
      await counter.close();
      await pool.stop();
    }
  } finally {
    await deployment.stop();
  }
}

export async function clusterScenario(
  settings: ClusterSettings,
  cores: CorePlan,
  log: (line: string) => void,
): Promise<ClusterFigures> {
  const postgres = await startPostgres();
  try {
    if (settings.databaseCores === 'server') pinTree(postgres.pid, cores.server);
    const arms = {} as Record<ArmName, ArmFigures>;
    for (const arm of ['embedded', 'postgres', 'twoNodes'] as const) {
      const figures = await measureArm(arm, postgres, settings, cores);
      arms[arm] = figures;
      log(
        `cluster, ${ARM_LABELS[arm]}: ${figures.joined} joined in ${figures.joinSeconds.toFixed(2)} s; ` +
          `${figures.deliveredPerSecond.toFixed(0)} msg/s delivered (${(figures.deliveryRatio * 100).toFixed(1)}%), ` +
          `p50 ${figures.p50Ms.toFixed(1)} ms p99 ${figures.p99Ms.toFixed(1)} ms, ack p99 ${figures.ackP99Ms.toFixed(1)} ms, ` +
          `CPU per delivered: nodes ${figures.nodeCpuMicrosPerDelivered.toFixed(1)} µs, ` +
          `PostgreSQL ${figures.databaseCpuMicrosPerDelivered.toFixed(1)} µs`,
      );
    }
    return {
      settings,
      pinning:
        settings.databaseCores === 'server'
          ? `${cores.note}; PostgreSQL (every process) on the server core(s) too`
          : `${cores.note}; PostgreSQL not pinned (any core)`,
      arms,
      ratios: {
        postgres: ratios(arms.postgres, arms.embedded),
        twoNodes: ratios(arms.twoNodes, arms.embedded),
      },
      ceiling: await ceiling(postgres, settings, cores, log),
      notify: await notifyThroughput(postgres, settings, cores, log),
    };
  } finally {
    await postgres.stop();
  }
}

const fmt = (value: number | null, digits: number) =>
  value !== null && Number.isFinite(value) ? value.toFixed(digits) : '–';
const x = (value: number) => `${fmt(value, 2)}x`;

function stepRows(steps: StepFigures[], notify: boolean): string[] {
  return steps.map(
    (step) =>
      `| ${step.offeredPerSecond} | ${fmt(step.achievedPerSecond, 0)} | ${fmt(step.p50Ms, 1)} | ${fmt(step.p99Ms, 1)} | ` +
      (notify ? `${fmt(step.notificationsPerSecond, 0)} | ` : '') +
      `${fmt(step.nodeCpuPercent, 0)} % | ${fmt(step.databaseCpuPercent, 0)} % | ${step.passed ? (step.attempts > 1 ? 'yes (measured again)' : 'yes') : step.failure} |`,
  );
}

/** The report's section on the cluster. */
export function clusterMarkdown(figures: ClusterFigures): string[] {
  const { settings: s, arms } = figures;
  const names = ['embedded', 'postgres', 'twoNodes'] as const;
  const arm = (name: ArmName) => arms[name];
  const { ceiling, notify } = figures;
  return [
    `## Cluster: PostgreSQL and a second node`,
    '',
    `One throwaway PostgreSQL (fsync on), a fresh database per deployment. Pinning: ${figures.pinning}; ` +
      `one node and two nodes run on the same cores. Each arm: ${s.clients} clients join at once ` +
      `(the join storm), then ${s.senders} of them send ${s.ratePerSender} msg/s each into the lobby ` +
      `for ${s.measureSeconds} s (after ${s.warmupSeconds} s of warm-up); two nodes get half the ` +
      `clients each. CPU per delivered message: the nodes' processes and PostgreSQL's (postmaster, ` +
      `backends, helpers), apart. Ratios are against the single node on the embedded store.`,
    '',
    `| | ${names.map((name) => ARM_LABELS[name]).join(' | ')} |`,
    '|---|---:|---:|---:|',
    ...(
      [
        ['joined in (join storm), s', (a: ArmFigures) => fmt(a.joinSeconds, 2)],
        [
          'join CPU: nodes · PostgreSQL, s',
          (a) => `${fmt(a.joinNodeCpuSeconds, 2)} · ${fmt(a.joinDatabaseCpuSeconds, 2)}`,
        ],
        [
          'delivered msg/s (share of expected)',
          (a) => `${fmt(a.deliveredPerSecond, 0)} (${fmt(a.deliveryRatio * 100, 1)} %)`,
        ],
        ['send → delivery p50 · p99, ms', (a) => `${fmt(a.p50Ms, 1)} · ${fmt(a.p99Ms, 1)}`],
        [
          'send → acknowledgement p50 · p99, ms',
          (a) => `${fmt(a.ackP50Ms, 1)} · ${fmt(a.ackP99Ms, 1)}`,
        ],
        [
          'nodes CPU per delivered msg, µs (CPU %)',
          (a) => `${fmt(a.nodeCpuMicrosPerDelivered, 1)} (${fmt(a.nodeCpuPercent, 0)} %)`,
        ],
        [
          'PostgreSQL CPU per delivered msg, µs (CPU %)',
          (a) => `${fmt(a.databaseCpuMicrosPerDelivered, 1)} (${fmt(a.databaseCpuPercent, 0)} %)`,
        ],
        [
          'refused sends',
          (a) => (Object.keys(a.ackErrors).length ? JSON.stringify(a.ackErrors) : 'none'),
        ],
      ] as Array<[string, (a: ArmFigures) => string]>
    ).map(
      ([label, value]) => `| ${label} | ${names.map((name) => value(arm(name))).join(' | ')} |`,
    ),
    ...(
      [
        ['*delivered msg/s ratio*', (r: ArmRatios) => x(r.deliveredPerSecond)],
        ['*delivery p99 ratio*', (r) => x(r.p99)],
        ['*acknowledgement p99 ratio*', (r) => x(r.ackP99)],
        ['*CPU per delivered msg ratio (nodes + PostgreSQL)*', (r) => x(r.cpuPerDelivered)],
        ['*join storm time ratio*', (r) => x(r.joinSeconds)],
      ] as Array<[string, (r: ArmRatios) => string]>
    ).map(
      ([label, value]) =>
        `| ${label} | 1x | ${value(figures.ratios.postgres)} | ${value(figures.ratios.twoNodes)} |`,
    ),
    '',
    `### Where it stops: stored messages per second into one room`,
    '',
    `Two nodes on PostgreSQL, ${Math.max(2, s.ceilingSenders)} senders split over them, rate limits ` +
      `lifted; the offered rate is raised step by step (${s.stepSeconds} s each) until the send → ` +
      `acknowledgement p99 passes ${P99_LIMIT_MS} ms, a send is refused or acknowledgements fall ` +
      `behind (a failing step is measured once more: the machine may be shared). An acknowledgement ` +
      `means the message is committed (fsync) in PostgreSQL.`,
    '',
    '| offered msg/s | acknowledged msg/s | ack p50 ms | ack p99 ms | nodes CPU | PostgreSQL CPU | passed |',
    '|---:|---:|---:|---:|---:|---:|---|',
    ...stepRows(ceiling.steps, false),
    '',
    `**Most stored messages per second into one room: ${fmt(ceiling.storedPerSecond, 0)}**` +
      (ceiling.steps.every((step) => step.passed)
        ? ' (every step passed: the limit is higher)'
        : '') +
      '.',
    '',
    `### Where it stops: cluster messages (NOTIFY) between two nodes`,
    '',
    `${Math.max(1, s.notifySenders)} clients on node 1 change their status line ` +
      `(\`presence:set\`), ${Math.max(1, s.notifyReceivers)} clients on node 2 receive the changes ` +
      `(send → receipt); rate raised step by step until node 2's clients get less than 99 % of ` +
      `them or their p99 passes ${P99_LIMIT_MS} ms. Notifications are counted on the nodes' channels ` +
      `(each change is a \`presence\` cluster message plus a share of a batched one; heartbeats too).`,
    '',
    '| offered changes/s | received/s per client on node 2 | p50 ms | p99 ms | notifications/s | nodes CPU | PostgreSQL CPU | passed |',
    '|---:|---:|---:|---:|---:|---:|---:|---|',
    ...stepRows(notify.steps, true),
    '',
    `**Most status changes per second passed between two nodes: ${fmt(notify.changesPerSecond, 0)}**` +
      (notify.steps.every((step) => step.passed)
        ? ' (every step passed: the limit is higher)'
        : '') +
      '.',
    '',
  ];
}
