/**
 * Repeated measurements (issue 17: "each ratio is the median of at least three repetitions, with
 * its spread"). The runner measures the ramp's steps and the join storm several times, the
 * servers interleaved within each repetition (Parley, plain Socket.IO, raw ws, then again), so
 * that a machine drifting during the run — another process waking, a disk flushing, the CPU
 * warming — hits every server alike instead of whichever ran last.
 *
 * Every repetition's figures are kept in the results. What the tables show and the targets judge
 * is the median of each figure per server; a Parley/baseline ratio is the median of the
 * repetitions' ratios (each taken within one repetition, where the two servers ran side by side),
 * shown with its spread: the smallest and the largest of them. The median, not the mean: one
 * disturbed repetition moves a mean but not a median of three.
 *
 * A median of a handful of numbers needs no library; these are small pure functions.
 */

/** The smallest and the largest of a figure's repetitions. */
export interface Spread {
  min: number;
  max: number;
}

/** A spread for each figure of a ratio set. */
export type Spreads<T> = { [K in keyof T]: Spread };

const finite = (values: readonly number[]) =>
  values.filter((value) => Number.isFinite(value)).sort((a, b) => a - b);

/** The median of the finite values (of an even count: the mean of the middle two); NaN if none. */
export function median(values: readonly number[]): number {
  const sorted = finite(values);
  if (sorted.length === 0) return NaN;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** The smallest and the largest finite value; NaN for both if none. */
export function spread(values: readonly number[]): Spread {
  const sorted = finite(values);
  return { min: sorted[0] ?? NaN, max: sorted.at(-1) ?? NaN };
}

/**
 * One figure set made of several repetitions' sets of the same shape: every number is the median
 * of that number over the repetitions, every nested object is made the same way, anything else
 * (a label) is the first repetition's.
 */
export function medianFigures<T extends object>(runs: readonly T[]): T {
  const [first] = runs;
  if (first === undefined) throw new Error('medianFigures: no repetitions');
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(first)) {
    const values = runs.map((run) => (run as Record<string, unknown>)[key]);
    if (typeof value === 'number') {
      result[key] = median(values as number[]);
    } else if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      result[key] = medianFigures(values as object[]);
    } else {
      result[key] = value;
    }
  }
  return result as T;
}

/**
 * The median and the spread of each ratio over the repetitions that have one (a repetition
 * without the baseline gives null); null when none has.
 */
export function medianRatios<T extends { [K in keyof T]: number }>(
  runs: ReadonlyArray<T | null>,
): { median: T; spread: Spreads<T> } | null {
  const present = runs.filter((run): run is T => run !== null);
  const [first] = present;
  if (first === undefined) return null;
  const keys = Object.keys(first) as Array<keyof T>;
  const values = (key: keyof T) => present.map((run) => run[key]);
  return {
    median: Object.fromEntries(keys.map((key) => [key, median(values(key))])) as T,
    spread: Object.fromEntries(keys.map((key) => [key, spread(values(key))])) as Spreads<T>,
  };
}

/** "1.12x (1.05–1.20)": a median ratio with its spread; the spread only when it has one. */
export function ratioWithSpread(value: number, range: Spread | undefined, digits = 2): string {
  if (!Number.isFinite(value)) return '–';
  const shown = `${value.toFixed(digits)}x`;
  if (!range || !Number.isFinite(range.min) || !Number.isFinite(range.max)) return shown;
  return `${shown} (${range.min.toFixed(digits)}–${range.max.toFixed(digits)})`;
}
