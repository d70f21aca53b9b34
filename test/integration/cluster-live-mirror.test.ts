import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ApiEvent } from '../../shared/api/events';
import { ExperimentSpec } from '../../shared/schemas/experiment';
import { LiveMirror } from '../../src-main/cluster/live-mirror';
import { openStore } from '../../src-main/store';
import type { Store } from '../../src-main/store/types';
import { removeDir, tempDir } from './store-test-helpers';

/**
 * The mirror of a cluster task's file in the session database, step by step with real SQLite files and no cluster:
 * the points a look finds are copied and published once; after a resubmission it drops the points past the
 * checkpoint and copies none of the file's old ones until the task has resumed (and dropped them too).
 */
const UID = 'task-run-uid';
let dir: string;
let session: Store;
let task: Store;
let taskRunId: number;
let published: ApiEvent[];
let mirror: LiveMirror;
let sessionId: number;
const file = () => path.join(dir, 'task.sqlite');

function write(steps: number[], value = (step: number) => 1 / (step + 1)): void {
  task.metrics.insert(
    taskRunId,
    steps.map((step) => ({ step, epoch: step / 100, split: 'train', name: 'loss', value: value(step) })),
  );
}

const stepsIn = (store: Store, id: number) =>
  store.metrics.series({ runId: id, name: 'loss', split: 'train' }).points.map((p) => [p.step, p.value]);

beforeEach(() => {
  dir = tempDir('bl-mirror-');
  session = openStore({ path: path.join(dir, 'session.sqlite') });
  sessionId = session.sessions.create({ name: 'here' }).id;
  task = openStore({ path: file() });
  const spec = ExperimentSpec.parse({
    name: 'mirrored',
    dataset: { name: 'gaussian-mixture' },
    network: { hidden: [{ units: 4 }] },
    rules: [{ rule: 'bp' }],
    seeds: [1],
    epochs: 1,
    batchSize: 16,
  });
  const experiment = task.experiments.create(task.sessions.create({ name: 'cluster' }).id, spec);
  taskRunId = task.runs.create({ experimentId: experiment.id, rule: 'bp', seed: 1, uid: UID, status: 'running' }).id;
  published = [];
  mirror = new LiveMirror(session, (event) => published.push(event));
});
afterEach(() => {
  task.close();
  session.close();
  removeDir(dir);
});

describe('the live mirror of a cluster task', () => {
  it('imports the run at first sight, then copies and publishes only what is new', () => {
    write([0, 5, 10]);
    const first = mirror.sync(file(), UID, sessionId, 'running', false);
    const runId = first.runId!;
    expect(first.settled).toBe(false);
    expect(session.runs.get(runId)).toMatchObject({ status: 'running', sessionId, uid: UID });
    expect(stepsIn(session, runId)).toEqual(stepsIn(task, taskRunId));
    write([15, 20]);
    task.events.add({ runId: taskRunId, level: 'info', kind: 'note', message: 'halfway' });
    mirror.sync(file(), UID, sessionId, 'running', false);
    const batches = published.filter((e) => e.type === 'metrics.batch');
    expect(batches.map((e) => (e.type === 'metrics.batch' ? e.points.map((p) => p.step) : []))).toEqual([[15, 20]]);
    expect(published.filter((e) => e.type === 'run.event')).toHaveLength(1);
    expect(stepsIn(session, runId)).toEqual(stepsIn(task, taskRunId));

    // The task's process writes how the run ended; only then has the file settled.
    task.runs.update(taskRunId, { status: 'completed' });
    task.checkpoints.save(taskRunId, 20, 0.2, new Uint8Array([1, 2, 3]));
    const last = mirror.sync(file(), UID, sessionId, 'completed', true);
    expect(last).toEqual({ runId, settled: true });
    expect(session.runs.get(runId)!.status).toBe('completed');
    expect(session.checkpoints.latest(runId)).toMatchObject({ step: 20, data: new Uint8Array([1, 2, 3]) });
  });

  it('after a resubmission, copies none of the old points past the checkpoint until the task has resumed', () => {
    write([0, 25, 50, 75]);
    task.checkpoints.save(taskRunId, 50, 0.5, new Uint8Array([5]));
    const runId = mirror.sync(file(), UID, sessionId, 'running', false).runId!;
    task.runs.update(taskRunId, { status: 'interrupted' });
    mirror.sync(file(), UID, sessionId, 'stopped', true);
    expect(stepsIn(session, runId).map(([step]) => step)).toEqual([0, 25, 50, 75]);

    mirror.rewind(file(), UID);
    expect(session.runs.get(runId)!.status).toBe('queued');
    expect(stepsIn(session, runId).map(([step]) => step)).toEqual([0, 25, 50]);
    // The new job is pending: the file still holds the old step 75, which must not come back.
    mirror.sync(file(), UID, sessionId, 'queued', false);
    expect(stepsIn(session, runId).map(([step]) => step)).toEqual([0, 25, 50]);

    // The task resumes as a local run does: drops what follows the checkpoint, says so, trains on (other values).
    task.metrics.truncate(taskRunId, 51);
    task.events.add({
      runId: taskRunId,
      level: 'info',
      kind: 'resume',
      message: 'resuming from the checkpoint at step 50',
    });
    write([60], () => 0.25);
    mirror.sync(file(), UID, sessionId, 'running', false);
    expect(stepsIn(session, runId)).toEqual(stepsIn(task, taskRunId));
    expect(stepsIn(session, runId).map(([step]) => step)).toEqual([0, 25, 50, 60]);
  });

  it('names the file it cannot read and changes nothing', () => {
    write([0]);
    const runId = mirror.sync(file(), UID, sessionId, 'running', false).runId!;
    const before = stepsIn(session, runId);
    expect(() =>
      mirror.sync(path.join(dir, 'nowhere', 'x.sqlite'), 'other', sessionId, 'completed', true),
    ).not.toThrow();
    const damaged = path.join(dir, 'damaged.sqlite');
    fs.writeFileSync(damaged, Buffer.alloc(3000, 9));
    expect(() => mirror.sync(damaged, 'other', sessionId, 'completed', true)).toThrow(damaged);
    expect(stepsIn(session, runId)).toEqual(before);
    expect(session.runs.list()).toHaveLength(1);
  });
});
