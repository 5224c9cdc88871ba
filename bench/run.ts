/**
 * `npm run bench`: Parley's server against the plain Socket.IO chat server and a raw `ws`
 * broadcast server, on the same load in one run — a broadcast ramp, a capacity scenario, joining
 * a room with a long history, Parley alone under a flood (flood.ts), what fsyncing the history
 * costs (durability.ts), PostgreSQL and a second node against one node (cluster.ts) — plus what the web client costs a browser. Writes bench/results/latest.{json,md} and latest-p99.svg and prints the
 * markdown.
 *
 * Every server and generator runs in its own process; the server is pinned to core 0 and the
 * generator (and this runner) to the other cores. Loopback only, port 0. Tunable with
 * PARLEY_BENCH_* variables (see README, "## Benchmark").
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { LIMITS } from '../src/shared/limits';
import { clusterScenario } from './cluster';
import { writeCost } from './durability';
import { floodScenario } from './flood';
import { guessingScenario } from './guessing';
import { saturationScenario } from './saturation';
import { searchScenario } from './search';
import { coreCount, noHeadroom } from './headroom';
import { measuredCommit, planCores, pinSelf } from './processes';
import {
  capacityResult,
  judgeTargets,
  largestUnderLimit,
  p99Chart,
  stepResult,
  toMarkdown,
  type BenchReport,
  type Repetition,
  type StepResult,
} from './report';
import {
  broadcastStep,
  capacity,
  historyJoin,
  type CapacityFigures,
  type LoadShape,
  type StepFigures,
  warmUpClients,
} from './scenarios';
import { readmeCommand, updateReadme } from './readme-command';
import { measureWeb } from './web-cost';
import { SERVER_KINDS, SERVER_LABELS, type ServerKind } from './wire';

/**
 * `node out/bench/run.js --only <scenario> [--clients N]` runs one scenario (the others are off)
 * at a chosen size, and writes its report to out/bench-only instead of bench/results (the
 * recorded results stay those of a full run). Its settings override the environment's.
 */
const SCENARIOS = {
  /** The broadcast ramp: --clients is one step. */
  broadcast: 'CLIENTS',
  /** The most delivered msg/s with p99 under 100 ms, each server: --clients is one size. */
  saturation: 'SATURATION_CLIENTS',
  /** N clients joining at once, held idle (memory), probed: --clients is N. */
  'join-storm': 'IDLE',
  /** Joining a room of many stored messages: --clients is the messages stored. */
  history: 'HISTORY',
  flood: 'FLOOD_CLIENTS',
  guessing: 'GUESSERS',
  'write-cost': 'WRITE_IN_FLIGHT',
  /** Search over stored messages, and what indexing costs an acknowledgement: --clients is the messages. */
  search: 'SEARCH_MESSAGES',
  web: 'WEB',
  /**
   * PostgreSQL and a second node against one node on the embedded store, and where the cluster
   * stops scaling (cluster.ts): --clients is the clients of each arm.
   */
  cluster: 'CLUSTER_CLIENTS',
} as const;
type Scenario = keyof typeof SCENARIOS;
/** The settings that turn each scenario off. */
const SCENARIO_OFF: Record<Scenario, Record<string, string>> = {
  broadcast: { CLIENTS: '' },
  saturation: { SATURATION_CLIENTS: '' },
  'join-storm': { IDLE: '0' },
  history: { HISTORY: '0' },
  flood: { FLOOD_CLIENTS: '0' },
  guessing: { GUESSERS: '0' },
  'write-cost': { WRITE_IN_FLIGHT: '' },
  search: { SEARCH_MESSAGES: '0' },
  web: { WEB: '0' },
  cluster: { CLUSTER_CLIENTS: '0' },
};

function commandLineSettings(args: string[]): Record<string, string> {
  const value = (flag: string) => {
    const at = args.indexOf(flag);
    if (at === -1) return undefined;
    const given = args[at + 1];
    if (given === undefined || given.startsWith('--')) throw new Error(`${flag} needs a value`);
    return given;
  };
  const only = value('--only');
  const clients = value('--clients');
  if (only === undefined) {
    if (clients !== undefined) throw new Error('--clients goes with --only <scenario>');
    return {};
  }
  if (!(only in SCENARIOS)) {
    throw new Error(`--only: one of ${Object.keys(SCENARIOS).join(', ')} (not "${only}")`);
  }
  const chosen = only as Scenario;
  const settings: Record<string, string> = { OUT: 'out/bench-only' };
  for (const [scenario, off] of Object.entries(SCENARIO_OFF)) {
    if (scenario !== chosen) Object.assign(settings, off);
  }
  if (clients !== undefined) {
    if (chosen === 'web') throw new Error('--clients does not apply to the web scenario');
    if (!/^\d+$/.test(clients)) throw new Error('--clients must be a whole number');
    settings[SCENARIOS[chosen]] = clients;
  }
  return settings;
}

// `--readme`: only the README's figures, from the recorded results (readme-command.ts).
if (process.argv.includes('--readme')) process.exit(readmeCommand(process.argv));

const fromCommandLine = commandLineSettings(process.argv.slice(2));
const env = (name: string, fallback: string) =>
  fromCommandLine[name] ?? process.env[`PARLEY_BENCH_${name}`] ?? fallback;
const number = (name: string, fallback: number) => {
  const value = Number(env(name, String(fallback)));
  if (!Number.isFinite(value) || value < 0)
    throw new Error(`PARLEY_BENCH_${name} must be a number`);
  return value;
};

const repeat = number('REPEAT', 3);
if (!Number.isInteger(repeat) || repeat < 1) {
  throw new Error('PARLEY_BENCH_REPEAT must be a whole number, at least 1');
}

const config = {
  /** Times each ramp step and the capacity scenario run, the servers taking turns. */
  repeat,
  clients: env('CLIENTS', '100,500,1000,2000')
    .split(',')
    .map(Number)
    .filter((count) => Number.isInteger(count) && count > 1),
  servers: env('SERVERS', SERVER_KINDS.join(','))
    .split(',')
    .filter((kind): kind is ServerKind => (SERVER_KINDS as readonly string[]).includes(kind)),
  senders: number('SENDERS', 20),
  rate: number('RATE', 1),
  warmup: number('WARMUP', 2),
  seconds: number('SECONDS', 10),
  drain: number('DRAIN', 2),
  clientsPerWorker: number('CLIENTS_PER_WORKER', 1250),
  concurrency: number('CONCURRENCY', 50),
  idle: number('IDLE', 5000),
  hold: number('HOLD', 5),
  history: number('HISTORY', 50_000),
  joinSamples: number('JOIN_SAMPLES', 20),
  floodClients: number('FLOOD_CLIENTS', 50),
  floodRate: number('FLOOD_RATE', 0.5),
  floodConnections: number('FLOOD_CONNECTIONS', 4),
  floodPace: number('FLOOD_PACE', 0),
  floodMalformed: env('FLOOD_MALFORMED', '1') !== '0',
  guessers: number('GUESSERS', 100),
  guessingClients: number('GUESSING_CLIENTS', 20),
  guessingSeconds: number('GUESSING_SECONDS', 15),
  writeCostInFlight: env('WRITE_IN_FLIGHT', '1,32')
    .split(',')
    .map(Number)
    .filter((count) => Number.isInteger(count) && count > 0),
  writeCostSeconds: number('WRITE_SECONDS', 5),
  saturationClients: env('SATURATION_CLIENTS', '500,2000')
    .split(',')
    .map(Number)
    .filter((count) => Number.isInteger(count) && count > 1),
  saturationStartRate: number('SATURATION_START_RATE', 1),
  saturationFactor: number('SATURATION_FACTOR', 1.5),
  saturationSeconds: number('SATURATION_SECONDS', 4),
  saturationMaxSteps: number('SATURATION_MAX_STEPS', 16),
  searchMessages: number('SEARCH_MESSAGES', 50_000),
  searchQueries: number('SEARCH_QUERIES', 300),
  searchInFlight: number('SEARCH_IN_FLIGHT', 8),
  searchWriteSeconds: number('SEARCH_WRITE_SECONDS', 5),
  searchRounds: number('SEARCH_ROUNDS', 4),
  clusterClients: number('CLUSTER_CLIENTS', 300),
  clusterSenders: number('CLUSTER_SENDERS', 20),
  clusterRate: number('CLUSTER_RATE', 1),
  clusterSeconds: number('CLUSTER_SECONDS', 6),
  clusterCeilingRates: env('CLUSTER_CEILING_RATES', '100,200,400,800,1600,3200')
    .split(',')
    .map(Number)
    .filter((rate) => rate > 0),
  clusterCeilingSenders: number('CLUSTER_CEILING_SENDERS', 4),
  clusterNotifyRates: env('CLUSTER_NOTIFY_RATES', '100,200,400,800,1600,3200')
    .split(',')
    .map(Number)
    .filter((rate) => rate > 0),
  clusterNotifySenders: number('CLUSTER_NOTIFY_SENDERS', 4),
  clusterNotifyReceivers: number('CLUSTER_NOTIFY_RECEIVERS', 2),
  clusterStepSeconds: number('CLUSTER_STEP_SECONDS', 3),
  clusterDatabaseCores: env('CLUSTER_DATABASE_CORES', 'any'),
  web: env('WEB', '1') !== '0',
  webRuns: number('WEB_RUNS', 5),
  chromium: env('CHROMIUM', process.env.PARLEY_CHROMIUM ?? '/usr/bin/chromium'),
  out: resolve(env('OUT', 'bench/results')),
  root: resolve(env('ROOT', process.cwd())),
  cpuProfileDir: env('CPU_PROF', ''),
};

const shape: LoadShape = {
  senders: config.senders,
  ratePerSender: config.rate,
  warmupSeconds: config.warmup,
  measureSeconds: config.seconds,
  drainSeconds: config.drain,
  clientsPerWorker: config.clientsPerWorker,
  connectConcurrency: config.concurrency,
};

const started = Date.now();
const log = (line: string) =>
  console.error(`[bench ${((Date.now() - started) / 1000).toFixed(0).padStart(4)}s] ${line}`);

const limit = LIMITS.rate.message;
const perWindow = config.rate * limit.durationSeconds;
if (perWindow > limit.points) {
  log(
    `warning: ${config.rate} msg/s per sender is ${perWindow} per ${limit.durationSeconds} s, above Parley's ` +
      `limit of ${limit.points}: Parley will refuse some (rate_limited). Use more senders at a lower rate.`,
  );
}

const cores = planCores();
pinSelf(cores.generator);
log(`${cores.note}; servers: ${config.servers.join(', ')}; steps: ${config.clients.join(', ')}`);

/** Which repetition a log line is about (nothing when there is one). */
const ofRepeat = (repetition: number) =>
  config.repeat > 1 ? ` (repetition ${repetition}/${config.repeat})` : '';
const generatorCores = coreCount(cores.generator);

// Each step's repetitions follow each other, the servers taking turns within each (Parley,
// Socket.IO, ws, then again): a machine that drifts hits every server alike (repetitions.ts).
const steps: StepResult[] = [];
for (const clients of config.clients) {
  const repetitions: Array<Repetition<StepFigures>> = [];
  for (let repetition = 1; repetition <= config.repeat; repetition++) {
    const servers: Repetition<StepFigures> = {};
    for (const kind of config.servers) {
      const profileDir = config.cpuProfileDir
        ? resolve(config.cpuProfileDir, `broadcast-${clients}`, kind)
        : undefined;
      const figures = await broadcastStep(kind, clients, shape, cores, profileDir);
      servers[kind] = figures;
      const shortfall = noHeadroom(figures, generatorCores);
      log(
        `${clients} clients, ${SERVER_LABELS[kind]}${ofRepeat(repetition)}: ${Math.round(figures.deliveredPerSecond)} msg/s delivered ` +
          `(${(figures.deliveryRatio * 100).toFixed(1)}%), p50 ${figures.p50Ms.toFixed(2)} ms, p99 ${figures.p99Ms.toFixed(2)} ms, ` +
          `max ${figures.maxMs.toFixed(1)} ms, CPU ${figures.serverCpuPercent.toFixed(0)}%, ` +
          `connect ${figures.connectSeconds.toFixed(1)} s` +
          (Object.keys(figures.ackErrors).length
            ? `, ack errors ${JSON.stringify(figures.ackErrors)}`
            : '') +
          (shortfall ? ` — not valid: ${shortfall}` : ''),
      );
    }
    repetitions.push(servers);
  }
  steps.push(stepResult(clients, repetitions, generatorCores));
}

let saturationReport: BenchReport['saturation'] = null;
if (config.saturationClients.length > 0 && config.saturationFactor > 1) {
  saturationReport = await saturationScenario(
    {
      clients: config.saturationClients,
      servers: config.servers,
      senders: config.senders,
      startRate: Math.max(0.1, config.saturationStartRate),
      factor: config.saturationFactor,
      maxSteps: Math.max(1, Math.round(config.saturationMaxSteps)),
      warmupSeconds: 1,
      measureSeconds: Math.max(0.5, config.saturationSeconds),
      drainSeconds: 1,
    },
    shape,
    cores,
    log,
  );
}

let capacityReport: BenchReport['capacity'] = null;
if (config.idle > 1) {
  const repetitions: Array<Repetition<CapacityFigures>> = [];
  for (let repetition = 1; repetition <= config.repeat; repetition++) {
    const servers: Repetition<CapacityFigures> = {};
    for (const kind of config.servers) {
      const profileDir = config.cpuProfileDir
        ? resolve(config.cpuProfileDir, `join-storm-${config.idle}`, kind)
        : undefined;
      const figures = await capacity(kind, config.idle, shape, config.hold, cores, profileDir);
      servers[kind] = figures;
      log(
        `capacity ${config.idle}, ${SERVER_LABELS[kind]}${ofRepeat(repetition)}: held ${figures.held}, connect ${figures.connectSeconds.toFixed(1)} s ` +
          `(${figures.connectCpuSeconds.toFixed(1)} s CPU, generator ${figures.generatorConnectCpuPercent?.toFixed(0)} %, ${figures.connectBatchWrites} batch writes), ${figures.memoryPerConnectionKb.toFixed(1)} KB/connection ` +
          `(RSS ${figures.rssPerConnectionKb.toFixed(1)} KB), probe ${figures.probe.delivered}/${figures.probe.expected} p99 ${figures.probe.p99Ms.toFixed(1)} ms`,
      );
    }
    repetitions.push(servers);
  }
  capacityReport = capacityResult(
    config.idle,
    config.hold,
    repetitions,
    warmUpClients(config.idle),
    generatorCores,
  );
}

let historyReport: BenchReport['history'] = null;
if (config.history > 0 && config.servers.includes('parley')) {
  const figures = await historyJoin(config.history, config.joinSamples, cores, config.servers);
  historyReport = {
    ...figures,
    joinRatioToSocketioConnect: figures.parleyJoin.p50Ms / figures.socketioConnect.p50Ms,
  };
  log(
    `history ${config.history}: start-up ${figures.parleyStartupMs.toFixed(0)} ms, join p50 ${figures.parleyJoin.p50Ms.toFixed(2)} ms ` +
      `(empty ${figures.parleyEmptyJoin.p50Ms.toFixed(2)} ms, Socket.IO connect ${figures.socketioConnect.p50Ms.toFixed(2)} ms)`,
  );
}

let floodReport: BenchReport['flood'] = null;
if (config.floodClients > 1 && config.floodConnections > 0 && config.servers.includes('parley')) {
  if (config.floodRate * limit.durationSeconds > limit.points) {
    log(`warning: PARLEY_BENCH_FLOOD_RATE is above Parley's limit: calm clients will be refused`);
  }
  floodReport = await floodScenario(
    {
      clients: Math.round(config.floodClients),
      ratePerClient: config.floodRate,
      flooderConnections: Math.round(config.floodConnections),
      pace: config.floodPace,
      malformed: config.floodMalformed,
    },
    shape,
    cores,
    log,
  );
}

let guessingReport: BenchReport['guessing'] = null;
if (config.guessers > 0 && config.guessingClients > 0 && config.servers.includes('parley')) {
  guessingReport = await guessingScenario(
    {
      guessers: Math.round(config.guessers),
      calmClients: Math.round(config.guessingClients),
      seconds: config.guessingSeconds,
    },
    config.repeat,
    cores,
    log,
  );
}

let writeCostReport: BenchReport['writeCost'] = null;
if (config.writeCostInFlight.length > 0 && config.writeCostSeconds > 0) {
  if (config.servers.includes('parley')) {
    writeCostReport = await writeCost(
      config.writeCostInFlight,
      config.writeCostSeconds,
      cores,
      log,
    );
  }
}

let searchReport: BenchReport['search'] = null;
if (config.searchMessages > 0 && config.servers.includes('parley')) {
  searchReport = await searchScenario(
    {
      storedMessages: config.searchMessages,
      queries: config.searchQueries,
      inFlight: Math.max(1, config.searchInFlight),
      writeSeconds: config.searchWriteSeconds,
      rounds: Math.max(1, config.searchRounds),
      ...(config.cpuProfileDir ? { cpuProfileDir: resolve(config.cpuProfileDir) } : {}),
    },
    cores,
    log,
  );
}

let clusterReport: BenchReport['cluster'] = null;
if (config.clusterClients > 1 && config.servers.includes('parley')) {
  clusterReport = await clusterScenario(
    {
      clients: Math.round(config.clusterClients),
      senders: Math.round(config.clusterSenders),
      ratePerSender: config.clusterRate,
      warmupSeconds: config.warmup,
      measureSeconds: config.clusterSeconds,
      drainSeconds: config.drain,
      ceilingRates: config.clusterCeilingRates,
      ceilingSenders: Math.round(config.clusterCeilingSenders),
      notifyRates: config.clusterNotifyRates,
      notifySenders: Math.round(config.clusterNotifySenders),
      notifyReceivers: Math.round(config.clusterNotifyReceivers),
      stepSeconds: config.clusterStepSeconds,
      databaseCores: config.clusterDatabaseCores === 'server' ? 'server' : 'any',
    },
    cores,
    log,
  );
}

let web: BenchReport['web'] = null;
if (config.web) {
  try {
    web = await measureWeb({
      root: config.root,
      outDir: join(config.root, 'out/bench-web'),
      runs: Math.max(1, config.webRuns),
      chromiumPath: config.chromium,
      cores,
    });
    log(
      `web: ${(web.totalGzipBytes / 1024).toFixed(1)} KB gzipped, the first screen ${((web.firstScreenGzipBytes ?? NaN) / 1024).toFixed(1)} KB, time to interactive median ${web.interactiveMedianMs.toFixed(0)} ms`,
    );
  } catch (error) {
    web = { error: (error as Error).message.split('\n').slice(0, 6).join(' ') };
    log(`web: not measured: ${web.error}`);
  }
}

const cpu = cpus()[0];
const partial: Omit<BenchReport, 'targets'> = {
  startedAt: new Date(started).toISOString().replace(/\.\d+Z$/, 'Z'),
  commit: measuredCommit(config.root),
  durationSeconds: (Date.now() - started) / 1000,
  command:
    process.argv.length > 2
      ? `node out/bench/run.js ${process.argv.slice(2).join(' ')}`
      : 'npm run bench',
  machine: {
    cpu: cpu?.model.trim() ?? 'unknown CPU',
    cores: cpus().length,
    memoryGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    pinning: cores.note,
  },
  config: {
    repeat: config.repeat,
    clients: config.clients.join(','),
    servers: config.servers.join(','),
    senders: config.senders,
    ratePerSender: config.rate,
    warmupSeconds: config.warmup,
    measureSeconds: config.seconds,
    drainSeconds: config.drain,
    clientsPerWorker: config.clientsPerWorker,
    idleConnections: config.idle,
    holdSeconds: config.hold,
    storedMessages: config.history,
    joinSamples: config.joinSamples,
    floodClients: config.floodClients,
    floodRatePerClient: config.floodRate,
    floodConnections: config.floodConnections,
    floodPace: config.floodPace,
    floodMalformed: config.floodMalformed,
    guessers: config.guessers,
    guessingClients: config.guessingClients,
    guessingSeconds: config.guessingSeconds,
    writeCostInFlight: config.writeCostInFlight.join(','),
    writeCostSeconds: config.writeCostSeconds,
    saturationClients: config.saturationClients.join(','),
    saturationStartRate: config.saturationStartRate,
    saturationFactor: config.saturationFactor,
    saturationSeconds: config.saturationSeconds,
    searchMessages: config.searchMessages,
    searchQueries: config.searchQueries,
    clusterClients: config.clusterClients,
    webRuns: config.web ? config.webRuns : 0,
    parleyRateLimits: 'as shipped',
  },
  broadcast: {
    senders: config.senders,
    ratePerSender: config.rate,
    warmupSeconds: config.warmup,
    measureSeconds: config.seconds,
    steps,
    largestClientsUnder100ms: Object.fromEntries(
      config.servers.map((kind) => [kind, largestUnderLimit(steps, kind)]),
    ),
    repetitions: config.repeat,
  },
  saturation: saturationReport,
  capacity: capacityReport,
  history: historyReport,
  flood: floodReport,
  guessing: guessingReport,
  writeCost: writeCostReport,
  search: searchReport,
  cluster: clusterReport,
  web,
};
const report: BenchReport = { ...partial, targets: judgeTargets(partial) };

mkdirSync(config.out, { recursive: true });
const markdown = toMarkdown(report);
writeFileSync(join(config.out, 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);
writeFileSync(join(config.out, 'latest.md'), `${markdown}\n`);
if (steps.length > 0) writeFileSync(join(config.out, 'latest-p99.svg'), p99Chart(report));
console.log(markdown);
log(`wrote ${join(config.out, 'latest.md')}, latest.json and latest-p99.svg`);
// The recorded results (not a --only run's): the README's figures follow them (readme.ts).
if (config.out === resolve('bench/results')) {
  const problems = updateReadme(process.cwd());
  log(problems.length ? `README: ${problems.join('; ')}` : 'README: benchmark figures written');
}
process.exit(0);
