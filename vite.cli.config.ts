// Builds the headless server's CLI (`parley serve`) into out/cli, beside out/web which it serves.
// Dependencies stay external: they are installed with the package.
import { builtinModules } from 'node:module';
import { resolve } from 'node:path';
import { defineConfig } from 'vite';
import pkg from './package.json' with { type: 'json' };

const external = [
  ...builtinModules,
  ...builtinModules.map((name) => `node:${name}`),
  ...Object.keys(pkg.dependencies),
].map((name) => new RegExp(`^${name.replace(/[/.]/g, '\\$&')}(/.*)?$`));

export default defineConfig({
  build: {
    ssr: true,
    target: 'node20',
    outDir: resolve('out/cli'),
    emptyOutDir: true,
    rollupOptions: {
      input: { index: resolve('src/server/cli.ts') },
      output: { format: 'es', entryFileNames: '[name].js' },
      external,
    },
  },
});
