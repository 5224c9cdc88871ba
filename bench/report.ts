/**
 * The benchmark report: one JSON document with every figure, the Parley/baseline ratio of each,
 * the targets of issue 6 judged on those ratios (and issue 4's: calm latency under a flood), a
 * markdown rendering of the same, and an SVG chart of p99 latency against clients for the three
 * servers (drawn by hand: no chart library).
 *
 * The ramp's steps and the capacity scenario are measured several times (repetitions.ts): the
 * report keeps every repetition, shows each server's medians and the median of the repetitions'
 * ratios with their spread, and judges the targets on those medians. A ramp step whose load
 * generator had no headroom (headroom.ts) is marked not valid for that server and left out of
 * the targets judged on it. Results recorded before either (no `repetitions`, no `valid`) load
 * as one repetition whose headroom was not judged.
 *
 * Long (over 400 lines): the JSON, the markdown and the SVG render the same figures, and keeping
 * them together keeps the three in step.
 */
import { clusterMarkdown, type ClusterFigures } from './cluster';
import { writeCostMarkdown, type WriteCostFigures } from './durability';
import { GENERATOR_CPU_LIMIT, noHeadroom } from './headroom';
import {
  median,
  medianFigures,
  medianRatios,
  ratioWithSpread,
  spread,
  type Spread,
  type Spreads,
} from './repetitions';
import { saturationMarkdown, type SaturationFigures } from './saturation';
import { searchMarkdown, searchTargets, type SearchFigures } from './search';
import type { FloodFigures, FloodPhase } from './flood';
import type { GuessingFigures } from './guessing';
import type { CapacityFigures, HistoryFigures, StepFigures } from './scenarios';
import type { WebFigures } from './web-cost';
import { SERVER_KINDS, SERVER_LABELS, type ServerKind } from './wire';

export const P99_LIMIT_MS = 100;
/** A step where the baseline delivers less than this share, or p99 ≥ 100 ms, is saturated. */
const SATURATED_DELIVERY = 0.99;

/** One measurement of each server (a repetition), as the scenario returned it. */
export type Repetition<Figures> = Partial<Record<ServerKind, Figures>>;

export interface StepResult {
  clients: number;
  /**
   * Each server's figures: the median of its repetitions' (ack errors: their total). Results
   * recorded before repetitions hold the one run's.
   */
  servers: Partial<Record<ServerKind, StepFigures>>;
  /**
   * Parley's figure divided by the plain Socket.IO server's (and by raw ws's): the median of the
   * repetitions' ratios.
   */
  ratios: { socketio: StepRatios | null; ws: StepRatios | null };
  /** The smallest and the largest of the repetitions' ratios (only when repeated). */
  spread?: { socketio: Spreads<StepRatios> | null; ws: Spreads<StepRatios> | null };
  /** The baseline (plain Socket.IO) is saturated at this step: p99 ≥ 100 ms or losses. */
  baselineSaturated: boolean;
  /**
   * Each server: its load generator had headroom in every repetition (headroom.ts); a step not
   * valid for Parley or a baseline is shown but not judged against it. Absent in results
   * recorded before this was judged.
   */
  valid?: Partial<Record<ServerKind, boolean>>;
  /** What was not valid: one line per server and repetition without headroom. */
  notValid?: string[];
  /** Every repetition's figures, in the order run (absent in results recorded before). */
  repetitions?: Array<Repetition<StepFigures>>;
}

export interface StepRatios {
  deliveredPerSecond: number;
  p50: number;
  p99: number;
  max: number;
  serverCpu: number;
  serverPeakRss: number;
}

export interface CapacityResult {
  connections: number;
  holdSeconds: number;
  /**
   * Clients that connected and left before the storm, so that what a server compiles once is
   * not counted per connection (absent in results recorded before: none).
   */
  warmUpClients?: number;
  /** The cores the load generator ran on (absent in results recorded before: one). */
  generatorCores?: number;
  /** Each server's figures: the median of its repetitions' (older results: the one run's). */
  servers: Partial<Record<ServerKind, CapacityFigures>>;
  /** Parley / baseline: the median of the repetitions' ratios. */
  ratios: {
    socketio: CapacityRatios | null;
    ws: CapacityRatios | null;
  };
  /** The smallest and the largest of the repetitions' ratios (only when repeated). */
  spread?: { socketio: Spreads<CapacityRatios> | null; ws: Spreads<CapacityRatios> | null };
  /** Every repetition's figures, in the order run (absent in results recorded before). */
  repetitions?: Array<Repetition<CapacityFigures>>;
}

export interface CapacityRatios {
  memoryPerConnection: number;
  rssPerConnection: number;
  serverPeakRss: number;
  connectSeconds: number;
  connectCpuSeconds: number;
  probeP99: number;
}

export interface Target {
  name: string;
  /** Parley's figure (a ratio, or a count). */
  value: number | null;
  limit: string;
  met: boolean | null;
  detail: string;
}

export interface BenchReport {
  startedAt: string;
  /** The commit measured (`git describe --always --dirty`: `-dirty` when files were changed). */
  commit: string;
  durationSeconds: number;
  command: string;
  machine: { cpu: string; cores: number; memoryGb: number; node: string; pinning: string };
  config: Record<string, string | number | boolean>;
  broadcast: {
    senders: number;
    ratePerSender: number;
    warmupSeconds: number;
    measureSeconds: number;
    steps: StepResult[];
    /** The largest step each server completes with p99 < 100 ms and no losses. */
    largestClientsUnder100ms: Partial<Record<ServerKind, number | null>>;
    /** Times each step ran, the servers taking turns (absent in older results: once). */
    repetitions?: number;
  };
  capacity: CapacityResult | null;
  history: (HistoryFigures & { joinRatioToSocketioConnect: number }) | null;
  /** Parley's calm clients with and without a flooder (issue 4: within 2x of calm). */
  flood: FloodFigures | null;
  /** Joined clients' acknowledgements with and without a passphrase-guessing burst (issue 12). */
  guessing: GuessingFigures | null;
  /** Durable (fsynced) writes against none, on the same load (durability.ts). */
  writeCost?: WriteCostFigures | null;
  /** The most delivered msg/s under p99 100 ms, each server (saturation.ts). */
  saturation?: SaturationFigures | null;
  /** Search query latency over stored messages, and what indexing costs acknowledgements. */
  search?: SearchFigures | null;
  /** PostgreSQL and a second node against one node on the embedded store; where it stops. */
  cluster?: ClusterFigures | null;
  web: WebFigures | { error: string } | null;
  targets: Target[];
}

const ratio = (a: number | undefined, b: number | undefined) =>
  a !== undefined && b !== undefined && Number.isFinite(a) && Number.isFinite(b) && b > 0
    ? a / b
    : NaN;

/**
 * Parley's figures divided by a baseline's, within one repetition (null when either was not
 * measured in it), for the figures `fields` reads.
 */
function ratiosOf<Figures, Ratios>(fields: { [K in keyof Ratios]: (figures: Figures) => number }) {
  return (run: Repetition<Figures>, baseline: ServerKind): Ratios | null => {
    const parley = run.parley;
    const other = run[baseline];
    if (!parley || !other) return null;
    const read = fields as Record<string, (figures: Figures) => number>;
    return Object.fromEntries(
      Object.entries(read).map(([key, figure]) => [key, ratio(figure(parley), figure(other))]),
    ) as Ratios;
  };
}

const stepRatios = ratiosOf<StepFigures, StepRatios>({
  deliveredPerSecond: (figures) => figures.deliveredPerSecond,
  p50: (figures) => figures.p50Ms,
  p99: (figures) => figures.p99Ms,
  max: (figures) => figures.maxMs,
  serverCpu: (figures) => figures.serverCpuPercent,
  serverPeakRss: (figures) => figures.serverPeakRssMb,
});

/** Each server's repetitions, in the order run (a repetition without the server: skipped). */
function runsOf<Figures>(repetitions: ReadonlyArray<Repetition<Figures>>, kind: ServerKind) {
  return repetitions.flatMap((run, index) => {
    const figures = run[kind];
    return figures ? [{ figures, repetition: index + 1 }] : [];
  });
}

/** The median and spread of the Parley / baseline ratios, against each baseline. */
function repeatedRatios<Figures, Ratios extends { [K in keyof Ratios]: number }>(
  repetitions: ReadonlyArray<Repetition<Figures>>,
  against: (run: Repetition<Figures>, baseline: ServerKind) => Ratios | null,
) {
  const [socketio, ws] = (['socketio', 'ws'] as const).map((baseline) =>
    medianRatios(repetitions.map((run) => against(run, baseline))),
  );
  const repeated = repetitions.length > 1;
  return {
    ratios: { socketio: socketio?.median ?? null, ws: ws?.median ?? null },
    ...(repeated ? { spread: { socketio: socketio?.spread ?? null, ws: ws?.spread ?? null } } : {}),
  };
}

/**
 * One step of the ramp from its repetitions: the medians, the median ratios and their spread,
 * and whether the load generator had headroom (`generatorCores`: the cores it ran on).
 */
export function stepResult(
  clients: number,
  repetitions: Array<Repetition<StepFigures>>,
  generatorCores: number,
): StepResult {
  const servers: StepResult['servers'] = {};
  const valid: NonNullable<StepResult['valid']> = {};
  const notValid: string[] = [];
  for (const kind of SERVER_KINDS) {
    const runs = runsOf(repetitions, kind);
    if (runs.length === 0) continue;
    const figures = runs.map((run) => run.figures);
    const ackErrors: Record<string, number> = {};
    for (const one of figures) {
      for (const [code, count] of Object.entries(one.ackErrors)) {
        ackErrors[code] = (ackErrors[code] ?? 0) + count;
      }
    }
    servers[kind] = { ...medianFigures(figures), ackErrors };
    valid[kind] = true;
    for (const run of runs) {
      const why = noHeadroom(run.figures, generatorCores);
      if (why === null) continue;
      valid[kind] = false;
      notValid.push(`${SERVER_LABELS[kind]}, repetition ${run.repetition}: ${why}`);
    }
  }
  const baseline = servers.socketio;
  return {
    clients,
    servers,
    ...repeatedRatios(repetitions, stepRatios),
    baselineSaturated: baseline ? isSaturated(baseline) : false,
    valid,
    notValid,
    repetitions,
  };
}

/** Every server named had headroom at this step (results from before validity: all had). */
const validFor = (step: StepResult, ...kinds: ServerKind[]) =>
  kinds.every((kind) => step.valid?.[kind] !== false);

function isSaturated(figures: StepFigures): boolean {
  return figures.p99Ms >= P99_LIMIT_MS || figures.deliveryRatio < SATURATED_DELIVERY;
}

export function largestUnderLimit(steps: StepResult[], kind: ServerKind): number | null {
  let largest: number | null = null;
  for (const step of steps) {
    const figures = step.servers[kind];
    // A step without generator headroom says nothing about the server: it does not count.
    if (figures && validFor(step, kind) && !isSaturated(figures)) {
      largest = Math.max(largest ?? 0, step.clients);
    }
  }
  return largest;
}

const capacityRatios = ratiosOf<CapacityFigures, CapacityRatios>({
  memoryPerConnection: (figures) => figures.memoryPerConnectionKb,
  rssPerConnection: (figures) => figures.rssPerConnectionKb,
  serverPeakRss: (figures) => figures.serverPeakRssMb,
  connectSeconds: (figures) => figures.connectSeconds,
  connectCpuSeconds: (figures) => figures.connectCpuSeconds,
  probeP99: (figures) => figures.probe.p99Ms,
});

/** The capacity scenario (join storm, idle memory) from its repetitions. */
export function capacityResult(
  connections: number,
  holdSeconds: number,
  repetitions: Array<Repetition<CapacityFigures>>,
  warmUpClients = 0,
  generatorCores = 1,
): CapacityResult {
  const servers: CapacityResult['servers'] = {};
  for (const kind of SERVER_KINDS) {
    const runs = runsOf(repetitions, kind);
    if (runs.length > 0) servers[kind] = medianFigures(runs.map((run) => run.figures));
  }
  return {
    connections,
    holdSeconds,
    ...(warmUpClients > 0 ? { warmUpClients } : {}),
    generatorCores,
    servers,
    ...repeatedRatios(repetitions, capacityRatios),
    repetitions,
  };
}

export function judgeTargets(report: Omit<BenchReport, 'targets'>): Target[] {
  const targets: Target[] = [];
  const steps = report.broadcast.steps.filter((step) => step.ratios.socketio);
  targets.push(
    stepsTarget('Delivered throughput vs plain Socket.IO, every step', steps, {
      key: 'deliveredPerSecond',
      limit: '≥ 0.9x',
      worst: 'min',
      meets: (value) => value >= 0.9,
    }),
  );
  targets.push(...saturationTargets(report.saturation ?? null));
  targets.push(
    stepsTarget(
      'p99 latency vs plain Socket.IO, every step below saturation',
      steps.filter((step) => !step.baselineSaturated),
      {
        key: 'p99',
        limit: '≤ 1.0x',
        worst: 'max',
        meets: (value) => value <= 1,
        none: 'no step below saturation',
      },
    ),
  );
  targets.push(...cpuPerDeliveryTargets(report.broadcast.steps));
  targets.push(...capacityTargets(report.capacity));
  targets.push(...floodTargets(report.flood));
  targets.push(guessingTarget(report.guessing));
  targets.push(...searchTargets(report.search));
  const web = report.web && !('error' in report.web) ? report.web : null;
  // Results recorded before the first screen was measured apart hold the whole build only.
  const firstScreen = web ? (web.firstScreenGzipBytes ?? web.totalGzipBytes) : NaN;
  targets.push({
    name: 'Web client, gzipped, everything the first screen loads',
    // Whole KB: the table shows a fractional value as a ratio.
    value: web ? Math.round(firstScreen / 1024) : null,
    limit: '≤ 100 KB',
    met: web ? firstScreen <= 100 * 1024 : null,
    detail: web
      ? `${web.firstScreenFiles ? `${web.firstScreenFiles.length} files` : 'the whole build (recorded before the first screen was measured apart)'}; the whole client ${kb(web.totalGzipBytes)} (JS ${kb(web.jsGzipBytes)}, CSS ${kb(web.cssGzipBytes)}); time to interactive ${fmt(web.interactiveMedianMs, 0)} ms (median)`
      : 'web scenario not run',
  });
  return targets;
}

/** Issue 17 point 1: the most delivered msg/s under p99 100 ms, Parley ≥ plain Socket.IO. */
function saturationTargets(saturation: SaturationFigures | null): Target[] {
  if (!saturation) return [];
  // A size where Parley's or Socket.IO's search ended at the generator compares lower bounds:
  // shown, not judged.
  const bound = (size: SaturationFigures['sizes'][number]) =>
    Boolean(size.servers.parley?.generatorBound || size.servers.socketio?.generatorBound);
  const judged = saturation.sizes.filter((size) => size.ratio !== null && !bound(size));
  const worst = judged.length ? Math.min(...judged.map((size) => size.ratio!)) : NaN;
  return [
    {
      name: 'Saturation: most delivered msg/s with p99 < 100 ms vs plain Socket.IO, each size',
      value: Number.isFinite(worst) ? worst : null,
      limit: '≥ 1.0x',
      met: Number.isFinite(worst) ? worst >= 1 : null,
      detail: saturation.sizes
        .map(
          (size) =>
            `${size.clients}: ${size.ratio === null ? 'no ratio' : `${fmt(size.ratio, 2)}x`}` +
            (bound(size) ? ' (the generator ran out first: lower bounds, not judged)' : ''),
        )
        .join(', '),
    },
  ];
}

/** What a ramp target's detail says of a step whose generator had no headroom. */
const NOT_JUDGED = ' (not valid: the load generator had no headroom; not judged)';
/** "; per repetition 1.05–1.20x": a ratio's spread, when it was repeated. */
const perRepetition = (range: Spread | undefined) =>
  range && Number.isFinite(range.min) && Number.isFinite(range.max)
    ? `; per repetition ${fmt(range.min, 2)}–${fmt(range.max, 2)}x`
    : '';

/**
 * A target on one Parley / plain Socket.IO ratio at every step: judged on the worst median ratio
 * of the steps where both had generator headroom; the others are listed, marked not judged.
 */
function stepsTarget(
  name: string,
  steps: StepResult[],
  rule: {
    key: keyof StepRatios;
    limit: string;
    worst: 'min' | 'max';
    meets: (value: number) => boolean;
    /** The detail when there is no step. */
    none?: string;
  },
): Target {
  const judged = steps.filter((step) => validFor(step, 'parley', 'socketio'));
  const values = judged.map((step) => step.ratios.socketio![rule.key]);
  const worst = values.length ? Math[rule.worst](...values) : NaN;
  return {
    name,
    value: Number.isFinite(worst) ? worst : null,
    limit: rule.limit,
    met: Number.isFinite(worst) ? rule.meets(worst) : null,
    detail:
      steps
        .map(
          (step) =>
            `${step.clients}: ${ratioWithSpread(step.ratios.socketio![rule.key], step.spread?.socketio?.[rule.key])}` +
            (validFor(step, 'parley', 'socketio') ? '' : NOT_JUDGED),
        )
        .join(', ') ||
      (rule.none ?? ''),
  };
}

/**
 * Issue 17 point 2: server CPU per delivered message at the ramp's largest step, against plain
 * Socket.IO (≤ 1.0x) and raw ws (≤ 2x): the median of the repetitions' ratios.
 */
function cpuPerDeliveryTargets(steps: StepResult[]): Target[] {
  const step = steps.at(-1);
  if (!step) return [];
  const per = (figures: StepFigures | undefined) =>
    figures && figures.deliveredPerSecond > 0
      ? figures.serverCpuPercent / figures.deliveredPerSecond
      : NaN;
  const runs = step.repetitions ?? [step.servers];
  return (
    [
      ['socketio', 1],
      ['ws', 2],
    ] as const
  ).flatMap(([kind, limit]) => {
    if (!step.servers[kind]) return [];
    const ratios = runs.map((run) => per(run.parley) / per(run[kind]));
    const value = median(ratios);
    const valid = validFor(step, 'parley', kind);
    const judged = valid && Number.isFinite(value);
    return [
      {
        name: `Server CPU per delivered message at ${step.clients} clients vs ${SERVER_LABELS[kind]}`,
        value: judged ? value : null,
        limit: `≤ ${limit}.0x`,
        met: judged ? value <= limit : null,
        detail:
          `${fmt(per(step.servers.parley) * 1e4, 2)} µs vs ${fmt(per(step.servers[kind]) * 1e4, 2)} µs` +
          (runs.length > 1
            ? ` (medians); ratio ${ratioWithSpread(value, spread(ratios))} over the repetitions`
            : '') +
          (valid ? '' : NOT_JUDGED),
      },
    ];
  });
}

/** Issue 17 point 3 and issue 6: memory per idle connection, holding 5,000, the join storm. */
function capacityTargets(capacity: CapacityResult | null): Target[] {
  const finite = (value: number | undefined) =>
    value !== undefined && Number.isFinite(value) ? value : null;
  const notRun = 'capacity scenario not run';
  const vs = capacity?.ratios.socketio;
  const range = capacity?.spread?.socketio;
  const memory = finite(vs?.memoryPerConnection);
  const runs = capacity
    ? runsOf(capacity.repetitions ?? [capacity.servers], 'parley').map((run) => run.figures)
    : [];
  const parley = capacity?.servers.parley;
  const storm = finite(vs?.connectSeconds);
  return [
    {
      name: 'Memory per idle connection vs plain Socket.IO (JS heap + external, after GC)',
      value: memory,
      limit: '≤ 1.0x',
      met: memory === null ? null : memory <= 1,
      detail: capacity
        ? `RSS per connection: ${ratioWithSpread(vs?.rssPerConnection ?? NaN, range?.rssPerConnection)}` +
          perRepetition(range?.memoryPerConnection)
        : notRun,
    },
    {
      name: 'One host holds 5,000 concurrent clients in one room',
      // Every repetition must hold them all: the fewest held is the figure.
      value: runs.length ? Math.min(...runs.map((run) => run.held)) : null,
      limit: '≥ 5000 joined, every probe delivered to all',
      met:
        runs.length && capacity!.connections >= 5_000
          ? runs.every((run) => run.held >= 5_000 && run.probe.delivered === run.probe.expected)
          : null,
      detail: parley
        ? `${runs.map((run) => run.held).join(', ')} of ${capacity!.connections} held; ` +
          `probe ${runs.map((run) => `${run.probe.delivered}/${run.probe.expected}`).join(', ')} delivered, ` +
          `p99 ${fmt(parley.probe.p99Ms, 1)} ms`
        : notRun,
    },
    {
      name: `${capacity?.connections ?? 5_000} clients joining at once vs plain Socket.IO connecting`,
      value: storm,
      limit: '≤ 1.5x',
      met: storm === null ? null : storm <= 1.5,
      detail: capacity
        ? `Parley ${fmt(capacity.servers.parley?.connectSeconds ?? NaN, 1)} s, plain Socket.IO ${fmt(capacity.servers.socketio?.connectSeconds ?? NaN, 1)} s` +
          (range ? ' (medians)' : '') +
          perRepetition(range?.connectSeconds) +
          stormCpu(capacity)
        : notRun,
    },
  ];
}

/**
 * The servers' CPU in the join storm, and when plain Socket.IO's load generator had no headroom:
 * then Socket.IO's time is partly the generator's, and its server's CPU says more.
 */
function stormCpu(capacity: CapacityResult): string {
  const ratio = capacity.ratios.socketio?.connectCpuSeconds;
  if (ratio === undefined || !Number.isFinite(ratio)) return '';
  const generator = capacity.servers.socketio?.generatorConnectCpuPercent;
  const cores = capacity.generatorCores ?? 1;
  const busy =
    generator !== undefined && generator > GENERATOR_CPU_LIMIT * cores
      ? `; plain Socket.IO's load generator used ${fmt(generator / cores, 0)} % of its ` +
        `core${cores > 1 ? 's' : ''} while its clients connected, so that time is partly the generator's`
      : '';
  return `; server CPU to connect ${ratioWithSpread(ratio, capacity.spread?.socketio?.connectCpuSeconds)}${busy}${generatorFloor(capacity)}`;
}

/**
 * What Parley's load generator alone needs of plain Socket.IO's connect time: its clients do
 * more than connect (they sign the challenge, join and read the reply), and the storm cannot end
 * before the generator has done that on its cores, however fast the server. The median over the
 * repetitions; '' when a figure is missing.
 */
function generatorFloor(capacity: CapacityResult): string {
  const cores = capacity.generatorCores ?? 1;
  const runs = capacity.repetitions ?? [capacity.servers];
  const floors = runs.flatMap(({ parley, socketio }) => {
    const percent = parley?.generatorConnectCpuPercent;
    if (percent === undefined || !parley || !socketio) return [];
    return [(percent / 100 / cores) * (parley.connectSeconds / socketio.connectSeconds)];
  });
  const floor = median(floors);
  if (!Number.isFinite(floor)) return '';
  return (
    `; Parley's load generator alone was busy for ${ratioWithSpread(floor, floors.length > 1 ? spread(floors) : undefined)} ` +
    "of plain Socket.IO's connect time (its clients sign, join and read the reply): a floor under the time ratio " +
    'that no work on the server lowers'
  );
}

function guessingTarget(guessing: GuessingFigures | null): Target {
  const name =
    "Joined clients' acknowledgement latency during a passphrase-guessing burst, vs calm";
  const limit = `≤ ${FLOOD_LIMIT}x (p50 and p99)`;
  if (!guessing)
    return { name, value: null, limit, met: null, detail: 'guessing scenario not run' };
  const [calm, burst] = guessing.phases;
  const worst = Math.max(guessing.ratios.p50, guessing.ratios.p99);
  const checked = burst?.guesses?.wrong_passphrase ?? 0;
  return {
    name,
    value: Number.isFinite(worst) ? worst : null,
    limit,
    met: Number.isFinite(worst) && checked > 0 ? worst <= FLOOD_LIMIT : null,
    detail:
      `p50 ${fmt(calm?.p50Ms ?? NaN, 2)} → ${fmt(burst?.p50Ms ?? NaN, 2)} ms (${ratioWithSpread(guessing.ratios.p50, guessing.spread?.p50)}), ` +
      `p99 ${fmt(calm?.p99Ms ?? NaN, 2)} → ${fmt(burst?.p99Ms ?? NaN, 2)} ms (${ratioWithSpread(guessing.ratios.p99, guessing.spread?.p99)}); ` +
      `${int(checked)} wrong passphrases checked from ${guessing.guessers} addresses` +
      (guessing.repetitions && guessing.repetitions.length > 1
        ? ` (medians of ${guessing.repetitions.length} repetitions, each on a fresh server)`
        : ''),
  };
}

export const FLOOD_LIMIT = 2;
const times = (value: number) => (Number.isFinite(value) ? `${fmt(value, 2)}x` : '–');
const FLOOD_TARGET_NAMES = {
  flood: "Calm clients' latency while one client floods messages, typing and joins, vs calm",
  malformed:
    "Calm clients' latency while one client floods malformed and oversized payloads, vs calm",
} as const;

function floodTargets(flood: FloodFigures | null): Target[] {
  return (['flood', 'malformed'] as const).map((variant) => {
    const ratios = flood?.ratios.find((one) => one.phase === variant);
    const phase = flood?.phases.find((one) => one.phase === variant);
    const calm = flood?.phases[0];
    if (!ratios || !phase || !calm) {
      return {
        name: FLOOD_TARGET_NAMES[variant],
        value: null,
        limit: `≤ ${FLOOD_LIMIT}x (p50 and p99)`,
        met: null,
        detail: 'flood scenario not run',
      };
    }
    const worst = Math.max(ratios.p50, ratios.p99);
    // Messages still on their way when the phase ended are later than any latency measured.
    const late = phase.delivered < phase.expected;
    return {
      name: FLOOD_TARGET_NAMES[variant],
      value: Number.isFinite(worst) ? worst : null,
      limit: `≤ ${FLOOD_LIMIT}x (p50 and p99)`,
      met: !late && Number.isFinite(worst) ? worst <= FLOOD_LIMIT : late ? false : null,
      detail:
        (late
          ? `only ${fmt(phase.deliveryRatio * 100, 1)}% of the calm deliveries arrived before the phase ended; `
          : '') +
        `p50 ${fmt(calm.p50Ms, 2)} → ${fmt(phase.p50Ms, 2)} ms (${times(ratios.p50)}), ` +
        `p99 ${fmt(calm.p99Ms, 2)} → ${fmt(phase.p99Ms, 2)} ms (${times(ratios.p99)}); ` +
        `flooder ${int(phase.flooder?.sentPerSecond ?? NaN)} events/s, ${int(phase.flooder?.rateLimited ?? NaN)} rate_limited`,
    };
  });
}

/**
 * Issue 17 point 4: send → acknowledgement beside the broadcast figures ("–" for the baselines,
 * which acknowledge nothing, and for results recorded before it was measured).
 */
function ackCell(figures: { ackP50Ms?: number | null; ackP99Ms?: number | null }): string {
  const p50 = figures.ackP50Ms ?? NaN;
  const p99 = figures.ackP99Ms ?? NaN;
  return Number.isFinite(p99) ? `${fmt(p50, 2)} · ${fmt(p99, 2)}` : '–';
}

export function fmt(value: number, digits = 1): string {
  return Number.isFinite(value) ? value.toFixed(digits) : '–';
}

const int = (value: number) =>
  Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : '–';
const x = (value: number | undefined) => (value === undefined ? '–' : `${fmt(value, 2)}x`);
const kb = (bytes: number) => `${fmt(bytes / 1024, 1)} KB`;

/** How the tables' figures were made of repetitions (nothing when run once). */
function repeatedNote(repetitions: number | undefined, what: 'step' | 'scenario'): string {
  if (!repetitions || repetitions < 2) return '';
  return (
    `Each ${what} ran ${repetitions} times, the servers taking turns within each repetition: figures are each server's medians, ` +
    "ratios the median of the repetitions' Parley / baseline ratios, with their smallest–largest in brackets. "
  );
}

const BASELINES = [
  ['socketio', 'Parley / plain Socket.IO'],
  ['ws', 'Parley / raw ws'],
] as const;

/** A table's Parley / baseline rows, one per baseline measured, each ratio with its spread. */
function ratioRows<Ratios extends { [K in keyof Ratios]: number }>(
  result: {
    ratios: Record<'socketio' | 'ws', Ratios | null>;
    spread?: Record<'socketio' | 'ws', Spreads<Ratios> | null>;
  },
  row: (label: string, cell: (key: keyof Ratios) => string) => string,
): string[] {
  return BASELINES.flatMap(([baseline, label]) => {
    const ratios = result.ratios[baseline];
    if (!ratios) return [];
    const range = result.spread?.[baseline] ?? undefined;
    return [row(`*${label}*`, (key) => ratioWithSpread(ratios[key], range?.[key]))];
  });
}

export function toMarkdown(report: BenchReport): string {
  const lines: string[] = [];
  const push = (...more: string[]) => lines.push(...more);
  const { broadcast } = report;
  push(
    `# Parley benchmark — ${report.startedAt}`,
    '',
    `\`${report.command}\` at commit ${report.commit} · ${report.machine.cpu}, ${report.machine.cores} cores, ` +
      `${report.machine.memoryGb} GiB · Node ${report.machine.node} · ${report.machine.pinning} · ` +
      `${fmt(report.durationSeconds / 60, 1)} min`,
    '',
    '## Targets',
    '',
    '| target | Parley | limit | met | detail |',
    '|---|---:|---|---|---|',
    ...report.targets.map(
      (target) =>
        `| ${target.name} | ${target.value === null ? '–' : Number.isInteger(target.value) ? target.value : `${fmt(target.value, 2)}x`} | ${target.limit} | ${target.met === null ? 'not measured' : target.met ? 'yes' : '**no**'} | ${target.detail} |`,
    ),
    '',
    `## Broadcast: N clients in one room, ${broadcast.senders} senders × ${broadcast.ratePerSender} msg/s`,
    '',
    `Each message goes to every other client; latency is send → receipt at each of them. ` +
      `${broadcast.warmupSeconds} s warm-up, ${broadcast.measureSeconds} s measured. ` +
      repeatedNote(broadcast.repetitions, 'step') +
      (broadcast.steps.some((step) => step.valid)
        ? `A server marked "not valid" at a step had a load generator without headroom in a repetition ` +
          `(over ${GENERATOR_CPU_LIMIT} % of its cores, or its loop delay p99 over a quarter of the p99 it reports, at least 5 ms): ` +
          'the step is shown, not judged against that server.'
        : // Results recorded before the check: say so rather than imply every step passed it.
          "This run was recorded before the load generator's headroom was judged at each step: see its readings below."),
    '',
    '| clients | server | delivered msg/s | delivered | p50 ms | p99 ms | max ms | ack p50 · p99 ms (durable) | server CPU % | server peak RSS MB | join/connect s |',
    '|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  );
  for (const step of broadcast.steps) {
    for (const kind of SERVER_KINDS) {
      const figures = step.servers[kind];
      if (!figures) continue;
      const mark = step.valid?.[kind] === false ? ' (not valid)' : '';
      push(
        `| ${step.clients} | ${SERVER_LABELS[kind]}${mark} | ${int(figures.deliveredPerSecond)} | ${fmt(figures.deliveryRatio * 100, 1)}% | ${fmt(figures.p50Ms, 2)} | ${fmt(figures.p99Ms, 2)} | ${fmt(figures.maxMs, 1)} | ${ackCell(figures)} | ${fmt(figures.serverCpuPercent, 0)} | ${fmt(figures.serverPeakRssMb, 0)} | ${fmt(figures.connectSeconds, 1)} |`,
      );
    }
    push(
      ...ratioRows(
        step,
        (label, cell) =>
          `| ${step.clients} | ${label} | ${cell('deliveredPerSecond')} |  | ${cell('p50')} | ${cell('p99')} | ${cell('max')} |  | ${cell('serverCpu')} | ${cell('serverPeakRss')} |  |`,
      ),
    );
  }
  push(
    '',
    'Largest client count with p99 < 100 ms (and every message delivered; steps without generator headroom do not count): ' +
      SERVER_KINDS.filter((kind) => broadcast.steps.some((step) => step.servers[kind]))
        // From the steps (not the recorded figure: results from before validity counted all).
        .map(
          (kind) => `${SERVER_LABELS[kind]} ${largestUnderLimit(broadcast.steps, kind) ?? 'none'}`,
        )
        .join(', ') +
      ` (of the steps run; the ramp stops at ${Math.max(...broadcast.steps.map((step) => step.clients))}).`,
    '',
  );
  const notValid = broadcast.steps.flatMap((step) =>
    (step.notValid ?? []).map((line) => `${step.clients} clients, ${line}`),
  );
  if (notValid.length) push(`Not valid (no generator headroom): ${notValid.join('; ')}.`, '');
  push('![p99 latency against clients](latest-p99.svg)', '');
  const generatorNotes = broadcast.steps.flatMap((step) =>
    SERVER_KINDS.flatMap((kind) => {
      const figures = step.servers[kind];
      if (!figures) return [];
      const errors = Object.entries(figures.ackErrors);
      return errors.length
        ? [
            `${step.clients} ${SERVER_LABELS[kind]}: ack errors ${errors.map(([code, n]) => `${code}×${n}`).join(', ')}`,
          ]
        : [];
    }),
  );
  // Each repetition's readings (the generator's headroom is judged on each, not on medians).
  const generator = broadcast.steps.map((step) =>
    SERVER_KINDS.filter((kind) => step.servers[kind])
      .map((kind) => {
        const runs = runsOf(step.repetitions ?? [step.servers], kind).map((run) => run.figures);
        const each = (read: (figures: StepFigures) => string) => runs.map(read).join(' / ');
        return (
          `${step.clients}/${kind}: ${each((figures) => fmt(figures.generatorCpuPercent, 0))}% CPU, ` +
          `loop delay p99 ${each((figures) => fmt(figures.generatorLoopDelayP99Ms, 1))} ms`
        );
      })
      .join('; '),
  );
  push(
    '<details><summary>Load generator (it must not be the bottleneck)</summary>',
    '',
    ...generator.map((line) => `- ${line}`),
    ...generatorNotes.map((line) => `- ${line}`),
    '',
    '</details>',
    '',
  );

  if (report.saturation) push(...saturationMarkdown(report.saturation));

  if (report.capacity) {
    const capacity = report.capacity;
    push(
      `## Capacity: ${capacity.connections} idle clients in one room`,
      '',
      `Presence on (Parley's clients join), no messages for ${capacity.holdSeconds} s, then one client sends 3 probe messages to all others. ` +
        (capacity.warmUpClients
          ? `Before the storm, ${capacity.warmUpClients} clients connected (and joined) and left, on every server, so that what a server compiles once is not counted per connection. `
          : '') +
        "Memory per connection: the server's memory after a full GC with the clients, minus before them, divided by the clients held. " +
        "Generator CPU: the load generator's workers together while their clients connected, % of one core (it has its own core): near 100 %, the storm's time is partly the generator's." +
        (capacity.repetitions && capacity.repetitions.length > 1
          ? ` ${repeatedNote(capacity.repetitions.length, 'scenario').trim()}`
          : ''),
      '',
      '| server | held | connect/join s | server CPU s to connect | generator CPU while connecting | memory per connection (heap + external) | RSS per connection | server peak RSS MB | probe delivered | probe p99 ms |',
      '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    );
    for (const kind of SERVER_KINDS) {
      const figures = capacity.servers[kind];
      if (!figures) continue;
      push(
        `| ${SERVER_LABELS[kind]} | ${figures.held} | ${fmt(figures.connectSeconds, 1)} | ${fmt(figures.connectCpuSeconds, 1)} | ${figures.generatorConnectCpuPercent === undefined ? '–' : `${fmt(figures.generatorConnectCpuPercent, 0)} %`} | ${fmt(figures.memoryPerConnectionKb, 1)} KB | ${fmt(figures.rssPerConnectionKb, 1)} KB | ${fmt(figures.serverPeakRssMb, 0)} | ${figures.probe.delivered}/${figures.probe.expected} | ${fmt(figures.probe.p99Ms, 1)} |`,
      );
    }
    push(
      ...ratioRows(
        capacity,
        (label, cell) =>
          `| ${label} |  | ${cell('connectSeconds')} | ${cell('connectCpuSeconds')} |  | ${cell('memoryPerConnection')} | ${cell('rssPerConnection')} | ${cell('serverPeakRss')} |  | ${cell('probeP99')} |`,
      ),
    );
    push('');
  }

  if (report.history) {
    const history = report.history;
    push(
      `## Joining a room of ${history.storedMessages.toLocaleString('en-US')} stored messages`,
      '',
      `History written straight into a data directory (LevelMessageStore, ${fmt(history.prefillSeconds, 1)} s), then a Parley server started on it; ` +
        `each sample is a fresh client: connect, \`session:challenge\`, \`session:join\` with the signed challenge (its device key made beforehand), acknowledgement with the latest 100 messages and the user list. ` +
        'The baselines have no join and no history: their figure is the connection alone.',
      '',
      '| | p50 ms | p99 ms | max ms | samples |',
      '|---|---:|---:|---:|---:|',
      ...(
        [
          [`Parley, ${history.storedMessages.toLocaleString('en-US')} stored`, history.parleyJoin],
          ['Parley, empty history', history.parleyEmptyJoin],
          ['plain Socket.IO (connect only)', history.socketioConnect],
          ['raw ws (connect only)', history.wsConnect],
        ] as const
      ).map(
        ([label, figures]) =>
          `| ${label} | ${fmt(figures.p50Ms, 2)} | ${fmt(figures.p99Ms, 2)} | ${fmt(figures.maxMs, 2)} | ${figures.samples} |`,
      ),
      `| *Parley (stored) / Socket.IO connect* | ${x(history.joinRatioToSocketioConnect)} |  |  |  |`,
      '',
      `Parley server start-up with ${history.storedMessages.toLocaleString('en-US')} stored messages: ${fmt(history.parleyStartupMs, 0)} ms (empty: ${fmt(history.parleyEmptyStartupMs, 0)} ms).`,
      '',
    );
  }

  if (report.flood) pushFlood(push, report.flood);
  if (report.guessing) pushGuessing(push, report.guessing);
  if (report.writeCost) push(...writeCostMarkdown(report.writeCost));
  if (report.search) push(...searchMarkdown(report.search));
  if (report.cluster) push(...clusterMarkdown(report.cluster));

  if (report.web) {
    push('## Web client', '');
    if ('error' in report.web) {
      push(`Not measured: ${report.web.error}`, '');
    } else {
      const web = report.web;
      // Results recorded before the first screen was measured apart have no such column.
      const first = web.firstScreenFiles;
      push(
        `Production build (\`vite build --config vite.web.config.ts\`, ${fmt(web.buildSeconds, 1)} s): ` +
          `**${kb(web.totalGzipBytes)} gzipped** (${kb(web.totalBytes)} raw) — JS ${kb(web.jsGzipBytes)}, CSS ${kb(web.cssGzipBytes)} gzipped.` +
          (first
            ? ` The first screen loads **${kb(web.firstScreenGzipBytes ?? NaN)}** of it (the files marked; the chat screen and the client are fetched at the join).`
            : ''),
        '',
        first ? '| file | bytes | gzip bytes | first screen |' : '| file | bytes | gzip bytes |',
        first ? '|---|---:|---:|:---:|' : '|---|---:|---:|',
        ...web.files.map(
          (file) =>
            `| ${file.file} | ${int(file.bytes)} | ${int(file.gzipBytes)} |` +
            (first ? ` ${first.includes(file.file) ? 'yes' : ''} |` : ''),
        ),
        '',
        `Time to interactive in ${web.browser} (navigation → "Nickname" textbox enabled, served by a Parley server on loopback, fresh context each run): ` +
          `**median ${fmt(web.interactiveMedianMs, 0)} ms**, first run ${fmt(web.interactiveFirstMs, 0)} ms; ` +
          `runs ${web.interactiveMs.map((value) => fmt(value, 0)).join(', ')} ms. ` +
          `DOMContentLoaded ${fmt(web.domContentLoadedMs, 0)} ms, load ${fmt(web.loadMs, 0)} ms (median run).`,
        '',
      );
    }
  }
  return lines.join('\n');
}

const PHASE_LABELS: Record<FloodPhase['phase'], string> = {
  calm: 'calm (no flooder)',
  flood: 'flood: messages, typing, joins',
  malformed: 'flood: malformed and oversized',
};

function pushFlood(push: (...more: string[]) => void, flood: FloodFigures): void {
  push(
    `## Floods: ${flood.clients} calm clients and one flooder`,
    '',
    `${flood.server} as shipped, except that the per-address limits also apply on loopback: the calm clients ` +
      `(${flood.connected} connected, each sending ${flood.ratePerClient} msg/s) connect from ${flood.calmAddress}, ` +
      `which stays exempt, the flooder's ${flood.flooderConnections} connections from ${flood.flooderAddress}, which does not. ` +
      (flood.pace > 0
        ? `The flooder sends ${flood.pace} events/s per connection. `
        : 'The flooder sends as fast as the server reads (TCP back-pressure). ') +
      'It floods through warm-up, measurement and drain. Latency is send → receipt at every other calm client ' +
      '(one server and one set of calm clients for all phases); ratios are each flood phase / calm. ' +
      '"calm delivered": deliveries that arrived before the phase ended; "server busy after": how long the server ' +
      'kept working once the flood stopped.',
    '',
    '| phase | calm delivered | p50 ms | p99 ms | max ms | server CPU % | flooder sent events/s | rate_limited | accepted | other refusals | reconnects | server busy after s | calm clients refused |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---|',
  );
  for (const phase of flood.phases) {
    const flooder = phase.flooder;
    const other = flooder
      ? Object.entries(flooder.replies)
          .flatMap(([kind, outcomes]) =>
            Object.entries(outcomes)
              .filter(([outcome]) => outcome !== 'ok' && outcome !== 'rate_limited')
              .map(([outcome, count]) => `${kind} ${outcome}×${int(count)}`),
          )
          .join(', ') || 'none'
      : '';
    const refused = Object.entries(phase.calmAckErrors)
      .map(([code, count]) => `${code}×${count}`)
      .join(', ');
    push(
      `| ${PHASE_LABELS[phase.phase]} | ${fmt(phase.deliveryRatio * 100, 1)}% | ${fmt(phase.p50Ms, 2)} | ${fmt(phase.p99Ms, 2)} | ${fmt(phase.maxMs, 1)} | ${fmt(phase.serverCpuPercent, 0)} | ` +
        (flooder
          ? `${int(flooder.sentPerSecond)} | ${int(flooder.rateLimited)} | ${int(flooder.accepted)} | ${other} | ${flooder.reconnects} | ${fmt(phase.recoverySeconds ?? NaN, 1)} |`
          : ' |  |  |  |  |  |') +
        ` ${refused || 'none'} |`,
    );
  }
  for (const ratio of flood.ratios) {
    push(
      `| *${ratio.phase} / calm* |  | ${times(ratio.p50)} | ${times(ratio.p99)} |  |  |  |  |  |  |  |  |  |`,
    );
  }
  push('');
  const errors = flood.phases.flatMap((phase) =>
    phase.flooder?.firstError ? [`${phase.phase}: ${phase.flooder.firstError}`] : [],
  );
  if (errors.length) push(`Flooder connection errors: ${errors.join('; ')}.`, '');
}

const COLORS: Record<ServerKind, string> = {
  parley: '#2563eb',
  socketio: '#dc2626',
  ws: '#16a34a',
};

/** p99 latency (log scale) against clients (log scale), one line per server. */
export function p99Chart(report: BenchReport): string {
  const width = 760;
  const height = 440;
  const margin = { left: 70, right: 170, top: 50, bottom: 60 };
  const plotWidth = width - margin.left - margin.right;
  const plotHeight = height - margin.top - margin.bottom;
  const steps = report.broadcast.steps;
  const clients = steps.map((step) => step.clients);
  const values = steps.flatMap((step) =>
    SERVER_KINDS.map((kind) => step.servers[kind]?.p99Ms).filter(
      (value): value is number => value !== undefined && Number.isFinite(value) && value > 0,
    ),
  );
  const xMin = Math.min(...clients) / 1.3;
  const xMax = Math.max(...clients) * 1.3;
  const yMin = 10 ** Math.floor(Math.log10(Math.min(1, ...values)));
  const yMax = 10 ** Math.ceil(Math.log10(Math.max(P99_LIMIT_MS * 2, ...values)));
  const px = (value: number) =>
    margin.left +
    ((Math.log10(value) - Math.log10(xMin)) / (Math.log10(xMax) - Math.log10(xMin))) * plotWidth;
  const py = (value: number) =>
    margin.top +
    plotHeight -
    ((Math.log10(value) - Math.log10(yMin)) / (Math.log10(yMax) - Math.log10(yMin))) * plotHeight;
  const svg: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${margin.left}" y="24" font-size="15" font-weight="600">p99 broadcast latency against clients in one room</text>`,
    `<text x="${margin.left}" y="40" fill="#555">${report.broadcast.senders} senders × ${report.broadcast.ratePerSender} msg/s${(report.broadcast.repetitions ?? 1) > 1 ? ` · medians of ${report.broadcast.repetitions} repetitions` : ''} · ${report.startedAt}</text>`,
  ];
  for (let decade = yMin; decade <= yMax; decade *= 10) {
    const y = py(decade).toFixed(1);
    svg.push(
      `<line x1="${margin.left}" x2="${margin.left + plotWidth}" y1="${y}" y2="${y}" stroke="#e5e7eb"/>`,
      `<text x="${margin.left - 8}" y="${y}" text-anchor="end" dominant-baseline="middle">${decade >= 1 ? decade : decade.toString()} ms</text>`,
    );
  }
  for (const count of clients) {
    const xPos = px(count).toFixed(1);
    svg.push(
      `<line x1="${xPos}" x2="${xPos}" y1="${margin.top}" y2="${margin.top + plotHeight}" stroke="#f0f0f0"/>`,
      `<text x="${xPos}" y="${margin.top + plotHeight + 18}" text-anchor="middle">${count}</text>`,
    );
  }
  const limitY = py(P99_LIMIT_MS).toFixed(1);
  svg.push(
    `<line x1="${margin.left}" x2="${margin.left + plotWidth}" y1="${limitY}" y2="${limitY}" stroke="#6b7280" stroke-dasharray="6 4"/>`,
    `<text x="${margin.left + plotWidth - 4}" y="${Number(limitY) - 6}" text-anchor="end" fill="#6b7280">100 ms</text>`,
    `<rect x="${margin.left}" y="${margin.top}" width="${plotWidth}" height="${plotHeight}" fill="none" stroke="#9ca3af"/>`,
    `<text x="${margin.left + plotWidth / 2}" y="${height - 16}" text-anchor="middle">clients in the room (log scale)</text>`,
    `<text transform="translate(18 ${margin.top + plotHeight / 2}) rotate(-90)" text-anchor="middle">p99 latency (log scale)</text>`,
  );
  SERVER_KINDS.forEach((kind, index) => {
    const points = steps
      .map((step) => [step.clients, step.servers[kind]?.p99Ms] as const)
      .filter(
        (point): point is readonly [number, number] => point[1] !== undefined && point[1] > 0,
      );
    if (points.length === 0) return;
    const path = points
      .map(([count, p99]) => `${px(count).toFixed(1)},${py(p99).toFixed(1)}`)
      .join(' ');
    svg.push(`<polyline points="${path}" fill="none" stroke="${COLORS[kind]}" stroke-width="2"/>`);
    for (const [count, p99] of points) {
      svg.push(
        `<circle cx="${px(count).toFixed(1)}" cy="${py(p99).toFixed(1)}" r="3.5" fill="${COLORS[kind]}"><title>${SERVER_LABELS[kind]}, ${count} clients: p99 ${fmt(p99, 2)} ms</title></circle>`,
      );
    }
    const legendY = margin.top + 12 + index * 20;
    const legendX = margin.left + plotWidth + 16;
    svg.push(
      `<line x1="${legendX}" x2="${legendX + 22}" y1="${legendY}" y2="${legendY}" stroke="${COLORS[kind]}" stroke-width="2"/>`,
      `<text x="${legendX + 28}" y="${legendY}" dominant-baseline="middle">${SERVER_LABELS[kind]}</text>`,
    );
  });
  svg.push('</svg>');
  return `${svg.join('\n')}\n`;
}

function pushGuessing(push: (...more: string[]) => void, guessing: GuessingFigures): void {
  push(
    `## Passphrase guessing: ${guessing.calmClients} joined clients, ${guessing.guessers} guessing addresses`,
    '',
    'Parley with a passphrase, the per-address limits applied on loopback too. The joined clients (from the ' +
      'exempt 127.0.0.1) each send a message a second and time its acknowledgement (stored and fsynced); in the ' +
      `guessing phase ${guessing.guessers} connections, each from an address of its own, send wrong passphrases ` +
      `one after another for ${guessing.seconds} s. The server checks one passphrase at a time, on a thread of ` +
      'its own at the lowest CPU priority (nice 19 on Linux).' +
      (guessing.repetitions && guessing.repetitions.length > 1
        ? ` It ran ${guessing.repetitions.length} times, each on a fresh server (one remembers the addresses ` +
          "that guessed): figures are each phase's medians, ratios the median of the repetitions' ratios, " +
          'with their smallest–largest in brackets.'
        : ''),
    '',
    "| phase | acknowledged | p50 ms | p99 ms | max ms | server CPU % | guessers' replies |",
    '|---|---:|---:|---:|---:|---:|---|',
    ...guessing.phases.map((phase) => {
      const replies = phase.guesses
        ? Object.entries(phase.guesses)
            .map(([code, count]) => `${code}×${int(count)}`)
            .join(', ') || 'none'
        : '';
      return `| ${phase.phase} | ${int(phase.acked)} | ${fmt(phase.p50Ms, 2)} | ${fmt(phase.p99Ms, 2)} | ${fmt(phase.maxMs, 2)} | ${fmt(phase.serverCpuPercent, 0)} | ${replies} |`;
    }),
    `| *guessing / calm* |  | ${ratioWithSpread(guessing.ratios.p50, guessing.spread?.p50)} | ${ratioWithSpread(guessing.ratios.p99, guessing.spread?.p99)} |  |  |  |`,
    '',
  );
}
