// Builds the web client that the chat server serves to browsers: the same Svelte app as the
// desktop renderer, with `window.parley` provided in the page by ChatClient (src/renderer/web.ts).
import { resolve } from 'node:path';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vite';

export default defineConfig({
  root: 'src/renderer',
  base: './',
  plugins: [svelte()],
  build: {
    outDir: resolve('out/web'),
    emptyOutDir: true,
    rollupOptions: { input: { index: resolve('src/renderer/web/index.html') } },
  },
});
