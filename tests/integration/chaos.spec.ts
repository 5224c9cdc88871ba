/**
 * The chaos test (tests/chaos/chaos.ts): real clients post through a TCP proxy that keeps cutting
 * their connections, to a real `parley serve` that is killed with SIGKILL and restarted on its
 * data directory; at the end every client holds the identical, complete, ordered log, and the
 * server holds every message once. Inside `npm test` it runs small; `npm run test:chaos` runs it
 * full size (PARLEY_CHAOS_SIZE=full, set by vitest.chaos.config.ts). PARLEY_CHAOS_SEED replays a
 * run's fault schedule.
 */
import { describe, expect, it } from 'vitest';
import { chosenSize, expectNothingLost, runChosen, type ChaosSize } from '../chaos/chaos-spec';

const SIZES = {
  // Inside `npm test`: a few hundred messages, still two kills and a few cuts; well under 60 s.
  small: {
    clients: 3,
    messagesPerClient: 120,
    postIntervalMs: 60,
    restarts: 2,
    cuts: 4,
    diskFullWindows: 1,
    diskFullMs: { min: 1_000, max: 2_000 },
    settleTimeoutMs: 30_000,
  },
  // `npm run test:chaos`: a few thousand messages between five people, three kills, many cuts.
  full: {
    clients: 5,
    messagesPerClient: 800,
    postIntervalMs: 30,
    restarts: 3,
    cuts: 12,
    diskFullWindows: 3,
    diskFullMs: { min: 2_000, max: 4_000 },
    settleTimeoutMs: 120_000,
  },
} satisfies Record<'small' | 'full', ChaosSize>;

const { name: sizeName, size, seed } = chosenSize(SIZES);
const timeoutMs =
  size.messagesPerClient * size.postIntervalMs + size.settleTimeoutMs + size.restarts * 30_000;

describe(`chaos (${sizeName})`, () => {
  it(
    'every client ends with the identical, complete, ordered log despite SIGKILLs and cuts',
    { timeout: timeoutMs + 60_000 },
    async () => {
      const report = await runChosen(sizeName, { ...size, seed });

      // The faults really happened, and reached every client.
      expect(report.restarts).toBeGreaterThanOrEqual(2);
      expect(report.cuts).toBe(size.cuts);
      // Every cut dropped at least one live connection (a cut waits for one).
      expect(report.connectionsCut).toBeGreaterThanOrEqual(report.cuts);
      // Disk-full windows happened where a tmpfs could be mounted, and refused posts (each one
      // retried, so it still counts once below); elsewhere the run said why there were none.
      if (report.diskFullUnavailable === null) {
        expect(report.diskFullWindows).toBe(size.diskFullWindows);
        // (A window that the faults before it pushed past the last post has nothing to refuse.)
        if (report.diskFullWhilePosting > 0) expect(report.storageRefusals).toBeGreaterThan(0);
      } else {
        console.warn(`chaos: ran without disk-full windows: ${report.diskFullUnavailable}`);
      }
      // The faults reached every client: each one rejoined and caught up at least once. (Not
      // once per fault: a client still rejoining when the next fault strikes rejoins once.)
      for (const rejoins of report.rejoins) expect(rejoins).toBeGreaterThanOrEqual(1);

      expectNothingLost(report, size);
    },
  );
});
