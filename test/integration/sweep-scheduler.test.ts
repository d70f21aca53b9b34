import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ExperimentSpecInput } from '../../shared/schemas/experiment';
import type { Run } from '../../shared/schemas/records';
import { expandSweep } from '../../shared/sweeps';
import { EventBus } from '../../src-main/api/event-bus';
import { RunManager, defaultSlots } from '../../src-main/runs/run-manager';
import { openStore } from '../../src-main/store';
import type { Store } from '../../src-main/store/types';
import { testTrainingLauncher } from '../support/training-launcher';
import { removeDir, tempDir } from './store-test-helpers';

/**
 * The scheduler with several slots, on real training processes: a 2-point sweep of 2 rules × 2 seeds (8 short runs)
 * with 3 slots, against the same runs trained one at a time.
 */
const experiment: ExperimentSpecInput = {
  name: 'slots',
  dataset: { name: 'gaussian-mixture', trainSubset: 400, validationFraction: 0.1 },
  network: { hidden: [{ units: 8, activation: 'tanh' }] },
  rules: [{ rule: 'bp' }, { rule: 'dfa' }],
  seeds: [1, 2],
  // Long enough (~100 steps) that three runs started together are still training when the third reports in.
  epochs: 4,
  batchSize: 16,
  monitoring: { readEvery: 5, diagnosticsEvery: 0, checkpointEvery: 0 },
};
const sweep = { experiment, axes: [{ field: 'optimizer.learningRate', values: [0.01, 0.03] }] };

let dir: string;
let store: Store;
let manager: RunManager;
/** The most runs holding a slot at once, sampled at every status change. */
let mostActive: number;

beforeEach(() => {
  dir = tempDir('bl-slots-');
  store = openStore({ path: path.join(dir, 'lab.sqlite') });
  const bus = new EventBus();
  mostActive = 0;
  bus.listen((event) => {
    if (event.type === 'run.status') mostActive = Math.max(mostActive, manager.activeRunIds.length);
  });
  manager = new RunManager({
    store,
    bus,
    dataDir: dir,
    backend: 'cpu',
    threads: 1,
    slots: 3,
    launch: testTrainingLauncher,
  });
});
afterEach(async () => {
  await manager.shutdown();
  store.close();
  removeDir(dir);
});

function startSweep(): Run[] {
  const expanded = expandSweep(sweep);
  if (!expanded.ok) throw new Error(JSON.stringify(expanded.issues));
  const session = store.sessions.create({ name: 'slots' });
  return expanded.points.flatMap((point) =>
    manager.startExperiment(store.experiments.create(session.id, point.spec).id, 'cpu', point.values),
  );
}

/** The most stored [startedAt, endedAt] intervals that overlap at one moment. */
function storedOverlap(runs: Run[]): number {
  const spans = runs.map((r) => store.runs.get(r.id)!).map((r) => [r.startedAt!, r.endedAt!] as const);
  return Math.max(...spans.map(([start]) => spans.filter(([s, e]) => s <= start && start < e).length));
}

function allMetrics(run: Run) {
  return store.metrics.names(run.id).map(({ name, split }) => ({
    name,
    split,
    points: store.metrics.series({ runId: run.id, name, split }).points,
  }));
}

/** Which run of the other batch this one matches: the same point (values), arm and seed. */
const key = (run: Run) => JSON.stringify([store.runs.get(run.id)!.sweepValues, run.environment.arm, run.seed]);

describe('the scheduler', () => {
  it('trains 8 runs 3 at a time, all to completion, with the metrics they have when trained one by one', async () => {
    const parallel = startSweep();
    expect(parallel).toHaveLength(8);
    expect(manager.activeRunIds).toHaveLength(3);
    expect(store.queue.list()).toHaveLength(5);
    await manager.whenIdle();
    expect(parallel.map((r) => store.runs.get(r.id)!.status)).toEqual(Array(8).fill('completed'));
    expect(mostActive).toBe(3);
    // Stored start and end times agree: never more than 3 at once, and they did overlap.
    expect(storedOverlap(parallel)).toBeLessThanOrEqual(3);
    expect(storedOverlap(parallel)).toBeGreaterThanOrEqual(2);

    manager.setSlots(1);
    mostActive = 0;
    const serial = startSweep();
    await manager.whenIdle();
    expect(mostActive).toBe(1);
    expect(storedOverlap(serial)).toBe(1);
    const bySetting = new Map(serial.map((r) => [key(r), r]));
    for (const run of parallel) {
      const twin = bySetting.get(key(run))!;
      const metrics = allMetrics(run);
      expect(metrics.length).toBeGreaterThan(0);
      expect(metrics, key(run)).toEqual(allMetrics(twin));
    }
  }, 240_000);

  it('serves higher priorities first and changes its slots while running', () => {
    manager.setSlots(1);
    const runs = startSweep();
    const last = runs.at(-1)!;
    manager.setPriority(last.id, 10);
    expect(store.queue.list()[0]).toMatchObject({ runId: last.id, priority: 10 });
    expect(() => manager.setPriority(runs[0]!.id, 1)).toThrow(/not queued/);
    manager.setSlots(2);
    expect(manager.activeRunIds).toEqual([runs[0]!.id, last.id]);
    expect(() => manager.setSlots(0)).toThrow(/slots must be a whole number from 1/);
    // The queued ones come off the queue; the two starting are stopped by shutdown after the test.
    for (const { runId } of store.queue.list()) manager.stop(runId);
    expect(store.queue.list()).toEqual([]);
  });

  it('by default runs as many at once as the cores hold at the threads each run uses', () => {
    expect(defaultSlots(undefined, 16)).toBe(1);
    expect(defaultSlots(4, 16)).toBe(4);
    expect(defaultSlots(3, 16)).toBe(5);
    expect(defaultSlots(32, 16)).toBe(1);
  });
});
