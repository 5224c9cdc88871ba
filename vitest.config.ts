import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vitest/config';

// Unit and integration tests of shared, server and client code, against real Socket.IO servers
// on loopback; and the renderer's state classes (runes, compiled by Svelte: `*.svelte.spec.ts`),
// with Svelte's browser runtime, in Node. The UI and the desktop app are tested by Playwright
// (playwright.config.ts).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'node',
          include: ['src/**/*.spec.ts', 'tests/integration/**/*.spec.ts'],
          exclude: ['src/**/*.svelte.spec.ts'],
          environment: 'node',
          testTimeout: 20_000,
          hookTimeout: 20_000,
          // `npm run test:postgres`: the same tests, test servers on the PostgreSQL store.
          ...(process.env['PARLEY_TEST_STORE'] === 'postgres' && {
            globalSetup: ['tests/support/postgres-global-setup.ts'],
          }),
        },
      },
      {
        plugins: [svelte()],
        // Svelte's client runtime (reactivity that updates), not its server rendering.
        resolve: { conditions: ['browser'] },
        test: {
          name: 'runes',
          include: ['src/renderer/**/*.svelte.spec.ts'],
          environment: 'node',
        },
      },
    ],
  },
});
