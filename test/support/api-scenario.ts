import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import type { MethodName, RequestOf, ResponseOf } from '../../shared/api/contract';
import type { InvokeOutcome } from '../../shared/api/envelope';
import type { ApiEvent } from '../../shared/api/events';
import type { ExperimentSpecInput } from '../../shared/schemas/experiment';
import type { Store } from '../../src-main/store/types';

/** Sends one request over some transport and returns the raw outcome. */
export type RawInvoke = (method: string, payload: unknown) => Promise<InvokeOutcome>;

/**
 * How long the contract scenario may take: it trains runs (an experiment and a sweep), renders a figure to PNG and
 * builds a bundle, about 12 s on a 2-core machine under load — more than vitest's default 30 s allows once the
 * other test files share those cores.
 */
export const CONTRACT_SCENARIO_TIMEOUT_MS = 120_000;

export const sampleSpec: ExperimentSpecInput = {
  name: 'EBD vs DFA on Fashion-MNIST',
  dataset: { name: 'fashion-mnist', trainSubset: 1000 },
  network: { hidden: [{ units: 64, activation: 'relu' }] },
  rules: [{ rule: 'ebd' }, { rule: 'dfa' }],
  seeds: [1, 2],
  epochs: 1,
  batchSize: 32,
};

export function typedCaller(invoke: RawInvoke, covered: Set<string>) {
  return async <M extends MethodName>(method: M, request: RequestOf<M>): Promise<ResponseOf<M>> => {
    covered.add(method);
    const outcome = await invoke(method, request);
    if (!outcome.ok) throw new Error(`${method} failed: ${outcome.error.code}: ${outcome.error.message}`);
    return outcome.result as ResponseOf<M>;
  };
}

/**
 * Drives every method of the contract through one transport and checks the answers against the store.
 * Both transports' tests run it, so "each handler through both transports" is one scenario, not two copies.
 * `events` returns what the transport delivered to this client so far.
 */
export async function runContractScenario(
  invoke: RawInvoke,
  store: Store,
  events: () => ApiEvent[],
): Promise<Set<string>> {
  const covered = new Set<string>();
  const call = typedCaller(invoke, covered);

  const info = await call('app.info', {});
  expect(info.name).toBe('broadcast-lab');
  expect(info.databasePath).toBe(store.path);
  expect(info.backends.map((b) => b.name)).toContain('cpu');

  const { subscriptionId } = await call('events.subscribe', { filter: { types: ['session.changed'] } });
  const session = await call('sessions.create', { name: '  Decorrelation study  ' });
  expect(session.name).toBe('Decorrelation study');
  const renamed = await call('sessions.rename', { id: session.id, name: 'EBD study' });
  expect(renamed.name).toBe('EBD study');
  const noted = await call('sessions.setNotes', { id: session.id, notes: 'λ sweep' });
  expect(noted.notes).toBe('λ sweep');
  expect((await call('sessions.list', {})).map((s) => s.name)).toContain('EBD study');

  const validation = await call('experiments.validate', { spec: { ...sampleSpec, epochs: 0 } });
  expect(validation.ok).toBe(false);
  if (!validation.ok) expect(validation.issues.map((i) => i.path)).toContain('epochs');
  const valid = await call('experiments.validate', { spec: sampleSpec });
  expect(valid.ok).toBe(true);

  const experiment = await call('experiments.create', { sessionId: session.id, spec: sampleSpec });
  expect(experiment.spec.rules.map((r) => r.rule)).toEqual(['ebd', 'dfa']);
  expect((await call('experiments.get', { id: experiment.id })).name).toBe(sampleSpec.name);
  const copy = await call('experiments.duplicate', { id: experiment.id, name: 'copy' });
  expect(copy.id).not.toBe(experiment.id);
  expect(copy.spec.seeds).toEqual([1, 2]);
  expect((await call('experiments.list', { sessionId: session.id })).length).toBe(2);
  expect(await call('experiments.delete', { id: copy.id })).toEqual({ deleted: true });

  // Runs come from the engine; here the store plays the engine's part.
  const run = store.runs.create({
    experimentId: experiment.id,
    rule: 'ebd',
    seed: 1,
    status: 'completed',
    backend: 'cpu',
  });
  store.metrics.insert(
    run.id,
    Array.from({ length: 500 }, (_, step) => ({
      step,
      epoch: step / 100,
      split: 'train' as const,
      name: 'loss',
      value: 1 / (step + 1),
    })),
  );
  expect((await call('runs.list', { experimentId: experiment.id })).map((r) => r.id)).toEqual([run.id]);
  expect((await call('runs.get', { id: run.id })).rule).toBe('ebd');
  expect(await call('metrics.names', { runId: run.id })).toEqual([{ name: 'loss', split: 'train', count: 500 }]);
  const series = await call('metrics.series', {
    runId: run.id,
    name: 'loss',
    split: 'train',
    fromStep: 100,
    maxPoints: 50,
  });
  expect(series.total).toBe(400);
  expect(series.points.length).toBeLessThanOrEqual(50);
  expect(series.points[0]?.step).toBe(100);
  expect(Math.max(...series.points.map((p) => p.value))).toBeCloseTo(1 / 101);

  // Figures: the run's loss curve as SVG text (the preview) and as a 300 dpi PNG.
  const figure = { kind: 'learning-curves' as const, metrics: ['loss'], split: 'train' as const };
  const preview = await call('export.figurePreview', { selection: { kind: 'run', runId: run.id }, figure });
  expect(preview.svg).toContain('>Train loss</text>');
  expect(preview.runIds).toEqual([run.id]);
  const png = await call('export.figure', {
    selection: { kind: 'run', runId: run.id },
    figure: { ...figure, format: 'png' },
  });
  expect([png.mimeType, Buffer.from(png.content, 'base64').toString('latin1', 1, 4)]).toEqual(['image/png', 'PNG']);

  // Data exports in depth: test/integration/export-*.test.ts. Here, that each transport carries them.
  const tidy = await call('export.preview', {
    selection: { kind: 'run', runId: run.id },
    format: 'tidy-csv',
    maxChars: 200,
  });
  expect([tidy.fileName, tidy.truncated, tidy.text.split('\n')[0]?.startsWith('run_id,')]).toEqual([
    `run-${run.id}-tidy.csv`,
    true,
    true,
  ]);
  const exportDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bl-scenario-export-'));
  const written = await call('export.write', {
    selection: { kind: 'run', runId: run.id },
    format: 'aggregate-csv',
    path: path.join(exportDir, 'aggregate.csv'),
  });
  expect(fs.statSync(written.path).size).toBe(written.bytes);
  covered.add('export.verify');
  expect(await invoke('export.verify', { path: path.join(exportDir, 'no-bundle.zip') })).toMatchObject({
    ok: false,
    error: { code: 'not_found' },
  });
  fs.rmSync(exportDir, { recursive: true, force: true });

  // Training: queue the experiment's runs (2 rules × 2 seeds), then take the last one off the queue and back.
  const started = await call('experiments.start', { id: experiment.id, backend: 'cpu' });
  expect(started.map((r) => [r.rule, r.seed])).toEqual([
    ['ebd', 1],
    ['dfa', 1],
    ['ebd', 2],
    ['dfa', 2],
  ]);
  const last = started.at(-1)!;
  expect((await call('runs.stop', { id: last.id })).status).toBe('stopped');
  expect((await call('runs.resume', { id: last.id })).status).toBe('queued');
  expect((await call('runs.stop', { id: last.id })).status).toBe('stopped');
  expect(await call('runs.progress', { id: last.id })).toBeNull();
  expect((await call('runs.events', { runId: last.id })).map((e) => e.kind)).toContain('resume');
  covered.add('runs.pause');
  const pause = await invoke('runs.pause', { id: last.id });
  expect(pause).toMatchObject({ ok: false, error: { code: 'conflict' } });
  for (const r of started) await invoke('runs.stop', { id: r.id });
  // Sweeps, the scheduler and imports in depth: test/integration/sweep-*.test.ts. Here, that each transport carries them.
  const sweep = { experiment: sampleSpec, axes: [{ field: 'optimizer.learningRate', values: [0.01, 0.1] }] };
  expect(await call('sweeps.preview', { sweep })).toMatchObject({ ok: true, runCount: 8 });
  expect((await call('scheduler.setSlots', { slots: 1 })).slots).toBe(1);
  const sweepSession = store.sessions.create({ name: 'Sweep' });
  const swept = await call('sweeps.start', { sessionId: sweepSession.id, sweep, backend: 'cpu' });
  expect(swept.runs.map((r) => r.sweepValues?.['optimizer.learningRate'])).toEqual([
    ...Array(4).fill(0.01),
    ...Array(4).fill(0.1),
  ]);
  const lastSwept = swept.runs.at(-1)!;
  expect((await call('runs.setPriority', { id: lastSwept.id, priority: 5 })).id).toBe(lastSwept.id);
  expect((await call('scheduler.get', {})).queued[0]).toMatchObject({ runId: lastSwept.id, priority: 5 });
  for (const r of swept.runs) await invoke('runs.stop', { id: r.id });
  covered.add('runs.import');
  expect(await invoke('runs.import', { path: path.join(os.tmpdir(), 'bl-no-such-results') })).toMatchObject({
    ok: false,
    error: { code: 'not_found' },
  });
  // Cluster sweeps in depth: test/integration/cluster-*.test.ts. Here, that each transport carries them (no SLURM).
  const clusterResults = path.join(os.tmpdir(), `bl-scenario-cluster-${process.pid}`);
  const clusterRequest = { sessionId: sweepSession.id, sweep, results: clusterResults, slurm: { time: '0:10:00' } };
  expect((await call('cluster.plan', clusterRequest)).script).toMatch(/^#SBATCH --time=0:10:00$/m);
  expect(await call('cluster.list', {})).toEqual([]);
  for (const [method, request] of [
    ['cluster.submit', { ...clusterRequest, script: '#!/bin/bash\necho no array\n' }],
    ['cluster.follow', { results: clusterResults, sessionId: sweepSession.id }],
    ['cluster.resubmit', { results: clusterResults }],
  ] as const) {
    covered.add(method);
    expect(await invoke(method, request)).toMatchObject({ ok: false });
  }
  const datasets = await call('datasets.list', {});
  expect(datasets.find((d) => d.name === 'fashion-mnist')).toMatchObject({ task: 'classification', outputSize: 10 });
  // Imports and downloads in depth: test/integration/api-datasets.test.ts. Here, that each transport carries them.
  const tableDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bl-scenario-'));
  const table = path.join(tableDir, 'scenario-table.csv');
  fs.writeFileSync(table, 'a,label\n1,x\n2,y\n3,x\n');
  const imported = await call('datasets.import', { path: table });
  expect(imported).toMatchObject({ name: 'scenario-table', origin: 'imported', sizes: { train: 3 } });
  expect(await call('datasets.forget', { name: 'scenario-table' })).toEqual({ forgotten: true });
  fs.rmSync(tableDir, { recursive: true, force: true });
  covered.add('datasets.download');
  const download = await invoke('datasets.download', { name: 'spirals' });
  expect(download).toMatchObject({ ok: false, error: { code: 'invalid_request' } });

  // Presets come with every default filled in; the estimate times each arm and scales it to the data.
  const presets = await call('presets.list', {});
  expect(presets.find((p) => p.id === 'fashion-mlp-ebd')?.spec.rules[0]?.rule).toBe('ebd');
  // Templates: a name is unique ignoring case; replacing keeps the template's id and takes the new spec.
  const template = await call('templates.save', { name: 'EBD base', spec: sampleSpec });
  expect(template).toMatchObject({ name: 'EBD base', problem: null, spec: { epochs: 1 } });
  const clash = await invoke('templates.save', { name: 'ebd BASE', spec: sampleSpec });
  expect(clash).toMatchObject({ ok: false, error: { code: 'conflict', message: expect.stringContaining('EBD base') } });
  const replaced = await call('templates.save', {
    name: 'ebd BASE',
    spec: { ...sampleSpec, epochs: 4 },
    replace: true,
  });
  expect(replaced).toMatchObject({ id: template.id, name: 'ebd BASE', spec: { epochs: 4 } });
  expect((await call('templates.list', {})).map((t) => [t.id, t.spec?.epochs])).toEqual([[template.id, 4]]);
  expect(await call('templates.delete', { id: template.id })).toEqual({ deleted: true });
  expect(await call('templates.list', {})).toEqual([]);
  expect(await invoke('templates.delete', { id: template.id })).toMatchObject({
    ok: false,
    error: { code: 'not_found' },
  });

  const estimate = await call('experiments.estimate', { spec: sampleSpec, backend: 'cpu' });
  expect(estimate).toMatchObject({ backend: 'cpu', splits: { train: 1000 }, stepsPerEpoch: 31 });
  expect(estimate.arms.map((a) => a.label)).toEqual(['EBD', 'DFA']);
  const perSeed = estimate.arms.reduce((sum, a) => sum + a.secondsPerEpoch, 0);
  expect(estimate.arms.every((a) => a.msPerStep > 0 && a.secondsPerEpoch >= (31 * a.msPerStep) / 1000)).toBe(true);
  expect(estimate.totalSeconds).toBeCloseTo(perSeed * 2, 9);

  const opened = await call('sessions.open', { id: session.id });
  expect(opened.experiments.map((e) => e.id)).toEqual([experiment.id]);
  expect(opened.runs.map((r) => r.id)).toEqual(expect.arrayContaining([run.id, last.id]));
  // The filter is applied by the store: the session has a completed EBD run on fashion-mnist, and no BP.
  const found = { query: 'ebd STUDY', rule: 'ebd', dataset: 'fashion-mnist', status: 'completed' } as const;
  expect((await call('sessions.list', found)).map((s) => s.id)).toEqual([session.id]);
  expect(await call('sessions.list', { ...found, rule: 'bp' })).toEqual([]);

  expect(await call('sessions.delete', { id: session.id })).toEqual({ deleted: true });
  expect(store.runs.get(run.id)).toBeUndefined();
  await expect
    .poll(() => events().filter((e) => e.type === 'session.changed' && e.sessionId === session.id).length)
    .toBeGreaterThanOrEqual(4);
  expect(await call('events.unsubscribe', { subscriptionId })).toEqual({ removed: true });
  return covered;
}

/** Requests the contract must refuse, with the path the error must name. */
export const invalidRequests: { method: string; payload: unknown; code: string; mentions: string }[] = [
  { method: 'sessions.create', payload: { name: '   ' }, code: 'invalid_request', mentions: 'name' },
  { method: 'sessions.create', payload: { name: 'x', extra: 1 }, code: 'invalid_request', mentions: 'extra' },
  { method: 'sessions.rename', payload: { id: -3, name: 'x' }, code: 'invalid_request', mentions: 'id' },
  { method: 'sessions.list', payload: { from: 9, to: 1 }, code: 'invalid_request', mentions: 'from' },
  {
    method: 'experiments.create',
    payload: { sessionId: 1, spec: { name: 'x' } },
    code: 'invalid_request',
    mentions: 'spec.dataset',
  },
  {
    method: 'metrics.series',
    payload: { runId: 1, name: 'loss', split: 'nope' },
    code: 'invalid_request',
    mentions: 'split',
  },
  {
    method: 'sweeps.start',
    payload: {
      sessionId: 1,
      sweep: { experiment: sampleSpec, axes: [{ field: 'optimizer.learningRate', values: [] }] },
    },
    code: 'invalid_request',
    mentions: 'axes.0.values: an axis needs at least one value',
  },
  { method: 'sessions.launchMissiles', payload: {}, code: 'unknown_method', mentions: 'sessions.launchMissiles' },
  { method: 'sessions.open', payload: { id: 987654 }, code: 'not_found', mentions: '987654' },
];
