import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ExperimentSpecInput } from '../../shared/schemas/experiment';
import { isServing, runCliProcess, startServe, type ServeProcess } from '../support/host-process';

/**
 * A real small file system: a tmpfs mounted for each test (CI runs as root, like this machine). Where mounting is
 * not allowed the tests are skipped, saying why, rather than faked.
 */
function tryMount(target: string, size: string): string | null {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', target], { stdio: 'pipe' });
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

const probe = fs.mkdtempSync(path.join(os.tmpdir(), 'bl-mount-probe-'));
const cannotMount = tryMount(probe, '1m');
if (cannotMount === null) execFileSync('umount', [probe]);
fs.rmSync(probe, { recursive: true, force: true });
const skipReason = cannotMount === null ? '' : ` (SKIPPED: cannot mount a tmpfs here: ${cannotMount.split('\n')[0]})`;

const spec: ExperimentSpecInput = {
  name: 'fills the disk',
  dataset: { name: 'gaussian-mixture', trainSubset: 1200, validationFraction: 0.1 },
  network: { hidden: [{ units: 32, activation: 'tanh' }] },
  rules: [{ rule: 'bp' }],
  seeds: [1],
  epochs: 400,
  batchSize: 16,
  // Something to write at every step, so that the full disk is met at once.
  monitoring: { readEvery: 1, diagnosticsEvery: 1, checkpointEvery: 50 },
};

let mountPoint: string;
let dataDir: string;
const servers: ServeProcess[] = [];

beforeEach(() => {
  mountPoint = fs.mkdtempSync(path.join(os.tmpdir(), 'bl-small-disk-'));
  dataDir = path.join(mountPoint, 'data');
});
afterEach(async () => {
  for (const server of servers.splice(0)) await server.crash();
  try {
    execFileSync('umount', [mountPoint], { stdio: 'pipe' });
  } catch {
    // Not mounted (skipped), or already gone.
  }
  fs.rmSync(mountPoint, { recursive: true, force: true });
});

async function serve(): Promise<ServeProcess> {
  const started = await startServe(dataDir);
  if (!isServing(started)) throw new Error(`serve did not start: ${started.stderr}`);
  servers.push(started);
  return started;
}

/** Writes a file until the disk says ENOSPC; returns it so that it can be deleted again. */
function fillDisk(): string {
  const filler = path.join(mountPoint, 'filler');
  const fd = fs.openSync(filler, 'w');
  const chunk = Buffer.alloc(64 * 1024, 1);
  try {
    for (;;) fs.writeSync(fd, chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    fs.closeSync(fd);
  }
  // Whatever is left is smaller than a chunk: take it too.
  fs.appendFileSync(filler, Buffer.alloc(0));
  for (let size = 32 * 1024; size >= 1; size = Math.floor(size / 2)) {
    try {
      fs.appendFileSync(filler, Buffer.alloc(size, 1));
      size *= 2;
    } catch {
      // ENOSPC at this size: try half.
    }
  }
  return filler;
}

describe(`a data folder on a small disk${skipReason}`, () => {
  it.skipIf(cannotMount !== null)(
    'fails the run with "disk full at …" when the disk fills, keeps what was stored, and keeps serving',
    async () => {
      expect(tryMount(mountPoint, '24m')).toBeNull();
      const server = await serve();
      const { client, call } = await server.connect();
      try {
        const session = await call('sessions.create', { name: 'small disk' });
        const experiment = await call('experiments.create', { sessionId: session.id, spec });
        const [run] = await call('experiments.start', { id: experiment.id, backend: 'cpu' });
        const id = run!.id;
        const stored = async () => (await call('metrics.series', { runId: id, name: 'loss', split: 'train' })).total;
        await expect.poll(stored, { timeout: 60_000 }).toBeGreaterThan(20);

        const filler = fillDisk();
        await expect.poll(async () => (await call('runs.get', { id })).status, { timeout: 60_000 }).toBe('failed');
        const failed = await call('runs.get', { id });
        expect(failed.error).toMatch(new RegExp(`^disk full at ${dataDir}: `));
        expect(failed.error).toMatch(/everything stored before is kept/);
        expect(client.events.some((e) => e.type === 'run.status' && e.run.id === id && e.run.status === 'failed')).toBe(
          true,
        );

        // The host is still serving, and reads what was committed before the disk filled.
        expect(server.child.exitCode).toBeNull();
        const kept = await stored();
        expect(kept).toBeGreaterThan(20);
        expect((await call('sessions.list', {})).map((s) => s.name)).toEqual(['small disk']);

        // With space again, the same host writes again and the run resumes from its last checkpoint.
        fs.rmSync(filler);
        await call('sessions.create', { name: 'after' });
        expect((await call('runs.resume', { id, backend: 'cpu' })).status).toBe('queued');
        await expect.poll(async () => (await call('runs.get', { id })).status, { timeout: 60_000 }).toBe('running');
        await call('runs.stop', { id });
        await expect.poll(async () => (await call('runs.get', { id })).status, { timeout: 60_000 }).toBe('stopped');
      } finally {
        await client.close();
      }
      expect(await server.stop()).toBe(0);
      servers.splice(0);
    },
    180_000,
  );

  it.skipIf(cannotMount !== null)(
    'reports a read-only file system as read-only, not as a permissions problem',
    async () => {
      expect(tryMount(mountPoint, '8m')).toBeNull();
      const created = await runCliProcess(['sessions', 'create', 'before remount', '--data', dataDir]);
      expect(created.code).toBe(0);
      execFileSync('mount', ['-o', 'remount,ro', mountPoint]);

      const refused = await startServe(dataDir);
      expect(isServing(refused)).toBe(false);
      if (isServing(refused)) {
        servers.push(refused);
        return;
      }
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain(`The data folder ${dataDir} is on a read-only file system`);
      expect(refused.stderr).not.toMatch(/for this user|permission/i);

      const write = await runCliProcess(['sessions', 'create', 'refused', '--data', dataDir]);
      expect(write.code).toBe(1);
      expect(write.stderr).toMatch(/read-only file system/);

      // SQLite cannot read a WAL database where it cannot create the -shm file beside it: said so, too.
      const listed = await runCliProcess(['sessions', 'list', '--data', dataDir, '--json']);
      expect(listed.code).toBe(1);
      expect(listed.stderr).toContain(`${dataDir}/broadcast-lab.sqlite is on a read-only file system`);
    },
    120_000,
  );
});
