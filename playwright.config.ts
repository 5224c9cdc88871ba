// Playwright: the web client in Chromium against a real `parley serve` (project "web"), the
// desktop renderer in Chromium with a stand-in preload (project "renderer"), and the desktop app
// through Playwright's Electron support (project "desktop"). Run after `npm run build`.
import { defineConfig, type LaunchOptions } from '@playwright/test';
import { findChromium, HOW_TO_GET_ONE, SYSTEM_CHROMIUM_ARGS } from './scripts/chromium.mjs';

/** Projects named on the command line (`--project web`, `--project=web`); empty means all. */
function requestedProjects(argv: readonly string[]): string[] {
  return argv.flatMap((arg, index) => {
    if (arg.startsWith('--project=')) return [arg.slice('--project='.length)];
    if (arg === '--project' && argv[index + 1]) return [argv[index + 1]!];
    return [];
  });
}

/**
 * The Chromium of scripts/chromium.mjs (which `npm test` runs first, installing one when there is
 * none): Playwright's own, else the system's with the switches it needs.
 */
function chromiumLaunchOptions(): LaunchOptions {
  const found = findChromium();
  if (found.path)
    return found.own ? {} : { executablePath: found.path, args: SYSTEM_CHROMIUM_ARGS };
  const projects = requestedProjects(process.argv);
  // Only the web and renderer tests need a browser: a desktop-only run must not fail for want of one.
  if (projects.length === 0 || projects.includes('web') || projects.includes('renderer')) {
    throw new Error(`${found.problem}\n${HOW_TO_GET_ONE}`);
  }
  return {};
}

export default defineConfig({
  reporter: 'list',
  retries: 0,
  workers: 2,
  fullyParallel: false,
  forbidOnly: Boolean(process.env.CI),
  // Hang guards, not speed checks: a flow of two browsers that takes 10 s on a quiet machine takes
  // 45 s on two cores with one kept busy by another process (what `npm test` must survive).
  timeout: 120_000,
  expect: { timeout: 20_000 },
  outputDir: 'test-results',
  use: {
    // A trace of every test costs each one CPU; CI keeps none (nobody can open them there).
    trace: process.env.CI ? 'off' : 'retain-on-failure',
  },
  projects: [
    {
      name: 'web',
      testDir: 'tests/e2e/web',
      use: {
        browserName: 'chromium',
        launchOptions: chromiumLaunchOptions(),
      },
    },
    {
      // The built desktop renderer in Chromium, with a test double for the preload (Electron
      // cannot run everywhere); the real bridge is the "desktop" project's.
      name: 'renderer',
      testDir: 'tests/e2e/renderer',
      use: {
        browserName: 'chromium',
        launchOptions: chromiumLaunchOptions(),
      },
    },
    {
      name: 'desktop',
      testDir: 'tests/e2e/desktop',
    },
  ],
});
