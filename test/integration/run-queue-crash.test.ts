import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DATABASE_FILE } from '../../src-main/data-dir';
import { runCli } from '../../src-main/cli';
import { openStore } from '../../src-main/store';
import { freshServeFolders, longRunSpec } from '../support/host-process';

/** Three runs of one rule: the first trains (long enough to be killed mid-way), the other two wait in the queue. */
const spec = longRunSpec('queue across a crash', [1, 2, 3]);

const folders = freshServeFolders('bl-queue-');
const serve = () => folders.serve();

describe('queued runs across a crash of the host', () => {
  it('keep their place in the stored queue, untouched by a CLI command, and train when the app serves again', async () => {
    const crashed = await serve();
    const first = await crashed.connect();
    const session = await first.call('sessions.create', { name: 'queue' });
    const experiment = await first.call('experiments.create', { sessionId: session.id, spec });
    const runs = await first.call('experiments.start', { id: experiment.id, backend: 'cpu' });
    const [training, ...waiting] = runs.map((r) => r.id);
    await expect
      .poll(async () => (await first.call('runs.get', { id: training! })).status, { timeout: 60_000 })
      .toBe('running');
    // The queue is in the database, in order, while the host is alive.
    const queue = () => {
      const reader = openStore({ path: path.join(folders.dir, DATABASE_FILE), readOnly: true });
      try {
        return {
          queued: reader.queue.list().map((q) => [q.runId, q.backend]),
          statuses: reader.runs.list().map((r) => [r.id, r.status]),
        };
      } finally {
        reader.close();
      }
    };
    expect(queue().queued).toEqual(waiting.map((id) => [id, 'cpu']));
    await first.client.close();
    await crashed.crash();

    // A short-lived CLI command opens the folder first: it recovers the running run, trains nothing of the queue.
    const out: string[] = [];
    const code = await runCli(['info', '--data', folders.dir], {
      io: { out: (l) => out.push(l), err: (l) => out.push(l) },
    });
    expect(code, out.join('\n')).toBe(0);
    expect(queue()).toEqual({
      queued: waiting.map((id) => [id, 'cpu']),
      statuses: [[training, 'interrupted'], ...waiting.map((id) => [id, 'queued'])],
    });

    // The app serves the stored queue again: the first waiting run trains, the next waits its turn.
    const next = await serve();
    const second = await next.connect();
    try {
      await expect
        .poll(async () => (await second.call('runs.get', { id: waiting[0]! })).status, { timeout: 60_000 })
        .toBe('running');
      // Queued, or training beside it where the machine's cores give the app more than one slot.
      expect(['queued', 'running']).toContain((await second.call('runs.get', { id: waiting[1]! })).status);
      const events = (await second.call('runs.events', { runId: training! })).map((e) => e.message).join('\n');
      expect(events).toMatch(/was running when Broadcast Lab last stopped; it is marked interrupted/);
      // The waiting runs were never interrupted.
      for (const id of waiting)
        expect((await second.call('runs.events', { runId: id })).map((e) => e.kind)).not.toContain('run.interrupted');

      for (const id of waiting) {
        await second.call('runs.stop', { id });
        await expect
          .poll(async () => (await second.call('runs.get', { id })).status, { timeout: 60_000 })
          .toBe('stopped');
      }
      // The interrupted one resumes on request.
      expect((await second.call('runs.resume', { id: training!, backend: 'cpu' })).status).toBe('queued');
      await expect
        .poll(async () => (await second.call('runs.get', { id: training! })).status, { timeout: 60_000 })
        .toBe('running');
      await second.call('runs.stop', { id: training! });
      await expect
        .poll(async () => (await second.call('runs.get', { id: training! })).status, { timeout: 60_000 })
        .toBe('stopped');
    } finally {
      await second.client.close();
    }
  }, 180_000);

  it('leaves a run paused when the host died interrupted at the next start, resumable from its checkpoint', async () => {
    const crashed = await serve();
    const first = await crashed.connect();
    const session = await first.call('sessions.create', { name: 'paused' });
    const experiment = await first.call('experiments.create', { sessionId: session.id, spec: { ...spec, seeds: [1] } });
    const [run] = await first.call('experiments.start', { id: experiment.id, backend: 'cpu' });
    const id = run!.id;
    const checkpoints = async () => {
      const reader = openStore({ path: path.join(folders.dir, DATABASE_FILE), readOnly: true });
      try {
        return reader.checkpoints.list(id).length;
      } finally {
        reader.close();
      }
    };
    await expect.poll(checkpoints, { timeout: 60_000 }).toBeGreaterThan(0);
    expect((await first.call('runs.pause', { id })).status).toBe('paused');
    await first.client.close();
    await crashed.crash();

    const next = await serve();
    const second = await next.connect();
    try {
      expect((await second.call('runs.get', { id })).status).toBe('interrupted');
      const events = (await second.call('runs.events', { runId: id })).map((e) => e.message).join('\n');
      expect(events).toMatch(
        /was paused when Broadcast Lab last stopped; .* resume from its last checkpoint, at step \d+/,
      );
      await second.call('runs.resume', { id, backend: 'cpu' });
      await expect
        .poll(async () => (await second.call('runs.get', { id })).status, { timeout: 60_000 })
        .toBe('running');
      await second.call('runs.stop', { id });
      await expect
        .poll(async () => (await second.call('runs.get', { id })).status, { timeout: 60_000 })
        .toBe('stopped');
    } finally {
      await second.client.close();
    }
  }, 180_000);
});
