/**
 * What the chaos specs (tests/integration/chaos.spec.ts, cluster-chaos.spec.ts) share: which size
 * runs (PARLEY_CHAOS_SIZE=full, set by their `npm run` configs; small otherwise) and with which
 * seed (PARLEY_CHAOS_SEED replays a run; a random one otherwise), the run with its timeline
 * printed, and the verdict that every run must meet: nothing lost, nothing twice, everywhere.
 */
import { expect } from 'vitest';
import { runChaos, type ChaosOptions, type ChaosReport } from './chaos';

export type ChaosSize = Omit<ChaosOptions, 'seed' | 'log' | 'deployment'>;

export function chosenSize<Size extends ChaosSize>(sizes: { small: Size; full: Size }) {
  const name: 'small' | 'full' = process.env.PARLEY_CHAOS_SIZE === 'full' ? 'full' : 'small';
  const seed = process.env.PARLEY_CHAOS_SEED
    ? Number(process.env.PARLEY_CHAOS_SEED)
    : Math.floor(Math.random() * 2 ** 31);
  return { name, size: sizes[name], seed };
}

/** Runs the scenario; a small run prints its timeline in one piece at the end, a full one as it goes. */
export async function runChosen(
  name: 'small' | 'full',
  options: ChaosOptions,
): Promise<ChaosReport> {
  expect(
    Number.isInteger(options.seed),
    `PARLEY_CHAOS_SEED must be an integer, not ${options.seed}`,
  ).toBe(true);
  const timeline: string[] = [];
  const log = name === 'full' ? undefined : (line: string) => timeline.push(line);
  try {
    return await runChaos({ ...options, ...(log && { log }) });
  } finally {
    if (timeline.length > 0) console.log(timeline.join('\n'));
  }
}

/** Every message posted is stored once, and every client holds all of them. */
export function expectNothingLost(report: ChaosReport, size: ChaosSize): void {
  expect(report.problems, report.summary).toEqual([]);
  expect(report.sent).toBe(size.clients * size.messagesPerClient);
  expect(report.stored).toBe(report.sent);
  expect(report.received).toEqual(Array(size.clients).fill(report.sent));
  expect(report.lost).toBe(0);
  expect(report.duplicated).toBe(0);
}
