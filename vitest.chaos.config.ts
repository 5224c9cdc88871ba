import { defineConfig } from 'vitest/config';

// `npm run test:chaos`: the chaos test (tests/integration/chaos.spec.ts) at full size — a few
// thousand messages, several SIGKILL restarts, many cuts. `npm test` runs the same spec small.
export default defineConfig({
  test: {
    include: ['tests/integration/chaos.spec.ts'],
    environment: 'node',
    env: { PARLEY_CHAOS_SIZE: 'full' },
    // The spec sets its own timeout from its size; hooks only close clients and processes.
    hookTimeout: 60_000,
  },
});
