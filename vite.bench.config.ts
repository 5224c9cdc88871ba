// Builds the benchmark (bench/) into out/bench, the same way as the CLI.
import { resolve } from 'node:path';
import { defineConfig } from 'vite';
import { nodeBuild } from './vite.cli.config';

export default defineConfig(
  nodeBuild(
    { broadcast: resolve('bench/broadcast.ts'), 'bench-server': resolve('bench/bench-server.ts') },
    'out/bench',
  ),
);
