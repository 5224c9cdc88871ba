// Builds the headless server's CLI (`parley serve`) into out/cli, beside out/web which it serves.
// Dependencies stay external: they are installed with the package.
import { builtinModules } from 'node:module';
import { resolve } from 'node:path';
import { defineConfig, type UserConfig } from 'vite';
import pkg from './package.json' with { type: 'json' };

const external = [
  ...builtinModules,
  ...builtinModules.map((name) => `node:${name}`),
  ...Object.keys(pkg.dependencies),
].map((name) => new RegExp(`^${name.replace(/[/.]/g, '\\$&')}(/.*)?$`));

/** A Node build of `input` entries into `outDir` (ES modules, dependencies external). */
export function nodeBuild(input: Record<string, string>, outDir: string): UserConfig {
  return {
    build: {
      ssr: true,
      target: 'node20',
      outDir: resolve(outDir),
      emptyOutDir: true,
      rollupOptions: { input, output: { format: 'es', entryFileNames: '[name].js' }, external },
    },
  };
}

export default defineConfig(
  nodeBuild(
    {
      index: resolve('src/server/cli.ts'),
      // Announces or lists rooms on the LAN; the discovery tests run it in a network namespace.
      'discovery-probe': resolve('src/desktop/discovery-probe.ts'),
    },
    'out/cli',
  ),
);
