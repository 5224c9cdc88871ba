// Builds the benchmark (bench/) into out/bench, the same way as the CLI. The runner starts the
// server and load-generator entries as processes of their own. The benchmark's development-only
// packages (ws, the HDR histogram, Playwright) stay external like the dependencies.
import { resolve } from 'node:path';
import { defineConfig } from 'vite';
import { nodeBuild } from './vite.cli.config';

const config = nodeBuild(
  {
    run: resolve('bench/run.ts'),
    'bench-server': resolve('bench/bench-server.ts'),
    'load-worker': resolve('bench/load-worker.ts'),
  },
  process.env.PARLEY_BENCH_BUILD_DIR ?? 'out/bench',
);
const rollupOptions = config.build!.rollupOptions!;
rollupOptions.external = [
  ...(rollupOptions.external as RegExp[]),
  /^ws(\/.*)?$/,
  /^hdr-histogram-js(\/.*)?$/,
  /^@playwright\/test(\/.*)?$/,
  /^playwright-core(\/.*)?$/,
];

export default defineConfig(config);
