// ESLint flat config. Besides the recommended rules, it enforces the runtime folders of
// STYLE.md: shared is pure, server never imports electron nor the desktop's code, desktop is the
// desktop app's Node code (no electron, no DOM), only main/preload import electron, and the
// renderer reaches the rest only through window.parley (types from shared are allowed).
import js from '@eslint/js';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import ts from 'typescript-eslint';
import svelteConfig from './svelte.config.js';

const electron = {
  name: 'electron',
  message: 'Only src/main and src/preload may import electron.',
};
const nodeBuiltins = {
  group: ['node:*'],
  message: 'This folder must run outside Node: no node: modules here.',
};

/** Forbids electron, and `folders` (import patterns) for the reason given; optionally node:*. */
function restrictImports({ folders, because, node = false }) {
  const patterns = [{ group: folders, message: because }];
  if (!node) patterns.unshift(nodeBuiltins);
  return { 'no-restricted-imports': ['error', { paths: [electron], patterns }] };
}

export default ts.config(
  {
    ignores: [
      'out/',
      'dist/',
      'release/',
      'node_modules/',
      'test-results/',
      'playwright-report/',
      'bench/results/',
    ],
  },
  js.configs.recommended,
  ...ts.configs.recommended,
  ...svelte.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: {
      globals: { ...globals.browser },
      parserOptions: {
        projectService: true,
        extraFileExtensions: ['.svelte'],
        parser: ts.parser,
        svelteConfig,
      },
    },
  },
  {
    files: ['src/shared/**/*.ts'],
    ignores: ['src/shared/**/*.spec.ts'],
    rules: restrictImports({
      folders: [
        '../server/*',
        '../client/*',
        '../desktop/*',
        '../main/*',
        '../preload/*',
        '../renderer/*',
      ],
      because: 'src/shared depends on nothing else in src.',
    }),
  },
  {
    files: ['src/server/**/*.ts'],
    rules: restrictImports({
      folders: ['../desktop/*', '../main/*', '../preload/*', '../renderer/*', '../client/*'],
      because:
        'The server runs headless: it must not depend on the desktop app, its shell or the client.',
      node: true,
    }),
  },
  {
    // The desktop app's Node code: everything the main process runs that Node alone can test.
    files: ['src/desktop/**/*.ts'],
    rules: restrictImports({
      folders: ['../main/*', '../preload/*', '../renderer/*'],
      because: 'src/desktop is plain Node: src/main wires it into Electron, not the other way.',
      node: true,
    }),
  },
  {
    files: ['src/client/**/*.ts'],
    ignores: ['src/client/**/*.spec.ts', 'src/client/node/**'],
    languageOptions: { globals: { ...globals.browser } },
    rules: restrictImports({
      folders: ['../server/*', '../desktop/*', '../main/*', '../preload/*', '../renderer/*'],
      because: 'ChatClient is isomorphic: it runs in the browser too.',
    }),
  },
  {
    // The client's Node-only parts (certificate pinning), for the desktop app's main process.
    files: ['src/client/node/**/*.ts'],
    ignores: ['src/client/node/**/*.spec.ts'],
    rules: restrictImports({
      folders: [
        '../../server/*',
        '../../desktop/*',
        '../../main/*',
        '../../preload/*',
        '../../renderer/*',
      ],
      because: 'The client does not depend on the server or the app shell.',
      node: true,
    }),
  },
  {
    files: ['src/renderer/**/*.ts', 'src/renderer/**/*.svelte'],
    languageOptions: { globals: { ...globals.browser } },
    rules: restrictImports({
      folders: ['**/server/*', '**/desktop/*', '**/main/*', '**/preload/*'],
      because: 'The renderer reaches the app only through window.parley.',
    }),
  },
);
