/**
 * Whether the desktop e2e tests can run here, and why not. They need the Electron binary, which
 * `npm install` does not download (see scripts/ensure-electron.mjs): when it is missing, this runs
 * that script once (it tries electron's own installer) and, if there is still no binary, returns
 * the reason to skip with. On Linux they also need a display (run them under xvfb-run in CI).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const require = createRequire(import.meta.url);

/** The Electron executable Playwright launches (what `require('electron')` names), or null. */
export function findElectronBinary(): string | null {
  try {
    const path = require('electron') as unknown;
    return typeof path === 'string' && existsSync(path) ? path : null;
  } catch {
    // The electron package throws when its binary was never installed (no path.txt).
    return null;
  }
}

// Set in the runner process before it starts the workers, so they neither retry the download
// nor print the reason again.
const TRIED = 'PARLEY_E2E_ELECTRON_INSTALL_TRIED';
const PRINTED = 'PARLEY_E2E_DESKTOP_SKIP_PRINTED';

/** Runs scripts/ensure-electron.mjs once per test run; returns its last words on failure. */
function tryInstall(): string {
  if (process.env[TRIED]) return process.env[TRIED];
  const run = spawnSync(process.execPath, [join(ROOT, 'scripts', 'ensure-electron.mjs')], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 15 * 60 * 1000,
  });
  const said = `${run.stderr ?? ''}`.trim();
  const why = /could not be downloaded \(([^\n]*)\)\./.exec(said)?.[1] ?? (said || 'no output');
  process.env[TRIED] = why;
  return why;
}

/** Why the desktop tests cannot run here, or null when they can. */
function whyNot(): string | null {
  let binary = findElectronBinary();
  let installFailure = '';
  if (!binary) {
    installFailure = tryInstall();
    binary = findElectronBinary();
  }
  if (!binary) {
    return (
      `skipped: no Electron binary (npm install does not download it, and electron's installer ` +
      `failed here: ${installFailure}). To run these tests, get it with "npm run ensure-electron" ` +
      `on a machine that reaches github.com, or set ELECTRON_MIRROR, or point ` +
      `ELECTRON_OVERRIDE_DIST_PATH at an Electron ${electronVersion()} build.`
    );
  }
  if (process.platform === 'linux' && !process.env['DISPLAY'] && !process.env['WAYLAND_DISPLAY']) {
    return 'skipped: no display for Electron (DISPLAY is not set). Run under xvfb-run, e.g. "xvfb-run -a npx playwright test --project desktop".';
  }
  return null;
}

function electronVersion(): string {
  try {
    return (require('electron/package.json') as { version: string }).version;
  } catch {
    return '(same version as the electron package)';
  }
}

export const desktopSkipReason = whyNot();
export const hasElectronBinary = findElectronBinary() !== null;

if (desktopSkipReason && !process.env[PRINTED]) {
  process.env[PRINTED] = '1';
  console.log(`\n[desktop e2e] ${desktopSkipReason}\n`);
}
