#!/usr/bin/env node
// The project's one test command: build, static checks, then every vitest suite (unit, integration, e2e).
// Ends with "Summary: N passed, N failed" over all of them and exits non-zero on any failure.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';

const args = new Set(process.argv.slice(2));
const results = { passed: 0, failed: 0, skipped: 0 };
const failures = [];

function step(name, command, commandArgs, env = {}) {
  const started = Date.now();
  console.log(`\n▶ ${name}: ${command} ${commandArgs.join(' ')}`);
  const run = spawnSync(command, commandArgs, { stdio: 'inherit', env: { ...process.env, ...env } });
  const ok = run.status === 0;
  console.log(`${ok ? '✔' : '✘'} ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  return ok;
}

function check(name, command, commandArgs) {
  if (step(name, command, commandArgs)) results.passed += 1;
  else {
    results.failed += 1;
    failures.push(name);
  }
}

const built =
  args.has('--no-build') || step('build', 'npx', ['electron-vite', 'build', '--config', 'electron.config.ts']);
if (!built) {
  results.failed += 1;
  failures.push('build');
}
if (!args.has('--no-static')) {
  check('typecheck (main, shared, tests)', 'npx', ['tsc', '--noEmit', '-p', 'tsconfig.json']);
  check('typecheck (renderer, svelte-check)', 'npx', [
    'svelte-check',
    '--tsconfig',
    './tsconfig.web.json',
    '--fail-on-warnings',
  ]);
  check('lint (eslint)', 'npx', ['eslint', '.', '--max-warnings', '0']);
  check('format (prettier)', 'npx', ['prettier', '--check', '.', '--log-level', 'warn']);
}

const report = 'test-results/vitest.json';
mkdirSync('test-results', { recursive: true });
rmSync(report, { force: true });
step('tests (vitest: unit, integration, e2e)', 'npx', [
  'vitest',
  'run',
  '--reporter=default',
  '--reporter=json',
  `--outputFile.json=${report}`,
]);
try {
  const json = JSON.parse(readFileSync(report, 'utf8'));
  results.passed += json.numPassedTests;
  results.failed += json.numFailedTests;
  results.skipped += json.numPendingTests + json.numTodoTests;
  // A suite that fails to load has no tests to count; it still fails the run.
  const brokenFiles = json.testResults.filter((f) => f.status === 'failed' && f.assertionResults.length === 0);
  for (const file of brokenFiles) {
    results.failed += 1;
    failures.push(`suite did not load: ${file.name}`);
  }
  for (const file of json.testResults)
    for (const test of file.assertionResults)
      if (test.status === 'failed') failures.push(`${test.ancestorTitles.join(' › ')} › ${test.title}`);
} catch (error) {
  results.failed += 1;
  failures.push(`vitest produced no report (${error.message})`);
}

if (failures.length) console.log(`\nFailed:\n${failures.map((f) => `  - ${f}`).join('\n')}`);
console.log(`\nSummary: ${results.passed} passed, ${results.failed} failed, ${results.skipped} skipped`);
process.exit(results.failed === 0 ? 0 : 1);
