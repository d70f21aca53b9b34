import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';

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
  {
    files: ['src-main/engine/**', 'src-main/store/**', 'src-main/export/**', 'src-main/api/**', 'src-main/serve/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: ['electron', '**/src-renderer/**', '**/desktop/**'] }] },
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
