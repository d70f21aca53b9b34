import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import { roomsRule } from './scripts/eslint/rooms.js';

const nodeBuiltins = ['node:*', 'fs', 'path', 'os', 'child_process', 'http', 'crypto', 'worker_threads'];

export default tseslint.config(
  { ignores: ['node_modules/', 'out/', 'release/', 'test-results/', '.carry/', '.gl/', '.tmp/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...svelte.configs['flat/recommended'],
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
    },
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: { parserOptions: { parser: tseslint.parser } },
  },
  {
    files: ['src-renderer/**'],
    languageOptions: { globals: { ...globals.browser } },
  },
  // Dependencies point inward: shared/ is imported by both sides and imports neither Node, Electron nor the DOM.
  {
    files: ['shared/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [...nodeBuiltins, 'electron', '**/src-main/**', '**/src-renderer/**', 'better-sqlite3', 'ws'] },
      ],
    },
  },
  // The rooms of src-main and what each may import (besides itself, shared/ and npm packages): dependencies point
  // inward, so the engine knows nothing of the store, the API, Electron or the UI. '(top)' is src-main's entry
  // files. runs → api is the event bus alone (its type); a broken arrow fails lint, hence CI.
  {
    files: ['src-main/**/*.ts'],
    plugins: { rooms: { rules: { 'allowed-imports': roomsRule } } },
    rules: {
      'rooms/allowed-imports': [
        'error',
        {
          rooms: {
            common: [],
            data: ['common'],
            engine: ['data', 'common'],
            store: ['common'],
            runs: ['engine', 'data', 'store', 'common'],
            export: ['store', 'data', 'common'],
            api: ['runs', 'store', 'data', 'engine', 'common', 'export', 'cluster', '(top)'],
            serve: ['api', 'common'],
            cli: ['api', 'common', 'export', 'cluster'],
            cluster: ['store', 'common', '(top)'],
            desktop: ['api', 'runs', 'store', 'data', 'engine', 'common', 'serve', '(top)'],
          },
          packageHomes: {
            electron: ['desktop'],
            'better-sqlite3': ['store'],
            ws: ['serve'],
            'onnxruntime-node': ['engine'],
            '@tensorflow/*': ['engine'],
          },
          exceptions: { runs: ['src-main/api/event-bus'] },
        },
      ],
    },
  },
  {
    files: ['src-renderer/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [...nodeBuiltins, 'electron', '**/src-main/**', 'better-sqlite3'] },
      ],
    },
  },
);
