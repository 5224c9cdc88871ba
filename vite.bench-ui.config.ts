// Builds the long-room UI benchmark (bench/ui-scroll.ts and its history writer) into
// out/bench-ui, like the other benchmark. Playwright stays external: a development dependency,
// installed beside it.
import { resolve } from 'node:path';
import { defineConfig } from 'vite';
import { nodeBuild } from './vite.cli.config';

const config = nodeBuild(
  {
    'ui-scroll': resolve('bench/ui-scroll.ts'),
    'ui-prefill': resolve('bench/ui-prefill.ts'),
  },
  'out/bench-ui',
);
const rollupOptions = config.build!.rollupOptions!;
rollupOptions.external = [
  ...(rollupOptions.external as RegExp[]),
  /^@playwright\/test(\/.*)?$/,
  /^playwright-core(\/.*)?$/,
];

export default defineConfig(config);
