import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DATABASE_FILE } from '../../src-main/data-dir';
import { LOCK_FILE, lockDataFolder } from '../../src-main/store/folder-lock';
import { processStartToken } from '../../src-main/store/process-identity';
import { StoreError } from '../../src-main/store/types';
import { freshServeFolders, isServing, longRunSpec, runCliProcess, startServe } from '../support/host-process';
import { REPO_ROOT, sha256 } from './store-test-helpers';

/** Long enough to be running for the whole test; it is stopped at the end. */
const longSpec = longRunSpec('held run', [1]);

const folders = freshServeFolders('bl-lock-');
const servers = folders.servers;
const serve = () => folders.serve();

describe('one writer per data folder', () => {
  it('refuses a second server naming the first, while list and show read beside its live run untouched', async () => {
    const first = await serve();
    const { client, call } = await first.connect();
    try {
      const session = await call('sessions.create', { name: 'held' });
      const experiment = await call('experiments.create', { sessionId: session.id, spec: longSpec });
      const [run] = await call('experiments.start', { id: experiment.id, backend: 'cpu' });
      const id = run!.id;
      await expect.poll(async () => (await call('runs.get', { id })).status, { timeout: 60_000 }).toBe('running');
      await expect
        .poll(async () => (await call('runs.progress', { id }))?.step ?? 0, { timeout: 30_000 })
        .toBeGreaterThan(0);

      const listed = await runCliProcess(['list', '--data', folders.dir, '--json']);
      expect(listed.stderr).toBe('');
      expect(listed.code).toBe(0);
      expect(JSON.parse(listed.stdout)).toMatchObject([{ id, status: 'running' }]);
      const shown = await runCliProcess(['show', String(id), '--data', folders.dir]);
      expect(shown.code).toBe(0);
      expect(shown.stdout).toMatch(new RegExp(`run ${id}: .* — running`));

      const second = await startServe(folders.dir);
      expect(isServing(second)).toBe(false);
      if (isServing(second)) servers.push(second);
      else {
        expect(second.code).toBe(1);
        expect(second.stderr).toContain(`The data folder ${folders.dir} is in use by another Broadcast Lab`);
        expect(second.stderr).toContain(`process ${first.pid} `);
        expect(second.stderr).toMatch(/\(serve: server\.ts --port 0 --data .*\), since \d{4}-\d\d-\d\dT/);
      }
      // A writing CLI command is refused the same way.
      const create = await runCliProcess(['sessions', 'create', 'intruder', '--data', folders.dir]);
      expect(create.code).toBe(1);
      expect(create.stderr).toContain(`process ${first.pid} `);

      // The first server's run was never marked interrupted, and it is still training.
      const before = (await call('runs.progress', { id }))!.step;
      await expect
        .poll(async () => (await call('runs.progress', { id }))!.step, { timeout: 30_000 })
        .toBeGreaterThan(before);
      expect((await call('runs.get', { id })).status).toBe('running');
      expect((await call('runs.events', { runId: id })).map((e) => e.kind)).not.toContain('run.interrupted');
      expect((await call('sessions.list', {})).map((s) => s.name)).toEqual(['held']);
    } finally {
      await client.close();
    }
    expect(await first.stop()).toBe(0);
    servers.splice(servers.indexOf(first), 1);
    expect(fs.existsSync(path.join(folders.dir, LOCK_FILE))).toBe(false);
  }, 120_000);

  it('takes over the lock of a host that was killed', async () => {
    const crashed = await serve();
    const lockFile = path.join(folders.dir, LOCK_FILE);
    expect(JSON.parse(fs.readFileSync(lockFile, 'utf8'))).toMatchObject({ pid: crashed.pid });
    await crashed.crash();
    expect(fs.existsSync(lockFile)).toBe(true); // a kill -9 leaves it behind

    const next = await serve();
    expect(JSON.parse(fs.readFileSync(lockFile, 'utf8'))).toMatchObject({ pid: next.pid });
  }, 60_000);

  it('treats a lock whose pid now belongs to another process as stale, and a live holder as live', () => {
    const lockFile = path.join(folders.dir, LOCK_FILE);
    const start = processStartToken(process.pid);
    // This test's own pid stands for "a pid that is running": with another start time it was reused.
    const record = (processStart: string | null) =>
      JSON.stringify({ pid: process.pid, hostname: os.hostname(), processStart, since: 1, command: 'serve: old' });
    if (start === null) {
      // Without /proc the start time cannot be read: a live pid must then be taken as the holder.
      fs.writeFileSync(lockFile, record(null));
      expect(() => lockDataFolder(folders.dir, 'test')).toThrow(StoreError);
      return;
    }
    fs.writeFileSync(lockFile, record(String(Number(start) + 1)));
    const lock = lockDataFolder(folders.dir, 'test: reused pid');
    expect(JSON.parse(fs.readFileSync(lockFile, 'utf8'))).toMatchObject({ command: 'test: reused pid' });
    // Held by a live process (this one, started when it says): a second taker is refused, naming it.
    expect(() => lockDataFolder(folders.dir, 'test: second')).toThrow(/process \d+ \(test: reused pid\), since/);
    lock.release();
    expect(fs.existsSync(lockFile)).toBe(false);
    lockDataFolder(folders.dir, 'test: after release').release();
  });
});

describe('reading commands', () => {
  it('say that a database needs an upgrade, and leave it as it is', async () => {
    const file = path.join(folders.dir, DATABASE_FILE);
    fs.copyFileSync(path.join(REPO_ROOT, 'test/fixtures/store-v1.sqlite'), file);
    const before = sha256(file);
    for (const args of [['list'], ['show', '1']]) {
      const result = await runCliProcess([...args, '--data', folders.dir]);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`The database ${file} needs an upgrade first (schema version 1;`);
    }
    expect(sha256(file)).toBe(before);
    // No lock was taken (SQLite's own -wal and -shm beside a WAL database are all a reader leaves).
    expect(fs.existsSync(path.join(folders.dir, LOCK_FILE))).toBe(false);
  }, 60_000);

  it('leave a run a crashed host left running as it is, for the next host to recover', async () => {
    const crashed = await serve();
    const { client, call } = await crashed.connect();
    const session = await call('sessions.create', { name: 'crash' });
    const experiment = await call('experiments.create', { sessionId: session.id, spec: longSpec });
    const [run] = await call('experiments.start', { id: experiment.id, backend: 'cpu' });
    await expect
      .poll(async () => (await call('runs.get', { id: run!.id })).status, { timeout: 60_000 })
      .toBe('running');
    await client.close();
    await crashed.crash();

    const listed = await runCliProcess(['list', '--data', folders.dir, '--json']);
    expect(JSON.parse(listed.stdout)).toMatchObject([{ id: run!.id, status: 'running' }]);
    const next = await serve();
    const reconnected = await next.connect();
    try {
      expect((await reconnected.call('runs.get', { id: run!.id })).status).toBe('interrupted');
    } finally {
      await reconnected.client.close();
    }
  }, 120_000);
});
