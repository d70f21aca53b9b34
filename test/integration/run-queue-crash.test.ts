import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DATABASE_FILE } from '../../src-main/data-dir';
import { openStore } from '../../src-main/store';
import { freshServeFolders, longRunSpec } from '../support/host-process';

/** Three runs of one rule: the first trains (long enough to be killed mid-way), the other two wait in the queue. */
const spec = longRunSpec('queue across a crash', [1, 2, 3]);

const folders = freshServeFolders('bl-queue-');
const serve = () => folders.serve();

describe('queued runs across a crash of the host', () => {
  it('are kept in the database, marked interrupted at the next start like the running one, and resume', async () => {
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
    const reader = openStore({ path: path.join(folders.dir, DATABASE_FILE), readOnly: true });
    try {
      expect(reader.queue.list().map((q) => [q.runId, q.backend])).toEqual(waiting.map((id) => [id, 'cpu']));
    } finally {
      reader.close();
    }
    await first.client.close();
    await crashed.crash();

    const next = await serve();
    const second = await next.connect();
    try {
      const after = await second.call('runs.list', { experimentId: experiment.id });
      expect(after.map((r) => [r.id, r.status])).toEqual(runs.map((r) => [r.id, 'interrupted']));
      for (const id of waiting) {
        const events = await second.call('runs.events', { runId: id });
        expect(events.map((e) => e.message).join('\n')).toMatch(/was queued .* had not started; resume runs it/);
      }
      // Nothing trains by itself after the restart: every run waits for the user's resume.
      expect(second.client.events.filter((e) => e.type === 'run.status')).toEqual([]);

      const resumed = waiting[1]!;
      expect((await second.call('runs.resume', { id: resumed, backend: 'cpu' })).status).toBe('queued');
      await expect
        .poll(async () => (await second.call('runs.get', { id: resumed })).status, { timeout: 60_000 })
        .toBe('running');
      expect((await second.call('runs.events', { runId: resumed })).map((e) => e.message)).toContain(
        'no checkpoint: starting again from step 0',
      );
      await second.call('runs.stop', { id: resumed });
      await expect
        .poll(async () => (await second.call('runs.get', { id: resumed })).status, { timeout: 60_000 })
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
