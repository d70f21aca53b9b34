import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DATABASE_FILE } from '../../src-main/data-dir';
import { openStore } from '../../src-main/store';
import { freshServeFolders, longRunSpec } from '../support/host-process';

/**
 * A host killed in the middle of a sweep that trains 2 runs at a time: everything it stored stays, the 2 running
 * runs are interrupted and resumable from their checkpoints, the queued ones keep their place in the stored queue
 * and train when the app serves it again (recovery.ts), and a resumed run continues where its checkpoint left it.
 */
const folders = freshServeFolders('bl-sweep-crash-');
const sweep = {
  experiment: longRunSpec('sweep across a crash', [1, 2]),
  axes: [{ field: 'optimizer.learningRate', values: [0.001, 0.002, 0.003] }],
};

function reader<T>(read: (store: ReturnType<typeof openStore>) => T): T {
  const store = openStore({ path: path.join(folders.dir, DATABASE_FILE), readOnly: true });
  try {
    return read(store);
  } finally {
    store.close();
  }
}

describe('a sweep across a crash of the host', () => {
  it('keeps its runs and values; the running ones resume from their checkpoints, the queued ones stay queued', async () => {
    const crashed = await folders.serve();
    const first = await crashed.connect();
    const session = await first.call('sessions.create', { name: 'sweep crash' });
    expect((await first.call('scheduler.setSlots', { slots: 2 })).slots).toBe(2);
    const { runs } = await first.call('sweeps.start', { sessionId: session.id, sweep, backend: 'cpu' });
    expect(runs).toHaveLength(6);
    // Two train at once, each far enough to have a checkpoint; four wait in the stored queue.
    const training = () =>
      reader((store) =>
        store.runs
          .list()
          .filter((r) => r.status === 'running' && store.checkpoints.list(r.id).length > 0)
          .map((r) => r.id),
      );
    await expect.poll(() => training().length, { timeout: 90_000, interval: 200 }).toBe(2);
    const running = training();
    const queued = reader((store) => store.queue.list().map((q) => q.runId));
    expect(queued).toHaveLength(4);
    await first.client.close();
    await crashed.crash();

    const next = await folders.serve();
    const second = await next.connect();
    try {
      const after = await second.call('runs.list', { sessionId: session.id });
      expect(after.map((r) => r.sweepValues)).toEqual(runs.map((r) => r.sweepValues));
      const status = new Map(after.map((r) => [r.id, r.status]));
      for (const id of running) expect(status.get(id), `run ${id}`).toBe('interrupted');
      // The queued four are still the queue's (the first of them may already be training again).
      for (const id of queued) expect(['queued', 'running'], `run ${id}`).toContain(status.get(id));
      for (const id of queued) {
        await second.call('runs.stop', { id });
        await expect
          .poll(async () => (await second.call('runs.get', { id })).status, { timeout: 60_000 })
          .toBe('stopped');
      }
      const [resumed] = running;
      const checkpoint = reader((store) => store.checkpoints.latest(resumed!)!.step);
      expect(checkpoint).toBeGreaterThan(0);
      expect((await second.call('runs.resume', { id: resumed!, backend: 'cpu' })).status).toBe('queued');
      await expect
        .poll(async () => (await second.call('runs.get', { id: resumed! })).status, { timeout: 60_000 })
        .toBe('running');
      const events = (await second.call('runs.events', { runId: resumed! })).map((e) => e.message);
      expect(events).toContain(`resuming from the checkpoint at step ${checkpoint}`);
      await second.call('runs.stop', { id: resumed! });
      await expect
        .poll(async () => (await second.call('runs.get', { id: resumed! })).status, { timeout: 60_000 })
        .toBe('stopped');
    } finally {
      await second.client.close();
    }
  }, 240_000);
});
