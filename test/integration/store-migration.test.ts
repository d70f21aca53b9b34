import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SeriesPoint } from '../../shared/schemas/records';
import { LATEST_SCHEMA_VERSION } from '../../src-main/store';
import { MIGRATIONS, migrate } from '../../src-main/store/migrations';
import { REPO_ROOT, expectedDownsample, openTestStore, removeDir, sha256, tempDir } from './store-test-helpers';

/** Made by scripts/make-store-v1-fixture.ts with the v1 schema; never opened in place (WAL would add files). */
const FIXTURE = path.join(REPO_ROOT, 'test/fixtures/store-v1.sqlite');
const V1_TABLES = ['sessions', 'experiments', 'runs', 'metric_series', 'metric_points', 'checkpoints', 'events'];

type Row = Record<string, unknown>;

/** Every row of every v1 table, restricted to the columns v1 had, in primary-key order. */
function dumpV1(file: string, columnsOf: Map<string, string[]>): Map<string, Row[]> {
  const db = new Database(file, { readonly: true });
  try {
    const dump = new Map<string, Row[]>();
    for (const table of V1_TABLES) {
      const columns =
        columnsOf.get(table) ?? (db.pragma(`table_info(${table})`) as { name: string }[]).map((c) => c.name);
      columnsOf.set(table, columns);
      const order = table === 'metric_points' ? 'series_id, step' : 'id';
      dump.set(table, db.prepare(`SELECT ${columns.join(', ')} FROM ${table} ORDER BY ${order}`).all() as Row[]);
    }
    return dump;
  } finally {
    db.close();
  }
}

/** Every row of every table the file has, ordered by all its columns, and the schema that defines them. */
function dumpAll(file: string): { schema: Row[]; tables: Map<string, Row[]> } {
  const db = new Database(file, { readonly: true });
  try {
    const schema = db
      .prepare("SELECT type, name, sql FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name")
      .all() as Row[];
    const tables = new Map<string, Row[]>();
    for (const { name } of schema.filter((s) => s.type === 'table') as { name: string }[]) {
      const width = (db.pragma(`table_info(${name})`) as unknown[]).length;
      const order = Array.from({ length: width }, (_, i) => i + 1).join(', ');
      tables.set(name, db.prepare(`SELECT * FROM ${name} ORDER BY ${order}`).all() as Row[]);
    }
    return { schema, tables };
  } finally {
    db.close();
  }
}

/**
 * What opening does to the fixture besides upgrading it: its one queued run (4) belongs to a host that is gone,
 * so it is marked interrupted and an event says so. Every other row stays as it was.
 */
function afterRecovery(table: string, rows: Row[], allColumns = false): unknown[] {
  // v5 gives every run a uid (random) and an empty sweep_values column (seen only when every column is dumped).
  const v5 = (r: Row) => (allColumns ? { ...r, uid: expect.any(String), sweep_values: null } : r);
  if (table === 'runs')
    return rows.map((r) => v5(r.id === 4 ? { ...r, status: 'interrupted', ended_at: expect.any(Number) } : r));
  if (table === 'events') return [...rows, expect.objectContaining({ run_id: 4, kind: 'run.interrupted' })];
  // v6 gives every point a wall_time column, unknown (NULL) for points stored before it.
  if (table === 'metric_points' && allColumns) return rows.map((r) => ({ ...r, wall_time: null }));
  return rows;
}

let dir: string;
let file: string;

beforeEach(() => {
  dir = tempDir();
  file = path.join(dir, 'lab.sqlite');
  fs.copyFileSync(FIXTURE, file);
});

afterEach(() => {
  removeDir(dir);
});

describe('the v1 fixture', () => {
  it('is a v1 database with data in every table', () => {
    const db = new Database(file, { readonly: true });
    try {
      expect(db.pragma('user_version', { simple: true })).toBe(1);
      for (const table of V1_TABLES)
        expect(db.prepare(`SELECT count(*) FROM ${table}`).pluck().get(), table).toBeGreaterThan(0);
    } finally {
      db.close();
    }
  });
});

describe('upgrading a v1 database', () => {
  it('keeps every row of every table', () => {
    const columns = new Map<string, string[]>();
    const before = dumpV1(file, columns);
    const store = openTestStore(file);
    expect(store.schemaVersion).toBe(LATEST_SCHEMA_VERSION);
    expect(store.interruptedAtOpen).toEqual([4]);
    store.close();

    const after = dumpV1(file, columns);
    for (const table of V1_TABLES) expect(after.get(table), table).toEqual(afterRecovery(table, before.get(table)!));
    const db = new Database(file, { readonly: true });
    try {
      expect(db.pragma('user_version', { simple: true })).toBe(LATEST_SCHEMA_VERSION);
    } finally {
      db.close();
    }
  });

  it('serves the old data through the current API', () => {
    const store = openTestStore(file);
    try {
      expect(store.sessions.list().map((s) => [s.name, s.experimentCount, s.runCount])).toEqual([
        ['Decorrelation study', 2, 3],
        ['Baselines', 1, 1],
      ]);
      expect(store.experiments.list().map((e) => [e.name, e.spec.rules.map((r) => r.rule)])).toEqual([
        ['EBD vs DFA', ['ebd', 'dfa']],
        ['SBD depth sweep', ['sbd']],
        ['BP reference', ['bp']],
      ]);
      expect(store.runs.get(2)).toMatchObject({
        status: 'diverged',
        error: 'NaN in layer 2 at step 690',
        sessionId: 1,
      });
      expect(store.runs.get(1)?.environment).toEqual({
        node: '20.20.0',
        backend: 'wasm',
        simd: true,
        threads: 1,
        gpu: null,
      });
      expect(store.checkpoints.latest(1)).toMatchObject({ step: 2999, epoch: 5, bytes: 16 });
      expect(store.events.list({ sessionId: 1 }).map((e) => e.kind)).toEqual(['run.diverged', 'session.note']);
      expect(store.metrics.names(1)).toEqual([
        { name: 'accuracy', split: 'validation', count: 30 },
        { name: 'loss', split: 'train', count: 3000 },
      ]);
      expect(store.templates.list()).toEqual([]);
    } finally {
      store.close();
    }
  });

  it('builds the down-sampling summary for the metrics it already held', () => {
    const raw = new Database(file, { readonly: true });
    const points = (seriesId: number) =>
      raw
        .prepare('SELECT step, epoch, value FROM metric_points WHERE series_id = ? ORDER BY step')
        .all(seriesId) as SeriesPoint[];
    const loss = points(1);
    const gappy = points(3);
    raw.close();

    const store = openTestStore(file);
    try {
      for (const maxPoints of [3, 40, 300, 1000]) {
        const series = store.metrics.series({ runId: 1, name: 'loss', split: 'train', maxPoints });
        expect(series).toMatchObject({ total: 3000, downsampled: true });
        expect(series.points).toEqual(expectedDownsample(loss, 0, 2999, maxPoints));
      }
      const ranged = store.metrics.series({
        runId: 2,
        name: 'loss',
        split: 'train',
        fromStep: 33,
        toStep: 650,
        maxPoints: 100,
      });
      expect(ranged.total).toBe(gappy.filter((p) => p.step >= 33 && p.step <= 650).length);
      expect(ranged.points).toEqual(expectedDownsample(gappy, 33, 650, 100));

      // New points append to the backfilled summary as to one built at insert time.
      const more = Array.from({ length: 1500 }, (_, i) => ({ step: 3000 + i, epoch: 5 + i / 600, value: Math.sin(i) }));
      store.metrics.insert(
        1,
        more.map((p) => ({ ...p, split: 'train' as const, name: 'loss' })),
      );
      const all = [...loss, ...more];
      const series = store.metrics.series({ runId: 1, name: 'loss', split: 'train', maxPoints: 500 });
      expect(series.total).toBe(4500);
      expect(series.points).toEqual(expectedDownsample(all, 0, 4499, 500));
    } finally {
      store.close();
    }
  });

  it('is a no-op the second time', () => {
    openTestStore(file).close();
    const upgraded = sha256(file);
    const store = openTestStore(file);
    expect(store.schemaVersion).toBe(LATEST_SCHEMA_VERSION);
    store.close();
    expect(sha256(file)).toBe(upgraded);
  });
});

describe('upgrading a v2 database', () => {
  /** The fixture brought to v2 by the v2 migration itself, as a user of the second release has it. */
  function toV2(): void {
    const db = new Database(file);
    try {
      expect(migrate(db, 2)).toEqual({ from: 1, to: 2 });
    } finally {
      db.close();
    }
  }

  it('keeps every row, index and trigger, and adds an empty templates table', () => {
    toV2();
    const before = dumpAll(file);
    expect(before.tables.has('templates')).toBe(false);
    expect(before.tables.get('metric_tiles')?.length).toBeGreaterThan(0);
    openTestStore(file).close();

    const after = dumpAll(file);
    for (const [table, rows] of before.tables)
      expect(after.tables.get(table), table).toEqual(afterRecovery(table, rows, true));
    // v5 and v6 add columns to runs and metric_points, which rewrites those CREATE statements; the rest is unchanged.
    const v5 = (s: Row) =>
      s.name === 'runs'
        ? { ...s, sql: expect.stringMatching(/uid TEXT.*sweep_values TEXT/s) }
        : s.name === 'metric_points'
          ? { ...s, sql: expect.stringMatching(/wall_time INTEGER/) }
          : s;
    expect(after.schema).toEqual(expect.arrayContaining(before.schema.map(v5)));
    expect(after.tables.get('templates')).toEqual([]);
    const db = new Database(file, { readonly: true });
    try {
      expect(db.pragma('user_version', { simple: true })).toBe(LATEST_SCHEMA_VERSION);
    } finally {
      db.close();
    }
  });

  it('serves its data and stores templates after the upgrade', () => {
    toV2();
    const store = openTestStore(file);
    try {
      expect(store.schemaVersion).toBe(LATEST_SCHEMA_VERSION);
      expect(store.experiments.list().map((e) => e.name)).toEqual(['EBD vs DFA', 'SBD depth sweep', 'BP reference']);
      expect(store.metrics.series({ runId: 1, name: 'loss', split: 'train', maxPoints: 40 }).total).toBe(3000);
      const spec = store.experiments.list()[0]!.spec;
      const saved = store.templates.save({ name: 'From the old file', spec });
      expect(store.templates.list()).toEqual([saved]);
      expect(saved.spec).toEqual(spec);
    } finally {
      store.close();
    }
  });
});

describe('migrations', () => {
  it('are numbered 1…n, and migrate stops at the version asked for', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(Array.from({ length: LATEST_SCHEMA_VERSION }, (_, i) => i + 1));
    const db = new Database(path.join(dir, 'fresh.sqlite'));
    try {
      expect(migrate(db, 1)).toEqual({ from: 0, to: 1 });
      const tables = () =>
        db.prepare<[], string>("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").pluck().all();
      expect(tables()).not.toContain('metric_tiles');
      expect(migrate(db, 2)).toEqual({ from: 1, to: 2 });
      expect(tables()).not.toContain('templates');
      expect(migrate(db)).toEqual({ from: 2, to: LATEST_SCHEMA_VERSION });
      expect(tables()).toEqual(expect.arrayContaining(['metric_tiles', 'metric_summary', 'templates', ...V1_TABLES]));
    } finally {
      db.close();
    }
  });

  it('roll a failed migration back whole, leaving the previous version', () => {
    const db = new Database(file);
    try {
      // Break v2 halfway: the column it adds already exists, so its ALTER TABLE fails after the others ran.
      db.exec('ALTER TABLE metric_series ADD COLUMN last_step INTEGER');
      expect(() => migrate(db)).toThrow(/duplicate column/);
      expect(db.pragma('user_version', { simple: true })).toBe(1);
      const columns = (db.pragma('table_info(metric_series)') as { name: string }[]).map((c) => c.name);
      expect(columns).not.toContain('point_count');
    } finally {
      db.close();
    }
  });
});
