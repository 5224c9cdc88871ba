import { defineConfig } from 'vitest/config';

// `npm run test:cluster`: the cluster chaos test (tests/integration/cluster-chaos.spec.ts) at full
// size — three nodes on one PostgreSQL, a few thousand messages, node kills, many cuts and a
// PostgreSQL restart. `npm test` runs the same spec small.
export default defineConfig({
  test: {
    include: ['tests/integration/cluster-chaos.spec.ts'],
    environment: 'node',
    env: { PARLEY_CHAOS_SIZE: 'full' },
    // The spec sets its own timeout from its size; hooks only close clients and processes.
    hookTimeout: 60_000,
  },
});
