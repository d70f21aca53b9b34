import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ExportRequest } from '../../shared/api/contract-export';
import { exportToFile } from '../../src-main/export';
import { LATEST_SCHEMA_VERSION } from '../../src-main/store';
import { migrate } from '../../src-main/store/migrations';
import type { Store } from '../../src-main/store/types';
import { APP, csvRecords } from '../support/export-fixture';
import { REPO_ROOT, openTestStore, removeDir, tempDir } from './store-test-helpers';

/** A database of the first release (scripts/make-store-v1-fixture.ts), brought to v5 as the last release left it. */
const FIXTURE = path.join(REPO_ROOT, 'test/fixtures/store-v1.sqlite');

let dir: string;
let file: string;
let store: Store | null;

beforeEach(() => {
  dir = tempDir('bl-wall-time-');
  file = path.join(dir, 'lab.sqlite');
  fs.copyFileSync(FIXTURE, file);
  const db = new Database(file);
  try {
    migrate(db, 5);
  } finally {
    db.close();
  }
  store = null;
});
afterEach(() => {
  store?.close();
  removeDir(dir);
});

async function tidyRows(s: Store, runId: number) {
  const out = path.join(dir, 'tidy.csv');
  await exportToFile(s, ExportRequest.parse({ selection: { kind: 'run', runId }, format: 'tidy-csv' }), out, APP);
  return csvRecords(fs.readFileSync(out, 'utf8'));
}

describe('wall time per metric point (store v6)', () => {
  it('upgrades a v5 database: old points keep their values with no time, new batches are stamped', async () => {
    store = openTestStore(file);
    expect(store.schemaVersion).toBe(LATEST_SCHEMA_VERSION);
    const old = store.metrics.page(1, 'loss', 'train', -1, 1_000_000);
    expect(old.length).toBeGreaterThan(0);
    expect(old.every((row) => row[3] === null)).toBe(true);
    const lastStep = old.at(-1)![0];

    const stamped = Date.UTC(2026, 11, 6, 10, 43, 51, 123);
    store.metrics.insert(
      1,
      [
        { step: lastStep + 1, epoch: 9, split: 'train', name: 'loss', value: 0.25 },
        { step: lastStep + 2, epoch: 9, split: 'train', name: 'loss', value: 0.125 },
      ],
      stamped,
    );
    const after = store.metrics.page(1, 'loss', 'train', lastStep, 10);
    expect(after).toEqual([
      [lastStep + 1, 9, 0.25, stamped],
      [lastStep + 2, 9, 0.125, stamped],
    ]);
    // A rewritten step (a resumed run replays it) takes the new batch's time with its value.
    store.metrics.insert(1, [{ step: lastStep + 2, epoch: 9, split: 'train', name: 'loss', value: 0.5 }], stamped + 1);
    expect(store.metrics.page(1, 'loss', 'train', lastStep + 1, 10)).toEqual([[lastStep + 2, 9, 0.5, stamped + 1]]);

    const rows = (await tidyRows(store, 1)).filter((r) => r.metric === 'loss' && r.split === 'train');
    expect(rows).toHaveLength(old.length + 2);
    expect(rows.slice(0, old.length).every((r) => r.wall_time === '')).toBe(true);
    expect(rows.slice(-2).map((r) => [Number(r.step), r.wall_time])).toEqual([
      [lastStep + 1, '2026-12-06T10:43:51.123Z'],
      [lastStep + 2, '2026-12-06T10:43:51.124Z'],
    ]);
  });

  it('refuses a wall time that is not ms since the epoch, writing nothing', () => {
    store = openTestStore(file);
    const before = store.metrics.page(1, 'loss', 'train', -1, 1_000_000).length;
    const point = { step: 1_000_000, epoch: 9, split: 'train' as const, name: 'loss', value: 1 };
    expect(() => store!.metrics.insert(1, [point], Number.NaN)).toThrow(/wall time.*NaN/);
    expect(() => store!.metrics.insert(1, [point], -5)).toThrow(/wall time/);
    expect(store.metrics.page(1, 'loss', 'train', -1, 1_000_000)).toHaveLength(before);
  });
});
