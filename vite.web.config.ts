// Builds the web client that the chat server serves to browsers: the same Svelte app as the
// desktop renderer, with `window.parley` provided in the page by ChatClient (src/renderer/web/).
// Its root is the web entry's folder, so index.html lands at out/web/index.html.
import { resolve } from 'node:path';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vite';

export default defineConfig({
  root: resolve('src/renderer/web'),
  base: './',
  plugins: [svelte()],
  build: {
    outDir: resolve('out/web'),
    emptyOutDir: true,
    rollupOptions: { input: { index: resolve('src/renderer/web/index.html') } },
  },
});
