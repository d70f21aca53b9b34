// Session store speed: metric inserts and the down-sampled query a chart makes of a long series.
// `npx tsx bench/store.bench.ts` (or `npm run bench store`). Prints numbers and PASS/MISS per target.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { MetricPoint } from '../shared/schemas/records';
import { openStore } from '../src-main/store';

const POINTS = 1_000_000;
const BATCH = 1000;
const MAX_POINTS = 10_000;
const QUERY_REPEATS = 9;
const TARGET_INSERT_PER_S = 500_000;
const TARGET_QUERY_MS = 50;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function verdict(ok: boolean): string {
  return ok ? 'PASS' : 'MISS';
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bl-store-bench-'));
try {
  const store = openStore({ path: path.join(dir, 'bench.sqlite') });
  const session = store.sessions.create({ name: 'bench' });
  const experiment = store.experiments.create(session.id, {
    schemaVersion: 1,
    name: 'bench',
    description: '',
    dataset: { name: 'synthetic', validationFraction: 0.1 },
    network: { hidden: [{ units: 8, activation: 'relu' }], output: 'linear' },
    rules: [{ rule: 'dfa', params: {} }],
    seeds: [1],
    epochs: 1,
    batchSize: 1,
  });
  const run = store.runs.create({ experimentId: experiment.id, rule: 'dfa', seed: 1, status: 'running' });

  // A noisy decaying loss with rare spikes, built before timing so that only the store is measured.
  const batches: MetricPoint[][] = [];
  for (let start = 0; start < POINTS; start += BATCH) {
    const batch: MetricPoint[] = new Array<MetricPoint>(BATCH);
    for (let i = 0; i < BATCH; i++) {
      const step = start + i;
      const spike = step % 99_991 === 0 ? 10 : 0;
      batch[i] = { step, epoch: step / 60_000, split: 'train', name: 'loss', value: 2 / Math.sqrt(1 + step / 1000) + Math.sin(step) * 0.01 + spike };
    }
    batches.push(batch);
  }

  const insertStart = performance.now();
  for (const batch of batches) store.metrics.insert(run.id, batch);
  const insertSeconds = (performance.now() - insertStart) / 1000;
  const perSecond = POINTS / insertSeconds;

  const times: number[] = [];
  let points = 0;
  let total = 0;
  for (let i = 0; i < QUERY_REPEATS; i++) {
    const t0 = performance.now();
    const series = store.metrics.series({ runId: run.id, name: 'loss', split: 'train', maxPoints: MAX_POINTS });
    times.push(performance.now() - t0);
    points = series.points.length;
    total = series.total;
  }
  const queryMs = median(times);
  const fileMb = fs.statSync(path.join(dir, 'bench.sqlite')).size / 2 ** 20;
  store.close();

  console.log(`insert: ${POINTS.toLocaleString('en')} points in batches of ${BATCH} took ${insertSeconds.toFixed(2)} s`);
  console.log(
    `insert: ${Math.round(perSecond).toLocaleString('en')} points/s (target ≥ ${TARGET_INSERT_PER_S.toLocaleString('en')}) ${verdict(perSecond >= TARGET_INSERT_PER_S)}`,
  );
  console.log(`query: ${MAX_POINTS.toLocaleString('en')}-point view of ${total.toLocaleString('en')} points returned ${points} points`);
  console.log(
    `query: median ${queryMs.toFixed(2)} ms over ${QUERY_REPEATS} runs (min ${Math.min(...times).toFixed(2)}, max ${Math.max(...times).toFixed(2)}; target < ${TARGET_QUERY_MS} ms) ${verdict(queryMs < TARGET_QUERY_MS)}`,
  );
  console.log(`file: ${fileMb.toFixed(1)} MiB after close`);
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
