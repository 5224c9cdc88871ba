#!/usr/bin/env node
/**
 * Makes sure the Electron binary is there before a command that needs it (`npm run dev`,
 * `npm start`, `npm run dist`, the desktop e2e tests). `npm install` does not fetch it: the
 * electron package's download script is denied in package.json's "allowScripts", so installing
 * works without access to GitHub. When the binary is missing, this runs the electron package's own
 * installer; when that fails too, it says why and how to fix it, and exits with 1.
 *
 *   node scripts/ensure-electron.mjs           install if needed; exit 0 when the binary is there
 *   node scripts/ensure-electron.mjs --check   only report (exit 0 present, 1 missing), no download
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);

/** The folder of the installed electron npm package, or null when it is not installed. */
export function electronPackageDir() {
  try {
    return dirname(require.resolve('electron/package.json'));
  } catch {
    return null;
  }
}

/**
 * The Electron executable when it exists, else null. Mirrors the electron package's index.js
 * (path.txt names the executable inside dist/, or inside ELECTRON_OVERRIDE_DIST_PATH), without
 * throwing and without require's cache, so it can be asked again after an install.
 */
export function findElectronBinary() {
  const packageDir = electronPackageDir();
  if (!packageDir) return null;
  const pathFile = join(packageDir, 'path.txt');
  const executable = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : null;
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  let binary = null;
  if (override) binary = join(override, executable || defaultExecutableName());
  else if (executable) binary = join(packageDir, 'dist', executable);
  return binary && existsSync(binary) ? binary : null;
}

/**
 * ELECTRON_OVERRIDE_DIST_PATH is honoured by the electron package (Playwright, `npx electron`) but
 * not by electron-vite, so an Electron build given that way is linked in as the package's dist/.
 */
function adoptOverride(packageDir, log) {
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  if (!override || !existsSync(join(override, defaultExecutableName()))) return;
  const dist = join(packageDir, 'dist');
  if (existsSync(dist)) return;
  symlinkSync(resolve(override), dist, 'junction');
  writeFileSync(join(packageDir, 'path.txt'), defaultExecutableName());
  log(`Using the Electron build in ${resolve(override)} (linked as ${dist}).`);
}

function defaultExecutableName() {
  if (process.platform === 'darwin') return 'Electron.app/Contents/MacOS/Electron';
  return process.platform === 'win32' ? 'electron.exe' : 'electron';
}

export const HOW_TO_GET_ELECTRON = `How to fix it, any one of:
  - Give this machine access to github.com, then run "npm run ensure-electron" again.
    Behind a proxy: ELECTRON_GET_USE_PROXY=1 GLOBAL_AGENT_HTTPS_PROXY=http://proxy:port
  - Download from a mirror instead of GitHub:
    ELECTRON_MIRROR=https://npmmirror.com/mirrors/electron/ npm run ensure-electron
  - Use an Electron build of the same version that is already on this machine (a folder holding
    the electron executable): ELECTRON_OVERRIDE_DIST_PATH=/path/to/folder npm run ensure-electron
Everything else works without it: "npm test" (the desktop e2e tests are skipped and say so),
"npx parley serve" and the web client it serves to browsers.`;

/**
 * Installs the binary when it is missing. Returns { ok, binary, message }: message explains a
 * failure in words a person can act on.
 */
export function ensureElectron({ log = console.log } = {}) {
  const packageDir = electronPackageDir();
  if (!packageDir) {
    return {
      ok: false,
      binary: null,
      message: 'The electron package is not installed. Run "npm install" first.',
    };
  }
  adoptOverride(packageDir, log);
  const present = findElectronBinary();
  if (present) return { ok: true, binary: present, message: '' };

  const version = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')).version;
  log(
    `The Electron ${version} binary is not installed yet: downloading it (electron's own installer)…`,
  );
  const installer = spawnSync(process.execPath, [join(packageDir, 'install.js')], {
    cwd: packageDir,
    stdio: ['ignore', 'inherit', 'pipe'],
    encoding: 'utf8',
    timeout: Number(process.env.PARLEY_ELECTRON_INSTALL_TIMEOUT_MS ?? 15 * 60 * 1000),
    // The installer does nothing when this is set; a person asking for the binary wants it.
    env: { ...process.env, ELECTRON_SKIP_BINARY_DOWNLOAD: '' },
  });
  const binary = findElectronBinary();
  if (binary) return { ok: true, binary, message: '' };

  const reason = installer.error
    ? installer.error.message
    : firstLine(installer.stderr) || `the installer exited with code ${installer.status}`;
  return {
    ok: false,
    binary: null,
    message: `The Electron ${version} binary could not be downloaded (${reason}).
Electron's installer downloads it from ${process.env.ELECTRON_MIRROR ?? 'GitHub'}.

${HOW_TO_GET_ELECTRON}`,
  };
}

function firstLine(text) {
  // The installer prints a stack trace; its first line says what went wrong.
  return (
    (text ?? '')
      .split('\n')
      .find((line) => line.trim() !== '')
      ?.trim() ?? ''
  );
}

function main(argv) {
  if (argv.includes('--check')) {
    const binary = findElectronBinary();
    console.log(
      binary ? `Electron binary: ${binary}` : `No Electron binary.\n${HOW_TO_GET_ELECTRON}`,
    );
    return binary ? 0 : 1;
  }
  const result = ensureElectron();
  if (result.ok) return 0;
  console.error(`\n${result.message}\n`);
  return 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = main(process.argv.slice(2));
}
