import { defineConfig } from 'vitest/config';

// Unit and integration tests of shared, server and client code, against real Socket.IO servers
// on loopback. The UI and the desktop app are tested by Playwright (playwright.config.ts).
export default defineConfig({
  test: {
    include: ['src/**/*.spec.ts', 'tests/integration/**/*.spec.ts'],
    environment: 'node',
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
