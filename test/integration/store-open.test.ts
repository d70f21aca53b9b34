import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LATEST_SCHEMA_VERSION, StoreError, openStore } from '../../src-main/store';
import { APPLICATION_ID } from '../../src-main/store/open-database';
import { REPO_ROOT, openTestStore, removeDir, seedRun, sha256, tempDir } from './store-test-helpers';

let dir: string;

beforeEach(() => {
  dir = tempDir();
});

afterEach(() => {
  removeDir(dir);
});

/**
 * Another process that opens `file`, takes the write lock with an uncommitted insert, and holds it until
 * released: what a second Broadcast Lab (or a SQLite browser mid-edit) looks like.
 */
async function holdWriteLock(file: string): Promise<{ release(): Promise<void> }> {
  const holder = spawn(
    process.execPath,
    [
      '-e',
      `const Database = require('better-sqlite3');
       const db = new Database(process.env.BL_LOCK_FILE);
       db.exec('BEGIN EXCLUSIVE');
       db.prepare("INSERT INTO sessions (name, notes, created_at, updated_at) VALUES ('uncommitted', '', 0, 0)").run();
       process.stdout.write('locked\\n');
       process.stdin.resume();
       process.stdin.on('end', () => { db.exec('ROLLBACK'); db.close(); });`,
    ],
    { cwd: REPO_ROOT, env: { ...process.env, BL_LOCK_FILE: file }, stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const exited = new Promise<number | null>((resolve) => holder.on('exit', resolve));
  await new Promise<void>((resolve, reject) => {
    holder.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('locked') && resolve());
    holder.on('exit', (code) => reject(new Error(`the lock holder exited early (${code})`)));
  });
  return {
    async release() {
      holder.stdin.end();
      expect(await exited).toBe(0);
    },
  };
}

/** A database made by the store itself, closed, with a session in it. */
function makeDatabase(name = 'lab.sqlite'): string {
  const file = path.join(dir, name);
  const store = openTestStore(file);
  store.sessions.create({ name: 'kept' });
  store.close();
  return file;
}

function openError(file: string, options: { busyTimeoutMs?: number } = {}): StoreError {
  try {
    openStore({ path: file, busyTimeoutMs: options.busyTimeoutMs ?? 200 }).close();
  } catch (error) {
    if (error instanceof StoreError) return error;
    throw error;
  }
  throw new Error(`expected opening ${file} to fail`);
}

/** The refusal every failing open must give: the kind, the file, advice, and the file untouched. */
function expectRefusal(file: string, kind: StoreError['kind'], mentions: RegExp, options?: { busyTimeoutMs?: number }) {
  const before = sha256(file);
  const error = openError(file, options);
  expect(error.kind).toBe(kind);
  expect(error.path).toBe(file);
  expect(error.message).toContain(file);
  expect(error.message).toMatch(mentions);
  expect(error.message).toMatch(/--data|BROADCAST_LAB_DATA/);
  expect(sha256(file)).toBe(before);
  return error;
}

describe('opening a new database', () => {
  it('creates missing folders and a database at the latest schema', () => {
    const file = path.join(dir, 'a', 'b', 'lab.sqlite');
    const store = openStore({ path: file });
    expect(store.path).toBe(file);
    expect(store.schemaVersion).toBe(LATEST_SCHEMA_VERSION);
    expect(store.interruptedAtOpen).toEqual([]);
    store.close();
    const db = new Database(file, { readonly: true });
    try {
      expect(db.pragma('user_version', { simple: true })).toBe(LATEST_SCHEMA_VERSION);
      expect(db.pragma('application_id', { simple: true })).toBe(APPLICATION_ID);
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    } finally {
      db.close();
    }
  });

  it('reopens what it wrote', () => {
    const file = makeDatabase();
    const store = openTestStore(file);
    expect(store.sessions.list().map((s) => s.name)).toEqual(['kept']);
    store.close();
  });
});

describe('refusing a file it cannot use, without touching it', () => {
  it('a file that is not SQLite', () => {
    const file = path.join(dir, 'notes.sqlite');
    fs.writeFileSync(file, 'these are my notes, not a database\n'.repeat(20));
    expectRefusal(file, 'corrupt', /SQLite header/);
  });

  it('a file cut short inside the SQLite header', () => {
    const file = path.join(dir, 'short.sqlite');
    fs.writeFileSync(file, Buffer.from('SQLite format 3\0 and then nothing', 'latin1'));
    expectRefusal(file, 'corrupt', /damaged/);
  });

  it('a database whose first page is damaged', () => {
    const file = makeDatabase();
    const bytes = fs.readFileSync(file);
    bytes.fill(0xff, 100, 4096);
    fs.writeFileSync(file, bytes);
    expectRefusal(file, 'corrupt', /malformed/);
  });

  it('a database whose table pages are damaged', () => {
    const file = makeDatabase();
    const bytes = fs.readFileSync(file);
    bytes.fill(0xab, 4096, 8192);
    fs.writeFileSync(file, bytes);
    expectRefusal(file, 'corrupt', /malformed/);
  });

  it('another program’s SQLite database', () => {
    const file = path.join(dir, 'other.sqlite');
    const db = new Database(file);
    db.exec("CREATE TABLE contacts (name TEXT); INSERT INTO contacts VALUES ('Ada')");
    db.close();
    expectRefusal(file, 'corrupt', /another program/);
  });

  it('a database written by a newer version', () => {
    const file = makeDatabase();
    const db = new Database(file);
    db.pragma(`user_version = ${LATEST_SCHEMA_VERSION + 7}`);
    db.close();
    const error = expectRefusal(file, 'newer_schema', /newer Broadcast Lab/);
    expect(error.message).toContain(`schema version ${LATEST_SCHEMA_VERSION + 7}`);
    expect(error.message).toMatch(/Update Broadcast Lab/);
  });

  it('a path that is a folder', () => {
    const file = path.join(dir, 'folder.sqlite');
    fs.mkdirSync(file);
    const error = openError(file);
    expect(error).toMatchObject({ kind: 'io', path: file });
    expect(error.message).toContain(file);
  });

  it('a database another process holds the write lock of', async () => {
    const file = makeDatabase();
    const lock = await holdWriteLock(file);
    try {
      const error = expectRefusal(file, 'locked', /in use by another process/);
      expect(error.message).toMatch(/200 ms/);
    } finally {
      await lock.release();
    }
    // The lock, not the file, was the problem: with it released the same file opens.
    const store = openTestStore(file);
    expect(store.sessions.list().map((s) => s.name)).toEqual(['kept']);
    store.close();
  });

  describe('a database this user may not write', () => {
    const asRoot = process.getuid?.() === 0;

    /** Root ignores file modes, so as root the open runs in a child process as "nobody" (65534). */
    function openAsUnprivileged(file: string): { ok: boolean; kind?: string; path?: string; message?: string } {
      const child = spawnSync(
        process.execPath,
        ['--import', 'tsx', path.join(REPO_ROOT, 'test/integration/store-open-child.ts'), file],
        { cwd: REPO_ROOT, uid: 65534, gid: 65534, encoding: 'utf8', env: { ...process.env, HOME: dir } },
      );
      const line = child.stdout.trim().split('\n').at(-1) ?? '';
      if (!line.startsWith('{')) throw new Error(`the child failed: ${child.stderr}`);
      return JSON.parse(line) as { ok: boolean; kind?: string; path?: string; message?: string };
    }

    it('an existing file without write permission', () => {
      const file = makeDatabase();
      const before = sha256(file);
      if (asRoot) {
        // Readable, not writable, for the child: the folder and file stay root's, mode 755 / 644.
        fs.chmodSync(dir, 0o755);
        fs.chmodSync(file, 0o644);
        const outcome = openAsUnprivileged(file);
        expect(outcome).toMatchObject({ ok: false, kind: 'read_only', path: file });
        expect(outcome.message).toContain(file);
        expect(outcome.message).toMatch(/not writable.*Make the file and its folder writable/);
        expect(sha256(file)).toBe(before);
      } else {
        fs.chmodSync(file, 0o444);
        expectRefusal(file, 'read_only', /not writable/);
        fs.chmodSync(file, 0o644);
      }
    });

    it('a new file in a folder without write permission', () => {
      const folder = path.join(dir, 'locked-folder');
      fs.mkdirSync(folder);
      const file = path.join(folder, 'lab.sqlite');
      if (asRoot) {
        fs.chmodSync(dir, 0o755);
        fs.chmodSync(folder, 0o755);
        const outcome = openAsUnprivileged(file);
        expect(outcome).toMatchObject({ ok: false, kind: 'read_only', path: file });
        expect(outcome.message).toContain(folder);
      } else {
        fs.chmodSync(folder, 0o555);
        const error = openError(file);
        expect(error).toMatchObject({ kind: 'read_only', path: file });
        fs.chmodSync(folder, 0o755);
      }
      expect(fs.existsSync(file)).toBe(false);
    });
  });
});

describe('a lock taken by another process while the store is open', () => {
  it('fails a write with a locked StoreError, and the store carries on once it is released', async () => {
    const file = path.join(dir, 'lab.sqlite');
    const store = openTestStore(file);
    try {
      const { run } = seedRun(store, 'running');
      const batch = (from: number) =>
        Array.from({ length: 100 }, (_, i) => ({
          step: from + i,
          epoch: 0,
          split: 'train' as const,
          name: 'loss',
          value: i,
        }));
      store.metrics.insert(run.id, batch(0));
      const lock = await holdWriteLock(file);
      try {
        expect(() => store.metrics.insert(run.id, batch(100))).toThrow(
          expect.objectContaining({ name: 'StoreError', kind: 'locked', path: file }),
        );
      } finally {
        await lock.release();
      }
      store.metrics.insert(run.id, batch(100));
      expect(store.metrics.names(run.id)).toEqual([{ name: 'loss', split: 'train', count: 200 }]);
      expect(store.metrics.series({ runId: run.id, name: 'loss', split: 'train', maxPoints: 4 }).total).toBe(200);
    } finally {
      store.close();
    }
  });
});

describe('runs left queued, running or paused by a previous process', () => {
  it('are marked interrupted on open, a queued one keeping its place in the queue, with data kept and an event each', () => {
    const file = path.join(dir, 'lab.sqlite');
    let store = openTestStore(file);
    const { experiment, run: running } = seedRun(store, 'running');
    const paused = store.runs.create({ experimentId: experiment.id, rule: 'dfa', seed: 2, status: 'paused' });
    const done = store.runs.create({ experimentId: experiment.id, rule: 'bp', seed: 3, status: 'completed' });
    const queued = store.runs.create({ experimentId: experiment.id, rule: 'fa', seed: 4 });
    store.queue.enqueue(queued.id, 'cpu', 3);
    // Queued, but without its place in the queue (a store written by an older version): it cannot wait its turn.
    const lost = store.runs.create({ experimentId: experiment.id, rule: 'drtp', seed: 5 });
    store.metrics.insert(
      running.id,
      Array.from({ length: 250 }, (_, step) => ({
        step,
        epoch: step / 100,
        split: 'train' as const,
        name: 'loss',
        value: 1 / (step + 1),
      })),
    );
    store.checkpoints.save(running.id, 100, 1, new Uint8Array([1]));
    store.checkpoints.save(running.id, 200, 2, new Uint8Array([2]));
    store.close(); // as if the process had died: nothing marked the runs finished

    store = openTestStore(file, { now: () => 1_900_000_000_000 });
    try {
      expect(store.interruptedAtOpen).toEqual([running.id, paused.id, lost.id]);
      expect(store.runs.get(running.id)).toMatchObject({ status: 'interrupted', endedAt: 1_900_000_000_000 });
      expect(store.runs.get(paused.id)).toMatchObject({ status: 'interrupted', endedAt: 1_900_000_000_000 });
      expect(store.runs.get(done.id)?.status).toBe('completed');
      // The stored queue outlives the host: the queued run waits there for the next host that serves it.
      expect(store.runs.get(queued.id)).toMatchObject({ status: 'queued', endedAt: null });
      expect(store.queue.list().map((q) => [q.runId, q.backend, q.priority])).toEqual([[queued.id, 'cpu', 3]]);
      expect(store.runs.get(lost.id)).toMatchObject({ status: 'interrupted', endedAt: 1_900_000_000_000 });
      expect(store.metrics.series({ runId: running.id, name: 'loss', split: 'train' }).total).toBe(250);
      expect(store.checkpoints.latest(running.id)?.step).toBe(200);

      const events = store.events.list({ sessionId: experiment.sessionId });
      expect(events.map((e) => [e.runId, e.kind, e.level])).toEqual([
        [running.id, 'run.interrupted', 'warning'],
        [paused.id, 'run.interrupted', 'warning'],
        [lost.id, 'run.interrupted', 'warning'],
      ]);
      expect(events[0]!.message).toMatch(/resume from its last checkpoint, at step 200/);
      expect(events[1]!.message).toMatch(/no checkpoint/);
      expect(events[2]!.message).toMatch(/was queued .* had not started; resume runs it from the start/);
    } finally {
      store.close();
    }

    store = openTestStore(file);
    expect(store.interruptedAtOpen).toEqual([]);
    expect(store.events.list({}).length).toBe(3);
    expect(store.queue.list().map((q) => q.runId)).toEqual([queued.id]);
    store.close();
  });
});
