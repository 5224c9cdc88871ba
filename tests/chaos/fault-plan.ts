/**
 * When the chaos test strikes: server kills (with how long the server stays down, and in a
 * cluster which node), network cuts, disk-full windows (the disk refuses every write for a
 * while, then has room again) and restarts of the cluster's PostgreSQL, at times
 * drawn from a seeded generator, so that a failing run's schedule can be replayed
 * with the same seed (PARLEY_CHAOS_SEED).
 */
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';

export type Fault =
  /** `node`: which node of a cluster, from 0 (absent for a single server). */
  | { atMs: number; kind: 'restart'; downMs: number; node?: number }
  | { atMs: number; kind: 'cut' }
  | { atMs: number; kind: 'disk-full'; durationMs: number }
  /** PostgreSQL stopped at once and started again (a cluster's database). */
  | { atMs: number; kind: 'database-restart' };

export interface FaultPlanOptions {
  seed: number;
  /** The faults fall inside [0, windowMs): the time during which messages are being posted. */
  windowMs: number;
  restarts: number;
  cuts: number;
  /** How long a killed server stays down before it is started again, ms. */
  downMs: { min: number; max: number };
  /** Disk-full windows (none by default), and how long each one lasts, ms. */
  diskFull?: { count: number; durationMs: { min: number; max: number } };
  /** How many nodes the restarts choose from (default 1: a single server). */
  nodes?: number;
  /** Restarts of the cluster's PostgreSQL (default none). */
  databaseRestarts?: number;
}

/** The faults, in time order. */
export function planFaults(options: FaultPlanOptions): Fault[] {
  const rng = xoroshiro128plus(options.seed);
  const between = (min: number, max: number) => uniformInt(rng, Math.round(min), Math.round(max));
  const faults: Fault[] = [];
  // One restart in each equal slice of the window, away from the slice's edges, so that the
  // restarts never fall together and each one meets messages in flight.
  const slice = options.windowMs / options.restarts;
  for (let n = 0; n < options.restarts; n++) {
    faults.push({
      atMs: between(slice * (n + 0.2), slice * (n + 0.8)),
      kind: 'restart',
      downMs: between(options.downMs.min, options.downMs.max),
    });
  }
  // Cuts anywhere in the window: some land mid-send, some mid-catch-up after a restart.
  for (let n = 0; n < options.cuts; n++) {
    faults.push({ atMs: between(options.windowMs * 0.05, options.windowMs * 0.95), kind: 'cut' });
  }
  // Disk-full windows, drawn after the rest so that a seed from before they existed still gives
  // the same restarts and cuts.
  for (let n = 0; n < (options.diskFull?.count ?? 0); n++) {
    const { min, max } = options.diskFull!.durationMs;
    faults.push({
      // Early, so that the window still meets posts when restarts before it ran long.
      atMs: between(options.windowMs * 0.1, options.windowMs * 0.5),
      kind: 'disk-full',
      durationMs: between(min, max),
    });
  }
  // The cluster's faults last, for the same reason: which node each restart kills, and when
  // PostgreSQL restarts (mid-window, so that posts meet it on both sides).
  const nodes = options.nodes ?? 1;
  if (nodes > 1) {
    for (const fault of faults) if (fault.kind === 'restart') fault.node = between(0, nodes - 1);
  }
  for (let n = 0; n < (options.databaseRestarts ?? 0); n++) {
    faults.push({
      atMs: between(options.windowMs * 0.2, options.windowMs * 0.8),
      kind: 'database-restart',
    });
  }
  return faults.sort((a, b) => a.atMs - b.atMs);
}

export function describeFault(fault: Fault): string {
  switch (fault.kind) {
    case 'restart':
      return `${fault.atMs} ms: SIGKILL${fault.node === undefined ? '' : ` of node ${fault.node + 1}`}, ${fault.downMs} ms down`;
    case 'cut':
      return `${fault.atMs} ms: cut`;
    case 'disk-full':
      return `${fault.atMs} ms: disk full for ${fault.durationMs} ms`;
    case 'database-restart':
      return `${fault.atMs} ms: PostgreSQL restart`;
  }
}
