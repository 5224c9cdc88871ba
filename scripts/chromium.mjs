#!/usr/bin/env node
/**
 * The Chromium that the browser tests drive, and getting one on a fresh machine: `npm test` runs
 * this first, so that `npm install` and `npm test` are all a new machine needs.
 *
 * Which one: PARLEY_CHROMIUM when set; else Playwright's own Chromium when it is installed; else
 * the system's (/usr/bin/chromium, Debian's `chromium` package). When there is none, it installs
 * Playwright's (`playwright install chromium`), and where that download cannot work (no access to
 * Playwright's CDN) and this is Debian and we are root, Debian's `chromium` with apt-get. Anything
 * else ends with what to do, and exit code 1.
 *
 *   node scripts/chromium.mjs           find or install; print the path; exit 0 when there is one
 *   node scripts/chromium.mjs --check   only find (exit 0 found, 1 not), never install
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

export const SYSTEM_CHROMIUM = '/usr/bin/chromium';

/** Switches the system build needs: it runs without Playwright's patches (and as root in CI). */
export const SYSTEM_CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

const require = createRequire(import.meta.url);

/** Playwright's own Chromium when it is installed, else null. */
function playwrightChromium() {
  try {
    const { chromium } = require('@playwright/test');
    const path = chromium.executablePath();
    return path && existsSync(path) ? path : null;
  } catch {
    return null;
  }
}

/**
 * The Chromium to use: `{ path, own }` (`own`: Playwright's build, which needs no extra switches),
 * or `{ path: null, problem }` when there is none.
 */
export function findChromium() {
  const override = process.env.PARLEY_CHROMIUM;
  if (override) {
    return existsSync(override)
      ? { path: override, own: false }
      : { path: null, problem: `PARLEY_CHROMIUM points to ${override}, which does not exist.` };
  }
  const own = playwrightChromium();
  if (own) return { path: own, own: true };
  if (existsSync(SYSTEM_CHROMIUM)) return { path: SYSTEM_CHROMIUM, own: false };
  return {
    path: null,
    problem: `No Chromium found: neither Playwright's own nor ${SYSTEM_CHROMIUM}.`,
  };
}

export const HOW_TO_GET_ONE = [
  'Install one: `npx playwright install chromium`, or `apt-get install -y chromium` (Debian),',
  'or set PARLEY_CHROMIUM to a Chromium/Chrome executable.',
].join('\n');

function run(command, args, timeoutMs) {
  console.log(`chromium: ${command} ${args.join(' ')}`);
  const result = spawnSync(command, args, { stdio: 'inherit', timeout: timeoutMs });
  return result.status === 0;
}

function isDebianRoot() {
  return (
    process.platform === 'linux' &&
    process.getuid?.() === 0 &&
    existsSync('/etc/debian_version') &&
    spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status === 0
  );
}

/** Finds a Chromium or installs one; returns its path, or null after saying what to do. */
export function ensureChromium() {
  let found = findChromium();
  if (found.path || process.env.PARLEY_CHROMIUM) return found.path;

  const cli = require.resolve('@playwright/test/cli');
  run(process.execPath, [cli, 'install', 'chromium'], 10 * 60_000);
  found = findChromium();
  if (found.path) return found.path;

  if (isDebianRoot()) {
    console.log("chromium: Playwright's download did not work; installing Debian's chromium");
    const env = 'DEBIAN_FRONTEND=noninteractive';
    run('sh', ['-c', `apt-get update -qq && ${env} apt-get install -y -qq chromium`], 15 * 60_000);
    found = findChromium();
    if (found.path) return found.path;
  }
  console.error(`${found.problem}\n${HOW_TO_GET_ONE}`);
  return null;
}

// Run as a command (not when bundled into a benchmark, where import.meta.url is the bundle's).
if (
  import.meta.url.endsWith('/scripts/chromium.mjs') &&
  import.meta.url === pathToFileURL(process.argv[1] ?? '').href
) {
  const path = process.argv.includes('--check') ? findChromium().path : ensureChromium();
  if (path) console.log(`chromium: ${path}`);
  else if (process.argv.includes('--check')) console.error(findChromium().problem);
  process.exit(path ? 0 : 1);
}
