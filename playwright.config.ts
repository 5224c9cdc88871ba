// Playwright: the web client in Chromium against a real `parley serve` (project "web"), the
// desktop renderer in Chromium with a stand-in preload (project "renderer"), and the desktop app
// through Playwright's Electron support (project "desktop"). Run after `npm run build`.
import { existsSync } from 'node:fs';
import { chromium, defineConfig, type LaunchOptions } from '@playwright/test';

const SYSTEM_CHROMIUM = '/usr/bin/chromium';
const SYSTEM_CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** Projects named on the command line (`--project web`, `--project=web`); empty means all. */
function requestedProjects(argv: readonly string[]): string[] {
  return argv.flatMap((arg, index) => {
    if (arg.startsWith('--project=')) return [arg.slice('--project='.length)];
    if (arg === '--project' && argv[index + 1]) return [argv[index + 1]!];
    return [];
  });
}

function playwrightChromium(): string | null {
  try {
    const path = chromium.executablePath();
    return existsSync(path) ? path : null;
  } catch {
    return null;
  }
}

/**
 * Playwright's own Chromium where it is installed; else the system's (PARLEY_CHROMIUM overrides
 * the path). The system build runs without Playwright's patches, hence the extra switches.
 */
function chromiumLaunchOptions(): LaunchOptions {
  const override = process.env.PARLEY_CHROMIUM;
  if (!override && playwrightChromium()) return {};
  const executablePath = override || SYSTEM_CHROMIUM;
  if (existsSync(executablePath)) return { executablePath, args: SYSTEM_CHROMIUM_ARGS };

  const message = [
    override
      ? `PARLEY_CHROMIUM points to ${override}, which does not exist.`
      : `No Chromium found: neither Playwright's own nor ${SYSTEM_CHROMIUM}.`,
    'Install one: `npx playwright install chromium`, or `apt-get install -y chromium` (Debian),',
    'or set PARLEY_CHROMIUM to a Chromium/Chrome executable.',
  ].join('\n');
  const projects = requestedProjects(process.argv);
  // Only the web and renderer tests need a browser: a desktop-only run must not fail for want of one.
  if (projects.length === 0 || projects.includes('web') || projects.includes('renderer')) {
    throw new Error(message);
  }
  return { executablePath };
}

export default defineConfig({
  reporter: 'list',
  retries: 0,
  workers: 2,
  fullyParallel: false,
  forbidOnly: Boolean(process.env.CI),
  timeout: 45_000,
  expect: { timeout: 10_000 },
  outputDir: 'test-results',
  use: {
    trace: 'retain-on-failure',
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
