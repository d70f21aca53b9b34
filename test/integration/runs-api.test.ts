import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExperimentSpecInput } from '../../shared/schemas/experiment';
import type { Run } from '../../shared/schemas/records';
import type { ApiEvent } from '../../shared/api/events';
import { createApiHost, type ApiHost } from '../../src-main/api/host';
import { startServer, WS_PATH, type RunningServer } from '../../src-main/serve/http-server';
import type { TrainingProcess } from '../../src-main/runs/training-channel';
import { typedCaller } from '../support/api-scenario';
import { testTrainingLauncher } from '../support/training-launcher';
import { TestSocketClient } from '../support/ws-client';

const TOKEN = 'runs-api-test-token';
let dir: string;
let host: ApiHost;
let server: RunningServer;
let client: TestSocketClient;
let call: ReturnType<typeof typedCaller>;
/** The training processes the host started, so that a test can kill one as a crash would. */
const processes: TrainingProcess[] = [];

const spec = (overrides: Partial<ExperimentSpecInput> = {}): ExperimentSpecInput => ({
  name: 'runs through the API',
  dataset: { name: 'gaussian-mixture', trainSubset: 1200, validationFraction: 0.1 },
  network: { hidden: [{ units: 16, activation: 'tanh' }] },
  rules: [{ rule: 'ebd' }, { rule: 'dfa' }],
  seeds: [3],
  epochs: 2,
  batchSize: 16,
  monitoring: { readEvery: 5, diagnosticsEvery: 20, checkpointEvery: 50 },
  ...overrides,
});

async function experiment(overrides: Partial<ExperimentSpecInput> = {}) {
  const session = await call('sessions.create', { name: `runs ${Date.now()}` });
  return call('experiments.create', { sessionId: session.id, spec: spec(overrides) });
}

async function statusOf(id: number): Promise<Run['status']> {
  return (await call('runs.get', { id })).status;
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bl-runs-'));
  host = createApiHost({
    mode: 'serve',
    dataDir: dir,
    backend: 'cpu',
    validateResponses: true,
    launch: () => {
      const p = testTrainingLauncher();
      processes.push(p);
      return p;
    },
  });
  server = await startServer({
    host: '127.0.0.1',
    port: 0,
    token: TOKEN,
    staticDir: null,
    dispatcher: host.dispatcher,
    bus: host.bus,
  });
  client = await TestSocketClient.connect(`ws://127.0.0.1:${server.port}${WS_PATH}?token=${TOKEN}`);
  call = typedCaller(client.invoke, new Set());
  await call('events.subscribe', {});
});

afterAll(async () => {
  await client.close();
  await server.close();
  await host.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const eventsFor = (runId: number, type: ApiEvent['type']) =>
  client.events.filter(
    (e) => e.type === type && ('runId' in e ? e.runId === runId : e.type === 'run.status' && e.run.id === runId),
  );

describe('runs through the API (serve mode, real training processes)', () => {
  it('trains every rule × seed, streaming status, progress and metric batches, and stores the results', async () => {
    const exp = await experiment();
    const runs = await call('experiments.start', { id: exp.id });
    expect(runs.map((r) => [r.rule, r.seed, r.status])).toEqual([
      ['ebd', 3, 'queued'],
      ['dfa', 3, 'queued'],
    ]);
    for (const run of runs)
      await expect.poll(() => statusOf(run.id), { timeout: 60_000, interval: 200 }).toBe('completed');

    for (const run of runs) {
      const stored = await call('runs.get', { id: run.id });
      expect(stored.backend).toBe('cpu');
      expect(stored.environment).toMatchObject({ dataset: 'gaussian-mixture', backend: 'cpu' });
      expect(typeof stored.environment.datasetHash).toBe('string');
      const names = await call('metrics.names', { runId: run.id });
      const has = (name: string, split: string) => names.some((n) => n.name === name && n.split === split);
      expect(has('loss', 'train') && has('accuracy', 'test') && has('accuracy', 'validation')).toBe(true);
      expect(has('layer1.bp_cosine', 'diagnostic')).toBe(true);
      const accuracy = await call('metrics.series', { runId: run.id, name: 'accuracy', split: 'test' });
      // By default a run gets at least 20 evaluations: ceil(20 / 2 epochs) = 10 per epoch, the last at its end.
      expect(accuracy.points).toHaveLength(20);
      expect(accuracy.points[9]!.epoch).toBe(1);
      expect(accuracy.points.at(-1)!.value).toBeGreaterThan(0.4); // chance is 1/3
      expect(eventsFor(run.id, 'metrics.batch').length).toBeGreaterThan(3);
      expect(eventsFor(run.id, 'run.progress').length).toBeGreaterThan(3);
      const statuses = eventsFor(run.id, 'run.status').map((e) => (e.type === 'run.status' ? e.run.status : null));
      expect(statuses).toEqual(expect.arrayContaining(['queued', 'running', 'completed']));
      expect((await call('runs.events', { runId: run.id })).map((e) => e.kind)).toEqual(
        expect.arrayContaining(['started', 'completed']),
      );
    }
    // The two rules shared the seed, hence the initial weights and the data order. Layer 1's presynaptic factor is
    // the batch itself (H₀ = X), so its series at every diagnostics step is the data order; the activation power
    // at step 0 is the initial weights on the first batch. From then on the rules' updates make the weights differ.
    const diagnostic = async (runId: number, name: string) =>
      (await call('metrics.series', { runId, name, split: 'diagnostic' })).points.map((p) => [p.step, p.value]);
    const [ebd, dfa] = runs.map((run) => run.id) as [number, number];
    for (const name of ['layer1.pre.mean', 'layer1.pre.std', 'layer1.pre.q50']) {
      const series = await diagnostic(ebd, name);
      expect(series.length, name).toBeGreaterThanOrEqual(6);
      expect(new Set(series.map(([, value]) => value)).size, `${name} changes from batch to batch`).toBe(series.length);
      expect(await diagnostic(dfa, name), name).toEqual(series);
    }
    const [ebdPower, dfaPower] = [
      await diagnostic(ebd, 'layer1.activation_power'),
      await diagnostic(dfa, 'layer1.activation_power'),
    ];
    expect(ebdPower[0]).toEqual([0, expect.any(Number)]);
    expect(dfaPower[0]).toEqual(ebdPower[0]);
    expect(dfaPower.at(-1)![1]).not.toBe(ebdPower.at(-1)![1]);
  });

  it('pauses, resumes and stops a run, and resumes a stopped run from its checkpoint', async () => {
    const exp = await experiment({ rules: [{ rule: 'bp' }], epochs: 400 });
    const [run] = await call('experiments.start', { id: exp.id });
    const id = run!.id;
    await expect.poll(() => eventsFor(id, 'run.progress').length, { timeout: 30_000 }).toBeGreaterThan(2);

    expect((await call('runs.pause', { id })).status).toBe('paused');
    // Steps under way finish; the run then says where it holds, after reporting every step up to there.
    const pausedAt = async () => {
      const events = await call('runs.events', { runId: id });
      const match = /paused at step (\d+)/.exec(events.map((e) => e.message).join('\n'));
      return match ? Number(match[1]) : null;
    };
    await expect.poll(pausedAt, { timeout: 30_000 }).not.toBeNull();
    const heldAt = (await pausedAt())!;
    expect((await call('runs.progress', { id }))!.step).toBe(heldAt);
    const stored = await call('metrics.series', { runId: id, name: 'loss', split: 'train', maxPoints: 100_000 });
    expect(stored.points.at(-1)!.step).toBe(heldAt - 1);
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect((await call('runs.progress', { id }))!.step).toBe(heldAt);

    expect((await call('runs.resume', { id })).status).toBe('running');
    await expect
      .poll(async () => (await call('runs.progress', { id }))?.step ?? 0, { timeout: 10_000 })
      .toBeGreaterThan(heldAt);

    await call('runs.stop', { id });
    await expect.poll(() => statusOf(id), { timeout: 30_000 }).toBe('stopped');
    const before = await call('metrics.series', { runId: id, name: 'loss', split: 'train' });
    expect(before.total).toBeGreaterThan(0);

    // Resume from the stop's checkpoint, then stop again: the stored series keeps strictly increasing steps.
    expect((await call('runs.resume', { id })).status).toBe('queued');
    await expect.poll(() => statusOf(id), { timeout: 30_000 }).toBe('running');
    const resumedEvents = await call('runs.events', { runId: id });
    expect(resumedEvents.map((e) => e.message).join('\n')).toMatch(/resuming from the checkpoint at step \d+/);
    await expect
      .poll(async () => (await call('metrics.series', { runId: id, name: 'loss', split: 'train' })).total, {
        timeout: 30_000,
      })
      .toBeGreaterThan(before.total);
    await call('runs.stop', { id });
    await expect.poll(() => statusOf(id), { timeout: 30_000 }).toBe('stopped');
    const steps = (await call('metrics.series', { runId: id, name: 'loss', split: 'train' })).points.map((p) => p.step);
    expect(steps.every((s, i) => i === 0 || s > steps[i - 1]!)).toBe(true);
  }, 90_000);

  it('marks a killed training process "interrupted" and resumes it to the same result as an uninterrupted run', async () => {
    // ~800 steps: the kill must land well before the run ends, after its first checkpoint (step 50).
    const overrides = { rules: [{ rule: 'sbd' as const }], loss: 'cross_entropy' as const, epochs: 12 };
    const reference = await experiment(overrides);
    const [referenceRun] = await call('experiments.start', { id: reference.id });
    await expect.poll(() => statusOf(referenceRun!.id), { timeout: 60_000, interval: 200 }).toBe('completed');

    const crashed = await experiment(overrides);
    const [run] = await call('experiments.start', { id: crashed.id });
    const id = run!.id;
    // Wait until a checkpoint has been stored, then kill the process as a crash would.
    await expect
      .poll(() => host.store.checkpoints.list(id).length, { timeout: 30_000, interval: 50 })
      .toBeGreaterThan(0);
    processes.at(-1)!.kill();
    await expect.poll(() => statusOf(id), { timeout: 10_000 }).toBe('interrupted');
    expect((await call('runs.get', { id })).error).toMatch(/killed/);

    await call('runs.resume', { id });
    await expect.poll(() => statusOf(id), { timeout: 60_000, interval: 200 }).toBe('completed');
    const final = async (runId: number) =>
      (await call('metrics.series', { runId, name: 'accuracy', split: 'test' })).points.map((p) => p.value);
    expect(await final(id)).toEqual(await final(referenceRun!.id));
    const loss = async (runId: number) =>
      (await call('metrics.series', { runId, name: 'loss', split: 'train' })).points.map((p) => [p.step, p.value]);
    expect(await loss(id)).toEqual(await loss(referenceRun!.id));
  }, 120_000);

  it('refuses to pause a run that is not running, naming its status', async () => {
    const exp = await experiment({ rules: [{ rule: 'bp' }], epochs: 1 });
    const [run] = await call('experiments.start', { id: exp.id });
    await expect.poll(() => statusOf(run!.id), { timeout: 30_000 }).toBe('completed');
    const outcome = await client.invoke('runs.pause', { id: run!.id });
    expect(outcome).toMatchObject({ ok: false, error: { code: 'conflict' } });
    if (!outcome.ok) expect(outcome.error.message).toContain('completed');
  }, 60_000);
});
