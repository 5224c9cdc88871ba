// ESLint flat config. Besides the recommended rules, it enforces the runtime folders of
// STYLE.md: shared is pure, server never imports electron, only main/preload import electron, and
// the renderer reaches the rest only through window.parley (types from shared are allowed).
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
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [electron],
          patterns: [
            nodeBuiltins,
            {
              group: ['../server/*', '../client/*', '../main/*', '../preload/*', '../renderer/*'],
              message: 'src/shared depends on nothing else in src.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/server/**/*.ts', 'src/client/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [electron],
          patterns: [
            {
              group: ['../main/*', '../preload/*', '../renderer/*'],
              message: 'server and client code must not depend on the app shell.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/client/**/*.ts'],
    ignores: ['src/client/**/*.spec.ts'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [electron],
          patterns: [
            nodeBuiltins,
            {
              group: ['../server/*', '../main/*', '../preload/*', '../renderer/*'],
              message: 'ChatClient is isomorphic: it runs in the browser too.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/renderer/**/*.ts', 'src/renderer/**/*.svelte'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [electron],
          patterns: [
            nodeBuiltins,
            {
              group: ['**/server/*', '**/main/*', '**/preload/*'],
              message: 'The renderer reaches the app only through window.parley.',
            },
          ],
        },
      ],
    },
  },
);
