// Session store speed: metric inserts and the down-sampled query a chart makes of a long series.
// `npx tsx bench/store.bench.ts` (or `npm run bench store`). Prints numbers and PASS/MISS per target.
//
// Each round writes a fresh database in a temporary folder. On a shared machine other processes take
// turns on the CPU, so the best of the rounds is the store's own speed; every round is printed, with the
// CPU time this process used and the load average, so that a slow round can be told from a slow store.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { median } from '../shared/analysis/stats';
import { ExperimentSpec } from '../shared/schemas/experiment';
import type { MetricPoint } from '../shared/schemas/records';
import { openStore } from '../src-main/store';

const POINTS = 1_000_000;
const BATCH = 1000;
const MAX_POINTS = 10_000;
const ROUNDS = 3;
const QUERIES_PER_ROUND = 9;
const TARGET_INSERT_PER_S = 500_000;
const TARGET_QUERY_MS = 50;

const fmt = (n: number) => Math.round(n).toLocaleString('en');

/** A noisy decaying loss with a spike every ~100k steps, built before timing so that only the store is measured. */
function makeBatches(): MetricPoint[][] {
  const batches: MetricPoint[][] = [];
  for (let start = 0; start < POINTS; start += BATCH) {
    const batch = new Array<MetricPoint>(BATCH);
    for (let i = 0; i < BATCH; i++) {
      const step = start + i;
      const value = 2 / Math.sqrt(1 + step / 1000) + Math.sin(step) * 0.01 + (step % 99_991 === 0 ? 10 : 0);
      batch[i] = { step, epoch: step / 60_000, split: 'train', name: 'loss', value };
    }
    batches.push(batch);
  }
  return batches;
}

interface Round {
  insertPerS: number;
  insertPerCpuS: number;
  queryMs: number[];
  returned: number;
  total: number;
  fileMiB: number;
}

function round(batches: readonly MetricPoint[][]): Round {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bl-store-bench-'));
  const file = path.join(dir, 'bench.sqlite');
  try {
    const store = openStore({ path: file });
    const session = store.sessions.create({ name: 'bench' });
    const experiment = store.experiments.create(
      session.id,
      ExperimentSpec.parse({
        name: 'bench',
        dataset: { name: 'synthetic' },
        network: { hidden: [{ units: 8 }] },
        rules: [{ rule: 'dfa' }],
        seeds: [1],
        epochs: 1,
        batchSize: 1,
      }),
    );
    const run = store.runs.create({ experimentId: experiment.id, rule: 'dfa', seed: 1, status: 'running' });

    const started = performance.now();
    const cpuStarted = process.cpuUsage();
    for (const batch of batches) store.metrics.insert(run.id, batch);
    const cpu = process.cpuUsage(cpuStarted);
    const seconds = (performance.now() - started) / 1000;

    const queryMs: number[] = [];
    let returned = 0;
    let total = 0;
    for (let i = 0; i < QUERIES_PER_ROUND; i++) {
      const t0 = performance.now();
      const series = store.metrics.series({ runId: run.id, name: 'loss', split: 'train', maxPoints: MAX_POINTS });
      queryMs.push(performance.now() - t0);
      returned = series.points.length;
      total = series.total;
    }
    store.close();
    return {
      insertPerS: POINTS / seconds,
      insertPerCpuS: POINTS / ((cpu.user + cpu.system) / 1e6),
      queryMs,
      returned,
      total,
      fileMiB: fs.statSync(file).size / 2 ** 20,
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const batches = makeBatches();
const rounds: Round[] = [];
console.log(`${os.cpus().length} CPUs, ${os.cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}`);
for (let i = 1; i <= ROUNDS; i++) {
  const r = round(batches);
  rounds.push(r);
  console.log(
    `round ${i}: insert ${fmt(r.insertPerS)} points/s (${fmt(r.insertPerCpuS)} per CPU-second); ` +
      `query median ${median(r.queryMs).toFixed(1)} ms; load average ${os.loadavg()[0]!.toFixed(2)}`,
  );
}

const last = rounds.at(-1)!;
const bestInsert = Math.max(...rounds.map((r) => r.insertPerS));
const allQueries = rounds.flatMap((r) => r.queryMs);
const queryMedian = median(allQueries);
console.log(`file: ${last.fileMiB.toFixed(1)} MiB for ${fmt(POINTS)} points (points, summary and the rest)`);
console.log(
  `query: a ${fmt(MAX_POINTS)}-point view of ${fmt(last.total)} points returned ${fmt(last.returned)} points`,
);
console.log(
  `insert: ${fmt(POINTS)} points in batches of ${BATCH}, best of ${ROUNDS} rounds: ${fmt(bestInsert)} points/s ` +
    `(target ≥ ${fmt(TARGET_INSERT_PER_S)}) ${bestInsert >= TARGET_INSERT_PER_S ? 'PASS' : 'MISS'}`,
);
console.log(
  `query: median ${queryMedian.toFixed(1)} ms over ${allQueries.length} queries ` +
    `(min ${Math.min(...allQueries).toFixed(1)}, max ${Math.max(...allQueries).toFixed(1)}; target < ${TARGET_QUERY_MS} ms) ` +
    `${queryMedian < TARGET_QUERY_MS ? 'PASS' : 'MISS'}`,
);
