import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Connection } from '../../src-main/api/connection';
import { createApiHost, type ApiHost } from '../../src-main/api/host';
import { typedCaller } from '../support/api-scenario';
import { csvRecords } from '../support/export-fixture';
import { testTrainingLauncher } from '../support/training-launcher';

/**
 * The host stamps each metric batch with its clock as it stores it; a real (tiny) training run exported as tidy CSV
 * has a wall_time on every row, inside the run's life.
 */
describe('wall time of a trained run', () => {
  let dir: string;
  let host: ApiHost;
  let call: ReturnType<typeof typedCaller>;

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bl-wall-time-host-'));
    host = createApiHost({
      mode: 'desktop',
      dataDir: dir,
      versions: {},
      backend: 'cpu',
      validateResponses: true,
      launch: testTrainingLauncher,
    });
    const connection = new Connection(host.bus, () => {});
    call = typedCaller((method, payload) => host.dispatcher.invoke(method, payload, connection), new Set());
  });
  afterAll(async () => {
    await host.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('exports every point of a finished run with the time the host stored it', async () => {
    const session = await call('sessions.create', { name: 'wall time' });
    const experiment = await call('experiments.create', {
      sessionId: session.id,
      spec: {
        name: 'tiny',
        dataset: { name: 'gaussian-mixture', trainSubset: 200 },
        network: { hidden: [{ units: 4 }] },
        rules: [{ rule: 'bp' }],
        seeds: [1],
        epochs: 1,
        batchSize: 50,
      },
    });
    const [run] = await call('experiments.start', { id: experiment.id });
    await expect
      .poll(async () => (await call('runs.get', { id: run!.id })).status, { timeout: 60_000, interval: 100 })
      .toBe('completed');
    const stored = await call('runs.get', { id: run!.id });

    const file = path.join(dir, 'tidy.csv');
    await call('export.write', { selection: { kind: 'run', runId: run!.id }, format: 'tidy-csv', path: file });
    const rows = csvRecords(fs.readFileSync(file, 'utf8'));
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      expect(row.wall_time, `${row.split}/${row.metric} at step ${row.step}`).toMatch(
        /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/,
      );
      const time = Date.parse(row.wall_time!);
      expect(time).toBeGreaterThanOrEqual(stored.startedAt!);
      expect(time).toBeLessThanOrEqual(stored.endedAt!);
    }
  });
});
