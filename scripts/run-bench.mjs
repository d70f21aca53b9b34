#!/usr/bin/env node
// `npm run bench [name…]`: runs each bench/*.bench.ts (or those whose name contains an argument) in turn.
// Benchmarks print their own numbers and targets; speed is measured here, never asserted in tests.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';

const filters = process.argv.slice(2);
const benches = readdirSync('bench')
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => filters.length === 0 || filters.some((name) => f.includes(name)))
  .sort();
let failed = 0;
for (const file of benches) {
  console.log(`\n=== ${file} ===`);
  const run = spawnSync('npx', ['tsx', `bench/${file}`], { stdio: 'inherit' });
  if (run.status !== 0) failed += 1;
}
if (benches.length === 0) console.log(`no benchmark matches ${filters.join(', ')}`);
process.exit(failed === 0 ? 0 : 1);
