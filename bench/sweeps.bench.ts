// Sweeps on one machine: `npm run bench sweeps` (not in CI; a few minutes on 2 cores).
// 1. Scheduling overhead per run: 100 short runs through one slot, each measured from the moment it could start
//    (queued, and the run before it ended) to its first training step stored (the first metrics batch): process
//    start, engine build and the first read, which is what a sweep of short runs pays per run.
// 2. Throughput with 1, 2 and 4 slots: the same 12 runs (a little longer) each time, runs per minute.
// Training processes are the built entry (out/main/training-process.js, after `npx electron-vite build --config
// electron.config.ts`) when there is one, else the TypeScript source under tsx, which adds its compile time to
// every start; the output says which. Threads per run: 1.
//
// `npx tsx bench/sweeps.bench.ts [--runs N] [--throughput-runs N] [--skip-overhead]`
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ApiEvent } from '../shared/api/events';
import type { ExperimentSpecInput } from '../shared/schemas/experiment';
import { expandSweep } from '../shared/sweeps';
import { EventBus } from '../src-main/api/event-bus';
import { forkLauncher } from '../src-main/runs/fork-launcher';
import { RunManager } from '../src-main/runs/run-manager';
import { openStore } from '../src-main/store';

const argument = (name: string, fallback: number) => {
  const at = process.argv.indexOf(name);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
};

const BUILT = fileURLToPath(new URL('../out/main/training-process.js', import.meta.url));
const SOURCE = fileURLToPath(new URL('../src-main/training-process.ts', import.meta.url));
const built = fs.existsSync(BUILT);
const launch = built ? forkLauncher({ entry: BUILT }) : forkLauncher({ entry: SOURCE, execArgv: ['--import', 'tsx'] });

function experiment(epochs: number, seeds: number[]): ExperimentSpecInput {
  return {
    name: 'bench sweep',
    dataset: { name: 'gaussian-mixture', trainSubset: 300, validationFraction: 0.1 },
    network: { hidden: [{ units: 16, activation: 'tanh' }] },
    rules: [{ rule: 'bp' }],
    seeds,
    epochs,
    batchSize: 16,
    monitoring: { readEvery: 5, diagnosticsEvery: 0, checkpointEvery: 0 },
  };
}

interface Timeline {
  queuedAt: number;
  ended: Map<number, number>;
  firstStep: Map<number, number>;
  order: number[];
  wallMs: number;
}

/** Trains a sweep with `slots` slots in a fresh data folder; the time of each run's first step and end. */
async function trainSweep(slots: number, epochs: number, seeds: number[]): Promise<Timeline> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bl-bench-sweeps-'));
  const store = openStore({ path: path.join(dir, 'lab.sqlite') });
  const bus = new EventBus();
  const ended = new Map<number, number>();
  const firstStep = new Map<number, number>();
  bus.listen((event: ApiEvent) => {
    if (event.type === 'metrics.batch' && !firstStep.has(event.runId)) firstStep.set(event.runId, performance.now());
    if (event.type === 'run.status' && event.run.status === 'completed') ended.set(event.run.id, performance.now());
  });
  const manager = new RunManager({ store, bus, dataDir: dir, backend: 'cpu', threads: 1, slots, launch });
  try {
    const expanded = expandSweep({ experiment: experiment(epochs, seeds) });
    if (!expanded.ok) throw new Error(JSON.stringify(expanded.issues));
    const session = store.sessions.create({ name: 'bench' });
    const queuedAt = performance.now();
    const runs = expanded.points.flatMap((p) =>
      manager.startExperiment(store.experiments.create(session.id, p.spec).id, 'cpu', p.values),
    );
    await manager.whenIdle();
    const wallMs = performance.now() - queuedAt;
    const failed = runs.filter((r) => store.runs.get(r.id)!.status !== 'completed');
    if (failed.length > 0)
      throw new Error(`${failed.length} runs did not complete: ${store.runs.get(failed[0]!.id)!.error}`);
    return { queuedAt, ended, firstStep, order: runs.map((r) => r.id), wallMs };
  } finally {
    await manager.shutdown();
    store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

const overheadRuns = argument('--runs', 100);
const throughputRuns = argument('--throughput-runs', 12);
console.log(
  `machine: ${os.cpus()[0]?.model ?? '?'} × ${os.availableParallelism()} logical cores; training processes: ` +
    (built ? 'built (out/main/training-process.js)' : 'TypeScript sources under tsx (build first for lower numbers)'),
);

// 1. Overhead per run through one slot.
if (!process.argv.includes('--skip-overhead')) await overhead();
async function overhead(): Promise<void> {
  const serial = await trainSweep(
    1,
    1,
    Array.from({ length: overheadRuns }, (_, i) => i + 1),
  );
  const overheads = serial.order.map((id, i) => {
    const ready = i === 0 ? serial.queuedAt : serial.ended.get(serial.order[i - 1]!)!;
    return serial.firstStep.get(id)! - ready;
  });
  console.log(
    `scheduling overhead, queue to first step (${overheadRuns} runs, 1 slot): median ${quantile(overheads, 0.5).toFixed(0)} ms, ` +
      `p90 ${quantile(overheads, 0.9).toFixed(0)} ms, max ${Math.max(...overheads).toFixed(0)} ms; ` +
      `${(serial.wallMs / overheadRuns).toFixed(0)} ms per run in all`,
  );
}

// 2. Throughput by slots.
for (const slots of [1, 2, 4]) {
  const timeline = await trainSweep(
    slots,
    20,
    Array.from({ length: throughputRuns }, (_, i) => i + 1),
  );
  console.log(
    `${slots} slot${slots > 1 ? 's' : ''}: ${throughputRuns} runs (20 epochs of 270 samples each) in ` +
      `${(timeline.wallMs / 1000).toFixed(1)} s, ${((60_000 * throughputRuns) / timeline.wallMs).toFixed(1)} runs/min`,
  );
}
