import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrate } from '../../src-main/store/migrations';
import type { Store } from '../../src-main/store/types';
import { REPO_ROOT, openTestStore, removeDir, sampleSpec, tempDir } from './store-test-helpers';

let dir: string;
beforeEach(() => {
  dir = tempDir('bl-sweep-store-');
});
afterEach(() => removeDir(dir));

/** A finished run with points in two series, a checkpoint and an event, as a cluster task's file holds it. */
function taskFile(name: string, uid: string, sweepValues = { 'optimizer.learningRate': 0.01 }): string {
  const file = path.join(dir, name);
  const store = openTestStore(file);
  try {
    const session = store.sessions.create({ name: 'λ sweep' });
    const experiment = store.experiments.create(session.id, sampleSpec('EBD [learningRate=0.01]'));
    const run = store.runs.create({
      experimentId: experiment.id,
      rule: 'ebd',
      seed: 2,
      status: 'running',
      uid,
      sweepValues,
    });
    store.metrics.insert(
      run.id,
      Array.from({ length: 30 }, (_, step) => ({
        step,
        epoch: step / 10,
        split: 'train' as const,
        name: 'loss',
        value: 1 / (step + 1),
      })),
    );
    store.metrics.insert(run.id, [{ step: 29, epoch: 3, split: 'test', name: 'accuracy', value: 0.75 }]);
    store.checkpoints.save(run.id, 29, 3, new Uint8Array([1, 2, 3, 4]));
    store.events.add({ runId: run.id, level: 'info', kind: 'completed', message: 'completed at step 29' });
    store.runs.update(run.id, { status: 'completed', startedAt: 1000, endedAt: 5000 });
  } finally {
    store.close();
  }
  return file;
}

function snapshot(store: Store) {
  return {
    sessions: store.sessions.list(),
    experiments: store.experiments.list(),
    runs: store.runs.list(),
    events: store.events.list({}),
  };
}

describe('schema v5', () => {
  it('gives the runs of a v4 database distinct uids, no sweep values, and its queued runs priority 0', () => {
    const file = path.join(dir, 'old.sqlite');
    fs.copyFileSync(path.join(REPO_ROOT, 'test/fixtures/store-v1.sqlite'), file);
    const db = new Database(file);
    migrate(db, 4);
    db.prepare(`INSERT INTO run_queue (run_id, backend, queued_at) VALUES (1, 'cpu', 5)`).run();
    const queuedBefore = db.prepare('SELECT run_id FROM run_queue').pluck().all();
    db.close();
    expect(queuedBefore).toEqual([1]);
    // Opening upgrades it (and, as after any crash, empties the queue of the host that is gone).
    const store = openTestStore(file);
    try {
      const runs = store.runs.list();
      expect(runs.length).toBeGreaterThan(2);
      expect(runs.every((r) => /^[0-9a-f]{32}$/.test(r.uid ?? ''))).toBe(true);
      expect(new Set(runs.map((r) => r.uid)).size).toBe(runs.length);
      expect(runs.every((r) => r.sweepValues === undefined)).toBe(true);
      expect(store.runs.idOfUid(runs[1]!.uid!)).toBe(runs[1]!.id);
      const raw = new Database(file, { readonly: true });
      const columns = (raw.pragma('table_info(run_queue)') as { name: string; dflt_value: string }[]).find(
        (c) => c.name === 'priority',
      );
      raw.close();
      expect(columns?.dflt_value).toBe('0');
    } finally {
      store.close();
    }
  });

  it('serves the queue by priority, then in queued order, and stores the values a sweep gave a run', () => {
    const store = openTestStore(path.join(dir, 'queue.sqlite'));
    try {
      const session = store.sessions.create({ name: 's' });
      const experiment = store.experiments.create(session.id, sampleSpec());
      const ids = [0, 1, 2, 3].map(
        (i) =>
          store.runs.create({
            experimentId: experiment.id,
            rule: 'ebd',
            seed: i,
            sweepValues: { 'rules.0.params.lambda': i },
          }).id,
      );
      store.queue.enqueue(ids[0]!, 'cpu');
      store.queue.enqueue(ids[1]!, 'cpu', -1);
      store.queue.enqueue(ids[2]!, 'cpu', 3);
      store.queue.enqueue(ids[3]!, 'cpu');
      expect(store.queue.setPriority(ids[3]!, 3)).toBe(true);
      expect(store.queue.list().map((q) => [q.runId, q.priority])).toEqual([
        [ids[2], 3],
        [ids[3], 3],
        [ids[0], 0],
        [ids[1], -1],
      ]);
      expect(store.queue.take()?.runId).toBe(ids[2]);
      expect(store.runs.get(ids[3]!)?.sweepValues).toEqual({ 'rules.0.params.lambda': 3 });
      expect(() => store.queue.enqueue(ids[0]!, 'cpu', 0.5)).toThrow(/priority must be an integer/);
    } finally {
      store.close();
    }
  });
});

describe('importing runs from other databases', () => {
  it('adds a run with its metrics, checkpoint, events and values once; the same file again adds nothing', () => {
    const source = taskFile('task-0.sqlite', 'a'.repeat(32));
    const store = openTestStore(path.join(dir, 'session.sqlite'));
    try {
      const first = store.imports.importFiles([source]);
      expect(first).toMatchObject({ added: 1, skipped: 0, files: [{ file: source, added: 1, skipped: 0 }] });
      const run = store.runs.get(first.runIds[0]!)!;
      expect(run).toMatchObject({
        uid: 'a'.repeat(32),
        rule: 'ebd',
        seed: 2,
        status: 'completed',
        startedAt: 1000,
        endedAt: 5000,
        sweepValues: { 'optimizer.learningRate': 0.01 },
      });
      expect(store.sessions.get(run.sessionId)?.name).toBe('λ sweep');
      expect(store.metrics.series({ runId: run.id, name: 'loss', split: 'train' }).points).toHaveLength(30);
      expect(store.metrics.series({ runId: run.id, name: 'accuracy', split: 'test' }).points).toEqual([
        { step: 29, epoch: 3, value: 0.75 },
      ]);
      expect(store.checkpoints.latest(run.id)).toMatchObject({ step: 29, data: new Uint8Array([1, 2, 3, 4]) });
      expect(store.events.list({ runId: run.id }).map((e) => e.message)).toEqual(['completed at step 29']);

      const before = snapshot(store);
      expect(store.imports.importFiles([source])).toMatchObject({ added: 0, skipped: 1, runIds: [] });
      expect(snapshot(store)).toEqual(before);

      // A second task of the same point joins the same experiment; a session id given takes every run.
      const second = taskFile('task-1.sqlite', 'b'.repeat(32));
      const into = store.sessions.create({ name: 'here' });
      const report = store.imports.importFiles([second], { sessionId: into.id });
      expect(store.runs.get(report.runIds[0]!)?.sessionId).toBe(into.id);
      const third = taskFile('task-2.sqlite', 'c'.repeat(32));
      const joined = store.imports.importFiles([third]);
      expect(store.runs.get(joined.runIds[0]!)?.experimentId).toBe(run.experimentId);
    } finally {
      store.close();
    }
  });

  it('refuses a damaged file with its name, storing nothing from it or from the good files beside it', () => {
    const good = taskFile('task-0.sqlite', 'd'.repeat(32));
    const damaged = taskFile('task-1.sqlite', 'e'.repeat(32));
    // Overwrite pages past the header: the file still opens, SQLite's integrity check finds the damage.
    const bytes = fs.readFileSync(damaged);
    const pageSize = bytes.readUInt16BE(16);
    for (let at = pageSize * 2; at < bytes.length - 64; at += pageSize) bytes.fill(0x5a, at + 8, at + 64);
    fs.writeFileSync(damaged, bytes);
    const garbage = path.join(dir, 'garbage.sqlite');
    fs.writeFileSync(garbage, 'not a database at all, just text that happens to end in .sqlite');

    const store = openTestStore(path.join(dir, 'session.sqlite'));
    try {
      store.sessions.create({ name: 'kept' });
      const before = snapshot(store);
      expect(() => store.imports.importFiles([good, damaged])).toThrow(damaged);
      expect(snapshot(store)).toEqual(before);
      expect(() => store.imports.importFiles([garbage])).toThrow(garbage);
      expect(snapshot(store)).toEqual(before);
    } finally {
      store.close();
    }
  });
});
