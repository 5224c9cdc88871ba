/**
 * The cluster chaos test (issue 16; tests/chaos/chaos.ts with tests/chaos/cluster-deployment.ts):
 * real clients post through a load balancer stand-in (the TCP proxy, round-robin over three
 * `parley serve --database` nodes, skipping a dead one) that keeps cutting their connections,
 * while nodes are SIGKILLed and restarted and PostgreSQL itself is restarted once. At the end
 * every client holds exactly the lobby's log as the database holds it: nothing lost, nothing
 * twice, ids increasing. Inside `npm test` it runs small; `npm run test:cluster` runs it full
 * size (PARLEY_CHAOS_SIZE=full, set by vitest.cluster.config.ts). PARLEY_CHAOS_SEED replays a
 * run's fault schedule.
 */
import { describe, expect, it } from 'vitest';
import { chosenSize, expectNothingLost, runChosen, type ChaosSize } from '../chaos/chaos-spec';
import { cluster } from '../chaos/cluster-deployment';

const NODES = 3;
const SIZES = {
  // Inside `npm test`: 300 messages over 10 s, one node killed, PostgreSQL restarted, two cuts.
  small: {
    clients: 3,
    messagesPerClient: 100,
    postIntervalMs: 100,
    restarts: 1,
    cuts: 2,
    databaseRestarts: 1,
    settleTimeoutMs: 30_000,
  },
  // `npm run test:cluster`: a few thousand messages between five people, four node kills.
  full: {
    clients: 5,
    messagesPerClient: 800,
    postIntervalMs: 30,
    restarts: 4,
    cuts: 12,
    databaseRestarts: 1,
    settleTimeoutMs: 120_000,
  },
} satisfies Record<'small' | 'full', ChaosSize>;

const { name: sizeName, size, seed } = chosenSize(SIZES);
/** PostgreSQL's initdb and start, and each node's first start, may take a while. */
const STARTUP_MS = 120_000;
const timeoutMs =
  size.messagesPerClient * size.postIntervalMs +
  size.settleTimeoutMs +
  (size.restarts + size.databaseRestarts) * 30_000 +
  STARTUP_MS;

describe(`cluster chaos (${sizeName})`, () => {
  it(
    'every client ends with the lobby as the database holds it despite node kills, cuts and a PostgreSQL restart',
    { timeout: timeoutMs },
    async () => {
      const deployment = cluster({ nodes: NODES });
      const report = await runChosen(sizeName, { ...size, seed, deployment });

      // The faults really happened.
      expect(report.nodes).toBe(NODES);
      expect(report.restarts).toBe(size.restarts);
      expect(report.databaseRestarts).toBe(1);
      expect(report.cuts).toBe(size.cuts);
      expect(report.connectionsCut).toBeGreaterThanOrEqual(report.cuts);
      // Each client lost its connection at least once, and came back through the same address.
      for (const rejoins of report.rejoins) expect(rejoins).toBeGreaterThanOrEqual(1);

      expectNothingLost(report, size);
    },
  );
});
