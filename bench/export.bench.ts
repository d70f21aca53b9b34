// Export speed: 50 runs × 100,000 points streamed from SQLite as tidy CSV.
// `npx tsx bench/export.bench.ts` (or `npm run bench export`). Prints numbers and PASS/MISS per target.
//
// The database is written once through the store's API (not timed); each round exports it to a new file.
// Memory: the peak RSS and heap above the level before the export, sampled every 20 ms (the exporter yields to
// the event loop between pages), for 10 runs and for all 50: flat memory means the two peaks are alike.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ExportRequest } from '../shared/api/contract-export';
import { ExperimentSpec } from '../shared/schemas/experiment';
import type { MetricPoint } from '../shared/schemas/records';
import { exportToFile } from '../src-main/export';
import { openStore } from '../src-main/store';

const RUNS = 50;
const POINTS_PER_RUN = 100_000;
const BATCH = 5000;
const ROUNDS = 3;
const TARGET_ROWS_PER_S = 1_000_000;
const APP = { name: 'broadcast-lab', version: 'bench', versions: {} };

const fmt = (n: number) => Math.round(n).toLocaleString('en');
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bl-export-bench-'));
try {
  const store = openStore({ path: path.join(dir, 'bench.sqlite') });
  const session = store.sessions.create({ name: 'bench' });
  const experiment = store.experiments.create(
    session.id,
    ExperimentSpec.parse({
      name: 'export bench',
      dataset: { name: 'fashion-mnist' },
      network: { hidden: [{ units: 64 }] },
      rules: [{ rule: 'ebd' }, { rule: 'dfa' }],
      seeds: Array.from({ length: RUNS / 2 }, (_, i) => i + 1),
      epochs: 10,
      batchSize: 32,
    }),
  );
  const filling = performance.now();
  const runIds: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const run = store.runs.create({
      experimentId: experiment.id,
      rule: r % 2 === 0 ? 'ebd' : 'dfa',
      seed: Math.floor(r / 2) + 1,
      status: 'completed',
      environment: { arm: r % 2 },
    });
    runIds.push(run.id);
    for (let start = 0; start < POINTS_PER_RUN; start += BATCH) {
      const batch: MetricPoint[] = [];
      for (let step = start; step < start + BATCH; step++) {
        batch.push({
          step,
          epoch: step / 10_000,
          split: 'train',
          name: 'loss',
          value: 2 / Math.sqrt(1 + step) + Math.sin(step * r) * 1e-3,
        });
      }
      // Stamped per batch, as the host stamps each batch it stores, so the wall_time column is filled as in use.
      store.metrics.insert(run.id, batch, Date.UTC(2026, 0, 1) + (r * POINTS_PER_RUN + start) * 10);
    }
  }
  console.log(
    `${os.cpus().length} CPUs, ${os.cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}; ` +
      `load average ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
  );
  console.log(
    `wrote ${fmt(RUNS * POINTS_PER_RUN)} points in ${((performance.now() - filling) / 1000).toFixed(1)} s (not timed below)`,
  );

  const exportRuns = async (ids: number[], file: string) => {
    global.gc?.();
    const baseRss = process.memoryUsage().rss;
    const baseHeap = process.memoryUsage().heapUsed;
    let peakRss = baseRss;
    let peakHeap = baseHeap;
    const sampler = setInterval(() => {
      const m = process.memoryUsage();
      peakRss = Math.max(peakRss, m.rss);
      peakHeap = Math.max(peakHeap, m.heapUsed);
    }, 20);
    const started = performance.now();
    const cpuStarted = process.cpuUsage();
    const written = await exportToFile(
      store,
      ExportRequest.parse({ selection: { kind: 'runs', runIds: ids }, format: 'tidy-csv' }),
      file,
      APP,
    );
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuStarted);
    clearInterval(sampler);
    const rows = ids.length * POINTS_PER_RUN;
    fs.rmSync(file);
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    return {
      rows,
      seconds,
      rowsPerS: rows / seconds,
      rowsPerCpuS: rows / cpuSeconds,
      bytes: written.bytes,
      rss: peakRss - baseRss,
      heap: peakHeap - baseHeap,
    };
  };

  const small = await exportRuns(runIds.slice(0, 10), path.join(dir, 'small.csv'));
  console.log(
    `10 runs: ${fmt(small.rowsPerS)} rows/s; peak above start: RSS ${mib(small.rss)}, heap ${mib(small.heap)}`,
  );
  const rounds = [];
  for (let i = 1; i <= ROUNDS; i++) {
    const r = await exportRuns(runIds, path.join(dir, 'all.csv'));
    rounds.push(r);
    console.log(
      `round ${i}: ${fmt(r.rows)} rows (${mib(r.bytes)}) in ${r.seconds.toFixed(2)} s = ${fmt(r.rowsPerS)} rows/s ` +
        `(${fmt(r.rowsPerCpuS)} per CPU-second); ` +
        `peak above start: RSS ${mib(r.rss)}, heap ${mib(r.heap)}; load average ${os.loadavg()[0]!.toFixed(2)}`,
    );
  }
  store.close();
  const best = Math.max(...rounds.map((r) => r.rowsPerS));
  const bestCpu = Math.max(...rounds.map((r) => r.rowsPerCpuS));
  const worstRss = Math.max(...rounds.map((r) => r.rss));
  console.log(
    `tidy CSV, best of ${ROUNDS}: ${fmt(best)} rows/s (target ≥ ${fmt(TARGET_ROWS_PER_S)}) ${best >= TARGET_ROWS_PER_S ? 'PASS' : 'MISS'}; ` +
      `${fmt(bestCpu)} rows per CPU-second (what one free core would give: on a loaded machine wall time is shared)`,
  );
  // Flat: 5× the points must not take noticeably more memory than 1× (allow 32 MiB of allocator noise).
  const flat = worstRss <= small.rss + 32 * 2 ** 20;
  console.log(
    `memory: peak RSS above start ${mib(worstRss)} for 50 runs vs ${mib(small.rss)} for 10 runs ${flat ? 'PASS (flat)' : 'MISS'}`,
  );
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
