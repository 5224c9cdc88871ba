/**
 * When a measurement counts: the load generator must have had headroom, or what was measured may
 * be the generator rather than the server. One rule for the broadcast ramp's steps (report.ts)
 * and the saturation search's (saturation.ts): a measurement is not valid when the generator used
 * over 70 % of its cores, or when its event loop lagged by more than a quarter of the p99 latency
 * it reports (at least 5 ms) — a lag that large is part of every latency it timed.
 */
import { availableParallelism } from 'node:os';

/** The most CPU the generator may use, % of each of its cores. */
export const GENERATOR_CPU_LIMIT = 70;
/** The generator's loop delay p99 may be at most this share of the p99 it reports… */
const LOOP_DELAY_SHARE = 1 / 4;
/** …or this many ms, whichever is larger (a few ms of lag is noise beside any p99). */
const LOOP_DELAY_FLOOR_MS = 5;

export interface GeneratorReading {
  generatorCpuPercent: number;
  generatorLoopDelayP99Ms: number;
  p99Ms: number;
}

/**
 * Why the generator had no headroom in a measurement (a short phrase for the report), or null
 * when it had.
 */
export function noHeadroom(figures: GeneratorReading, generatorCores: number): string | null {
  const reasons: string[] = [];
  const cpuLimit = GENERATOR_CPU_LIMIT * generatorCores;
  if (!(figures.generatorCpuPercent <= cpuLimit)) {
    reasons.push(
      `generator at ${figures.generatorCpuPercent.toFixed(0)} % CPU (limit ${cpuLimit} %)`,
    );
  }
  const lagLimit = Math.max(LOOP_DELAY_FLOOR_MS, figures.p99Ms * LOOP_DELAY_SHARE);
  if (!(figures.generatorLoopDelayP99Ms <= lagLimit)) {
    reasons.push(
      `generator loop delay p99 ${figures.generatorLoopDelayP99Ms.toFixed(1)} ms ` +
        `(limit ${lagLimit.toFixed(1)} ms against p99 ${figures.p99Ms.toFixed(1)} ms)`,
    );
  }
  return reasons.length ? reasons.join(', ') : null;
}

/** How many cores a taskset list names ("1", "1-3", "1,3"); unpinned: all but one. */
export function coreCount(list: string | null): number {
  if (list === null) return Math.max(1, availableParallelism() - 1);
  return list.split(',').reduce((sum, part) => {
    const [from, to] = part.split('-').map(Number);
    return sum + (to === undefined ? 1 : to - from! + 1);
  }, 0);
}
