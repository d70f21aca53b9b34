import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StoreError, type Store } from '../../src-main/store';
import { openTestStore, removeDir, sampleSpec, seedRun, tempDir } from './store-test-helpers';

let dir: string;
let file: string;
let store: Store;

beforeEach(() => {
  dir = tempDir();
  file = path.join(dir, 'lab.sqlite');
  store = openTestStore(file);
});

afterEach(() => {
  store.close();
  removeDir(dir);
});

function reopen(): Store {
  store.close();
  store = openTestStore(file, { now: () => 1_800_000_000_000 });
  return store;
}

describe('sessions', () => {
  it('round-trip through the file with their counts', () => {
    const created = store.sessions.create({ name: '  Decorrelation study  ', notes: 'λ sweep' });
    expect(created).toMatchObject({ name: 'Decorrelation study', notes: 'λ sweep', experimentCount: 0, runCount: 0 });
    const experiment = store.experiments.create(created.id, sampleSpec());
    store.runs.create({ experimentId: experiment.id, rule: 'ebd', seed: 1 });
    store.runs.create({ experimentId: experiment.id, rule: 'dfa', seed: 1 });
    store.experiments.create(created.id, sampleSpec('second'));

    reopen();
    const read = store.sessions.get(created.id);
    expect(read).toEqual({ ...created, updatedAt: read?.updatedAt, experimentCount: 2, runCount: 2 });
    expect(read!.updatedAt).toBeGreaterThan(created.updatedAt);
    expect(store.sessions.list()).toEqual([read]);
  });

  it('rename and take notes, and say when the session does not exist', () => {
    const session = store.sessions.create({ name: 'a' });
    const renamed = store.sessions.rename(session.id, 'b');
    expect(renamed).toMatchObject({ id: session.id, name: 'b' });
    expect(renamed!.updatedAt).toBeGreaterThan(session.updatedAt);
    expect(store.sessions.setNotes(session.id, 'notes')?.notes).toBe('notes');
    expect(store.sessions.rename(999, 'x')).toBeUndefined();
    expect(store.sessions.setNotes(999, 'x')).toBeUndefined();
    expect(store.sessions.get(999)).toBeUndefined();
    expect(() => store.sessions.create({ name: '   ' })).toThrow(/name/);
  });

  it('list the most recently changed first', () => {
    const a = store.sessions.create({ name: 'a' });
    const b = store.sessions.create({ name: 'b' });
    expect(store.sessions.list().map((s) => s.id)).toEqual([b.id, a.id]);
    store.sessions.rename(a.id, 'a2');
    expect(store.sessions.list().map((s) => s.id)).toEqual([a.id, b.id]);
  });
});

describe('experiments', () => {
  it('round-trip the spec and its schema version', () => {
    const session = store.sessions.create({ name: 's' });
    const experiment = store.experiments.create(session.id, sampleSpec());
    expect(experiment).toMatchObject({
      sessionId: session.id,
      name: 'EBD vs DFA',
      schemaVersion: 1,
      spec: sampleSpec(),
    });
    reopen();
    expect(store.experiments.get(experiment.id)).toEqual(experiment);
    expect(store.experiments.list(session.id)).toEqual([experiment]);
    expect(store.experiments.list()).toEqual([experiment]);
    expect(store.experiments.list(session.id + 1)).toEqual([]);
  });

  it('duplicate into the same session under a new name', () => {
    const session = store.sessions.create({ name: 's' });
    const original = store.experiments.create(session.id, sampleSpec());
    const named = store.experiments.duplicate(original.id, 'variant');
    const unnamed = store.experiments.duplicate(original.id);
    expect(named).toMatchObject({ sessionId: session.id, name: 'variant', spec: { ...sampleSpec(), name: 'variant' } });
    expect(unnamed?.name).toBe('EBD vs DFA (copy)');
    expect(new Set([original.id, named!.id, unnamed!.id]).size).toBe(3);
    expect(store.experiments.duplicate(999)).toBeUndefined();
  });

  it('refuse an invalid spec and a missing session', () => {
    const session = store.sessions.create({ name: 's' });
    expect(() => store.experiments.create(session.id, { ...sampleSpec(), epochs: 0 })).toThrow(/epochs/);
    expect(() => store.experiments.create(999, sampleSpec())).toThrow(/session 999 does not exist/);
    expect(store.experiments.list()).toEqual([]);
  });

  it('delete with their runs', () => {
    const { experiment, run } = seedRun(store, 'completed');
    expect(store.experiments.delete(experiment.id)).toBe(true);
    expect(store.experiments.get(experiment.id)).toBeUndefined();
    expect(store.runs.get(run.id)).toBeUndefined();
    expect(store.experiments.delete(experiment.id)).toBe(false);
  });
});

describe('runs', () => {
  it('round-trip every field', () => {
    const { session, experiment } = seedRun(store, 'queued');
    const created = store.runs.create({
      experimentId: experiment.id,
      rule: 'dfa',
      seed: 7,
      backend: 'wasm',
      environment: { node: '20.20', gpu: null, threads: 1, simd: true },
    });
    expect(created).toMatchObject({
      experimentId: experiment.id,
      sessionId: session.id,
      rule: 'dfa',
      seed: 7,
      status: 'queued',
      backend: 'wasm',
      environment: { node: '20.20', gpu: null, threads: 1, simd: true },
      startedAt: null,
      endedAt: null,
      error: null,
    });
    store.runs.update(created.id, { status: 'stopped', endedAt: 9 });
    const stored = store.runs.get(created.id);
    reopen();
    expect(store.runs.get(created.id)).toEqual(stored);
  });

  it('update: explicit fields win, status changes stamp start and end', () => {
    const { run } = seedRun(store, 'queued');
    const running = store.runs.update(run.id, { status: 'running' });
    expect(running?.startedAt).toEqual(expect.any(Number));
    expect(running?.endedAt).toBeNull();
    const failed = store.runs.update(run.id, { status: 'failed', error: 'NaN in layer 2 at step 310', backend: 'cpu' });
    expect(failed).toMatchObject({
      status: 'failed',
      error: 'NaN in layer 2 at step 310',
      backend: 'cpu',
      startedAt: running?.startedAt,
    });
    expect(failed!.endedAt).toBeGreaterThan(running!.startedAt!);
    const explicit = store.runs.update(run.id, { startedAt: 5, endedAt: 9, environment: { a: 1 } });
    expect(explicit).toMatchObject({ startedAt: 5, endedAt: 9, environment: { a: 1 }, status: 'failed' });
    expect(store.runs.update(999, { status: 'running' })).toBeUndefined();
  });

  it('list by session, experiment and status', () => {
    const { session, experiment, run } = seedRun(store, 'running');
    const other = store.experiments.create(session.id, sampleSpec('other'));
    const second = store.runs.create({ experimentId: other.id, rule: 'bp', seed: 2, status: 'completed' });
    const elsewhere = seedRun(store, 'running');
    expect(store.runs.list().map((r) => r.id)).toEqual([run.id, second.id, elsewhere.run.id]);
    expect(store.runs.list({ sessionId: session.id }).map((r) => r.id)).toEqual([run.id, second.id]);
    expect(store.runs.list({ experimentId: experiment.id }).map((r) => r.id)).toEqual([run.id]);
    expect(store.runs.list({ status: 'running' }).map((r) => r.id)).toEqual([run.id, elsewhere.run.id]);
    expect(store.runs.list({ sessionId: session.id, status: 'completed' }).map((r) => r.id)).toEqual([second.id]);
  });

  it('refuse a missing experiment and a negative seed', () => {
    expect(() => store.runs.create({ experimentId: 999, rule: 'bp', seed: 1 })).toThrow(
      /experiment 999 does not exist/,
    );
    const { experiment } = seedRun(store);
    expect(() => store.runs.create({ experimentId: experiment.id, rule: 'bp', seed: -1 })).toThrow(/seed/);
  });
});

describe('checkpoints', () => {
  it('round-trip blobs byte for byte; the latest is the highest step', () => {
    const { run } = seedRun(store);
    const early = new Uint8Array([1, 2, 3]);
    const weights = new Float32Array([0.5, -1.25, 3e-8, Number.MAX_VALUE]);
    const late = new Uint8Array(weights.buffer);
    const a = store.checkpoints.save(run.id, 100, 1, early);
    const b = store.checkpoints.save(run.id, 200, 2, late);
    expect(a).toMatchObject({ runId: run.id, step: 100, epoch: 1, bytes: 3 });
    reopen();
    expect(store.checkpoints.list(run.id)).toEqual([a, b]);
    const latest = store.checkpoints.latest(run.id);
    expect(latest).toMatchObject(b);
    expect(new Float32Array(latest!.data.slice().buffer)).toEqual(weights);
    expect(store.checkpoints.latest(run.id + 1)).toBeUndefined();
  });

  it('replace a checkpoint saved again at the same step', () => {
    const { run } = seedRun(store);
    store.checkpoints.save(run.id, 100, 1, new Uint8Array([1]));
    const again = store.checkpoints.save(run.id, 100, 1.5, new Uint8Array([9, 9]));
    expect(store.checkpoints.list(run.id)).toEqual([again]);
    expect([...store.checkpoints.latest(run.id)!.data]).toEqual([9, 9]);
  });

  it('store a view into a larger buffer as just the view', () => {
    const { run } = seedRun(store);
    const backing = new Uint8Array([0, 1, 2, 3, 4, 5]);
    store.checkpoints.save(run.id, 1, 0, backing.subarray(2, 4));
    expect([...store.checkpoints.latest(run.id)!.data]).toEqual([2, 3]);
    expect(() => store.checkpoints.save(999, 1, 0, backing)).toThrow(/run 999 does not exist/);
  });
});

describe('events', () => {
  it('round-trip and file a run’s events under its session', () => {
    const { session, run } = seedRun(store, 'completed');
    const app = store.events.add({ level: 'info', kind: 'app.start', message: 'started' });
    const ofRun = store.events.add({ runId: run.id, level: 'error', kind: 'run.diverged', message: 'NaN in layer 2' });
    const ofSession = store.events.add({ sessionId: session.id, level: 'warning', kind: 'note', message: 'check λ' });
    expect(app).toMatchObject({ runId: null, sessionId: null, level: 'info', kind: 'app.start', message: 'started' });
    expect(ofRun.sessionId).toBe(session.id);
    reopen();
    expect(store.events.list({})).toEqual([app, ofRun, ofSession]);
    expect(store.events.list({ runId: run.id })).toEqual([ofRun]);
    expect(store.events.list({ sessionId: session.id })).toEqual([ofRun, ofSession]);
    expect(store.events.list({ sessionId: session.id, limit: 1 })).toEqual([ofSession]);
    expect(() => store.events.add({ runId: 999, level: 'info', kind: 'x', message: 'x' })).toThrow(/does not exist/);
  });
});

describe('deleting a session', () => {
  it('removes everything under it and nothing else', () => {
    const doomed = seedRun(store);
    const kept = seedRun(store);
    for (const { run } of [doomed, kept]) {
      store.metrics.insert(
        run.id,
        Array.from({ length: 300 }, (_, step) => ({
          step,
          epoch: 0,
          split: 'train' as const,
          name: 'loss',
          value: step,
        })),
      );
      store.checkpoints.save(run.id, 10, 0, new Uint8Array([1]));
      store.events.add({ runId: run.id, level: 'info', kind: 'k', message: 'm' });
    }
    store.events.add({ sessionId: doomed.session.id, level: 'info', kind: 'k', message: 'session note' });
    expect(store.sessions.delete(doomed.session.id)).toBe(true);
    expect(store.sessions.delete(doomed.session.id)).toBe(false);

    store.close();
    const db = new Database(file, { readonly: true });
    const count = (sql: string) => db.prepare(sql).pluck().get();
    try {
      expect(count('SELECT count(*) FROM sessions')).toBe(1);
      expect(count('SELECT count(*) FROM experiments')).toBe(1);
      expect(count('SELECT count(*) FROM runs')).toBe(1);
      expect(count('SELECT count(*) FROM metric_series')).toBe(1);
      expect(count('SELECT count(*) FROM metric_points')).toBe(300);
      expect(count(`SELECT count(*) FROM metric_summary WHERE series_id NOT IN (SELECT id FROM metric_series)`)).toBe(
        0,
      );
      expect(count('SELECT count(*) FROM checkpoints')).toBe(1);
      expect(count('SELECT count(*) FROM events')).toBe(1);
    } finally {
      db.close();
    }
    store = openTestStore(file);
    expect(store.metrics.series({ runId: kept.run.id, name: 'loss', split: 'train' }).total).toBe(300);
    expect(store.metrics.names(doomed.run.id)).toEqual([]);
  });

  it('lets a later run reuse nothing of a deleted run’s metrics', () => {
    const first = seedRun(store);
    store.metrics.insert(first.run.id, [{ step: 5, epoch: 0, split: 'train', name: 'loss', value: 1 }]);
    store.sessions.delete(first.session.id);
    const second = seedRun(store);
    store.metrics.insert(second.run.id, [{ step: 1, epoch: 0, split: 'train', name: 'loss', value: 2 }]);
    expect(store.metrics.series({ runId: second.run.id, name: 'loss', split: 'train' }).points).toEqual([
      { step: 1, epoch: 0, value: 2 },
    ]);
  });
});

describe('damaged rows', () => {
  it('surface as a corrupt StoreError naming the record, not as bad data', () => {
    const { experiment, run } = seedRun(store);
    store.close();
    const db = new Database(file);
    db.prepare('UPDATE experiments SET spec = ? WHERE id = ?').run('{"name": "x"', experiment.id);
    db.prepare('UPDATE runs SET environment = ? WHERE id = ?').run('{"gpu": {"nested": true}}', run.id);
    db.close();
    store = openTestStore(file);
    const specError = catchError(() => store.experiments.get(experiment.id));
    expect(specError).toBeInstanceOf(StoreError);
    expect(specError).toMatchObject({ kind: 'corrupt', path: file });
    expect(specError.message).toContain(`experiment ${experiment.id}`);
    expect(specError.message).toContain(file);
    const envError = catchError(() => store.runs.get(run.id));
    expect(envError).toMatchObject({ kind: 'corrupt' });
    expect(envError.message).toMatch(new RegExp(`environment of run ${run.id}.*gpu`));
  });
});

function catchError(fn: () => unknown): StoreError {
  try {
    fn();
  } catch (error) {
    if (error instanceof StoreError) return error;
    throw error;
  }
  throw new Error('expected a StoreError');
}
