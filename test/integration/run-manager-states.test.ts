import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ApiEvent } from '../../shared/api/events';
import { ExperimentSpec, type ExperimentSpecInput } from '../../shared/schemas/experiment';
import type { Run } from '../../shared/schemas/records';
import { EventBus } from '../../src-main/api/event-bus';
import { RunManager } from '../../src-main/runs/run-manager';
import type { TrainingProcess } from '../../src-main/runs/training-channel';
import { openStore } from '../../src-main/store';
import type { Store } from '../../src-main/store/types';
import { testTrainingLauncher } from '../support/training-launcher';
import { removeDir, tempDir } from './store-test-helpers';

/**
 * The run manager's state machine, on a real database file and real training processes (the tiny synthetic
 * 'gaussian-mixture' set): queued → running ⇄ paused → completed | stopped, a training process that dies in
 * each live state, and the queue kept in the store. A host that dies is in run-queue-crash.test.ts.
 */
const base: ExperimentSpecInput = {
  name: 'states',
  dataset: { name: 'gaussian-mixture', trainSubset: 600, validationFraction: 0.1 },
  network: { hidden: [{ units: 8, activation: 'tanh' }] },
  rules: [{ rule: 'bp' }],
  seeds: [1],
  epochs: 1,
  batchSize: 16,
  monitoring: { readEvery: 5, diagnosticsEvery: 0, checkpointEvery: 10 },
};
/** Runs long enough to be paused, stopped or killed on purpose; every test ends them itself. */
const long = { epochs: 2000 };

let dir: string;
let store: Store;
let manager: RunManager;
let events: ApiEvent[];
let processes: TrainingProcess[];

beforeEach(() => {
  dir = tempDir('bl-states-');
  store = openStore({ path: path.join(dir, 'lab.sqlite') });
  const bus = new EventBus();
  events = [];
  bus.listen((event) => events.push(event));
  processes = [];
  manager = new RunManager({
    store,
    bus,
    dataDir: dir,
    backend: 'cpu',
    launch: () => {
      const process = testTrainingLauncher();
      processes.push(process);
      return process;
    },
  });
});
afterEach(async () => {
  await manager.shutdown();
  store.close();
  removeDir(dir);
});

function start(overrides: Partial<ExperimentSpecInput> = {}): Run[] {
  const session = store.sessions.create({ name: 'states' });
  const experiment = store.experiments.create(session.id, ExperimentSpec.parse({ ...base, ...overrides }));
  return manager.startExperiment(experiment.id, 'cpu');
}

const status = (id: number) => store.runs.get(id)!.status;
const statusesOf = (id: number) =>
  events.flatMap((e) => (e.type === 'run.status' && e.run.id === id ? [e.run.status] : []));
const progressed = (id: number) => manager.progressOf(id)?.step ?? 0;
const eventText = (id: number) => store.events.list({ runId: id }).map((e) => `${e.kind}: ${e.message}`);
const waitFor = (read: () => unknown, value: unknown) => expect.poll(read, { timeout: 60_000 }).toBe(value);

describe('the run manager', () => {
  it('trains queued runs one at a time, taking each from the stored queue in order', async () => {
    const runs = start({ seeds: [1, 2, 3] });
    expect(runs.map((r) => r.status)).toEqual(['queued', 'queued', 'queued']);
    // The first was taken off the queue to start; the others wait in the database.
    expect(store.queue.list().map((q) => q.runId)).toEqual([runs[1]!.id, runs[2]!.id]);
    await manager.whenIdle();
    for (const run of runs) {
      expect(status(run.id)).toBe('completed');
      expect(statusesOf(run.id)).toEqual(['queued', 'running', 'completed']);
    }
    // One at a time: each started after the one before it had completed.
    const order = events.flatMap((e) =>
      e.type === 'run.status' && e.run.status !== 'queued' ? [[e.run.id, e.run.status]] : [],
    );
    expect(order).toEqual(
      runs.flatMap((r) => [
        [r.id, 'running'],
        [r.id, 'completed'],
      ]),
    );
    expect(store.queue.list()).toEqual([]);
  });

  it('stops a queued run without training it, and a resume puts it at the back of the queue', async () => {
    const [first, second, third] = start({ ...long, seeds: [1, 2, 3] });
    expect(manager.stop(second!.id).status).toBe('stopped');
    expect(store.queue.list().map((q) => q.runId)).toEqual([third!.id]);
    expect(manager.resume(second!.id).status).toBe('queued');
    expect(store.queue.list().map((q) => q.runId)).toEqual([third!.id, second!.id]);
    expect(eventText(second!.id)).toContain('resume: no checkpoint: starting again from step 0');

    for (const run of [third!, second!]) manager.stop(run.id);
    await waitFor(() => status(first!.id), 'running');
    manager.stop(first!.id);
    await manager.whenIdle();
    expect([first, second, third].map((r) => status(r!.id))).toEqual(['stopped', 'stopped', 'stopped']);
    expect(statusesOf(third!.id)).toEqual(['queued', 'stopped']);
    expect(store.metrics.names(third!.id)).toEqual([]);
  });

  it('pauses and resumes a running run, stops it while paused, and resumes the stopped run from its checkpoint', async () => {
    const [run] = start(long);
    const id = run!.id;
    await waitFor(() => progressed(id) > 0, true);
    expect(manager.pause(id).status).toBe('paused');
    await waitFor(() => eventText(id).some((t) => t.startsWith('paused: paused at step')), true);
    expect(manager.resume(id).status).toBe('running');
    const pausedAt = Number(/paused at step (\d+)/.exec(eventText(id).find((t) => t.startsWith('paused:'))!)![1]);
    await waitFor(() => eventText(id).includes(`resumed: went on from the pause at step ${pausedAt}`), true);
    const resumedAt = progressed(id);
    await waitFor(() => progressed(id) > resumedAt, true);

    manager.pause(id);
    await waitFor(() => eventText(id).filter((t) => t.startsWith('paused:')).length, 2);
    manager.stop(id);
    await manager.whenIdle();
    expect(status(id)).toBe('stopped');
    const checkpoint = store.checkpoints.latest(id)!;
    expect(checkpoint.step).toBeGreaterThan(0);
    expect(() => manager.pause(id)).toThrow(/Cannot pause run \d+: it is stopped/);

    expect(manager.resume(id).status).toBe('queued');
    await waitFor(() => status(id), 'running');
    expect(eventText(id).filter((t) => t.endsWith(`resumed at step ${checkpoint.step}`))).toHaveLength(1);
    // The resume is an event of its own, naming the checkpoint's step.
    expect(eventText(id)).toContain(`resumed: resumed from the checkpoint at step ${checkpoint.step}`);
    manager.stop(id);
    await manager.whenIdle();
    expect(statusesOf(id)).toEqual([
      'queued',
      'running',
      'paused',
      'running',
      'paused',
      'stopped',
      'queued',
      'running',
      'stopped',
    ]);
  });

  it('marks a run interrupted when its training process dies while running, or while paused, and resumes it', async () => {
    const [run] = start(long);
    const id = run!.id;
    await waitFor(() => store.checkpoints.list(id).length > 0, true);
    processes.at(-1)!.kill();
    await waitFor(() => status(id), 'interrupted');
    expect(store.runs.get(id)!.error).toMatch(/the training process was killed \(SIGKILL\); resume continues/);

    manager.resume(id);
    await waitFor(() => status(id), 'running');
    manager.pause(id);
    await waitFor(() => eventText(id).some((t) => t.startsWith('paused:')), true);
    processes.at(-1)!.kill();
    await waitFor(() => status(id), 'interrupted');
    expect(() => manager.stop(id)).toThrow(/Cannot stop run \d+: it is interrupted/);
    expect(statusesOf(id)).toEqual(['queued', 'running', 'interrupted', 'queued', 'running', 'paused', 'interrupted']);
    // Nothing recorded was lost: the checkpoints a resume continues from are still there.
    expect(store.checkpoints.list(id).length).toBeGreaterThan(0);
  });

  it('on shutdown stops the active run (it checkpoints) and marks the queued ones interrupted', async () => {
    const [first, second] = start({ ...long, seeds: [1, 2] });
    await waitFor(() => progressed(first!.id) > 0, true);
    await manager.shutdown();
    expect(status(first!.id)).toBe('stopped');
    expect(store.checkpoints.latest(first!.id)).toBeDefined();
    expect(status(second!.id)).toBe('interrupted');
    expect(store.queue.list()).toEqual([]);
  });
});
