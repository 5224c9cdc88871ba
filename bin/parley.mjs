#!/usr/bin/env node
// `parley` command: runs the bundled CLI (out/cli), building it first when a fresh checkout has
// not been built yet.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const entry = new URL('../out/cli/index.js', import.meta.url);

if (!existsSync(entry)) {
  console.error('Parley is not built yet: running "npm run build" once…');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const build = spawnSync(npm, ['run', 'build'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0 || !existsSync(entry)) {
    console.error('The build failed; see the output above.');
    process.exit(1);
  }
}

const { main } = await import(entry.href);
process.exitCode = await main(process.argv.slice(2));
process.exit();
