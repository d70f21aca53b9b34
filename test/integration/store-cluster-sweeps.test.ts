import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LATEST_SCHEMA_VERSION, openStore } from '../../src-main/store';
import { migrate } from '../../src-main/store/migrations';
import type { Store } from '../../src-main/store/types';
import { REPO_ROOT, removeDir, tempDir } from './store-test-helpers';

/** A database of the first release (scripts/make-store-v1-fixture.ts), brought to v6 as the last release left it. */
const FIXTURE = path.join(REPO_ROOT, 'test/fixtures/store-v1.sqlite');

let dir: string;
let file: string;
let store: Store | null;

beforeEach(() => {
  dir = tempDir('bl-cluster-store-');
  file = path.join(dir, 'lab.sqlite');
  fs.copyFileSync(FIXTURE, file);
  const db = new Database(file);
  try {
    migrate(db, 6);
  } finally {
    db.close();
  }
  store = null;
});
afterEach(() => {
  store?.close();
  removeDir(dir);
});

describe('followed cluster sweeps (store v7)', () => {
  it('upgrades a v6 database and keeps the followed folders across reopening', () => {
    store = openStore({ path: file, now: () => 1000 });
    expect(store.schemaVersion).toBe(LATEST_SCHEMA_VERSION);
    expect(store.clusterSweeps.list()).toEqual([]);
    const [first, second] = store.sessions.list();
    store.clusterSweeps.add('/scratch/a', first!.id);
    store.clusterSweeps.add('/scratch/b', second!.id);
    expect(store.clusterSweeps.setEnded('/scratch/a', true)).toBe(true);
    expect(store.clusterSweeps.setEnded('/scratch/none', true)).toBe(false);
    store.close();

    store = openStore({ path: file });
    expect(store.clusterSweeps.list()).toEqual([
      { results: '/scratch/a', sessionId: first!.id, addedAt: 1000, endedAt: 1000 },
      { results: '/scratch/b', sessionId: second!.id, addedAt: 1000, endedAt: null },
    ]);
    // Following a folder again (a resubmission) makes it followed until its tasks end once more.
    expect(store.clusterSweeps.add('/scratch/a', first!.id).endedAt).toBeNull();
    // A deleted session takes its followed folders with it (the folders themselves are left alone).
    store.sessions.delete(second!.id);
    expect(store.clusterSweeps.list().map((s) => s.results)).toEqual(['/scratch/a']);
    expect(() => store!.clusterSweeps.add('/scratch/c', 99_999)).toThrow();
    expect(store.clusterSweeps.list().map((s) => s.results)).toEqual(['/scratch/a']);
  });
});
