import { describe, expect, test } from 'vitest';
import { configDiff, groupKey, groupRuns, runConfig } from '../../shared/analysis/grouping';
import { ExperimentSpec, type ExperimentSpecInput } from '../../shared/schemas/experiment';
import type { Experiment, Run } from '../../shared/schemas/records';

function experiment(id: number, input: Partial<ExperimentSpecInput> = {}): Experiment {
  const spec = ExperimentSpec.parse({
    name: `experiment ${id}`,
    dataset: { name: 'gaussian-mixture', trainSubset: 600 },
    network: { hidden: [{ units: 16 }] },
    rules: [{ rule: 'ebd' }, { rule: 'bp' }],
    seeds: [1, 2],
    epochs: 3,
    batchSize: 16,
    ...input,
  });
  return { id, sessionId: 1, name: spec.name, schemaVersion: 1, spec, createdAt: id };
}

let nextRun = 1;
function run(exp: Experiment, arm: number, seed: number, environment: Run['environment'] = { arm }): Run {
  const rule = exp.spec.rules[arm]?.rule ?? 'bp';
  return {
    id: nextRun++,
    experimentId: exp.id,
    sessionId: exp.sessionId,
    rule,
    seed,
    status: 'completed',
    backend: 'cpu',
    environment,
    startedAt: null,
    endedAt: null,
    error: null,
    createdAt: 0,
    checkpointBytes: 0,
  };
}

const byId = (...experiments: Experiment[]) => new Map(experiments.map((e) => [e.id, e]));

describe('runConfig', () => {
  test('takes the run’s own arm with defaults filled, and the arm’s optimiser override', () => {
    const exp = experiment(1, {
      rules: [
        { rule: 'ebd', label: 'mine', params: { lambda: 0.9 } },
        { rule: 'bp', optimizer: { kind: 'sgd', learningRate: 0.1 } },
      ],
    });
    const ebd = runConfig(run(exp, 0, 1), exp);
    expect(ebd.rules.rule).toBe('ebd');
    expect(ebd.rules.params).toMatchObject({ lambda: 0.9, initScale: 1, g: 'identity', freeze: false });
    expect(ebd.optimizer.kind).toBe('adam');
    expect(JSON.stringify(ebd)).not.toContain('mine');
    const bp = runConfig(run(exp, 1, 1), exp);
    expect(bp.rules).toEqual({ rule: 'bp', params: {} });
    expect(bp.optimizer).toMatchObject({ kind: 'sgd', learningRate: 0.1 });
    expect(Object.keys(bp)).not.toContain('seeds');
    expect(Object.keys(bp)).not.toContain('monitoring');
  });

  test('picks the arm by index, so two arms of the same rule stay apart', () => {
    const exp = experiment(1, { rules: [{ rule: 'ebd' }, { rule: 'ebd', params: { lambda: 0.5 } }] });
    expect(runConfig(run(exp, 1, 1), exp).rules.params.lambda).toBe(0.5);
    expect(runConfig(run(exp, 0, 1), exp).rules.params.lambda).toBe(0.99);
  });

  test('a run without an arm index falls back to its rule; a run matching no arm is an error', () => {
    const exp = experiment(1);
    expect(runConfig(run(exp, 1, 1, {}), exp).rules.rule).toBe('bp');
    const stranger = { ...run(exp, 0, 1, {}), rule: 'dfa' };
    expect(() => runConfig(stranger, exp)).toThrow(/matches no arm of experiment 1/);
  });
});

/** The same value with every object's keys in reverse order. */
function reverseKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reverseKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .reverse()
      .map(([k, v]) => [k, reverseKeys(v)]),
  );
}

describe('groupKey', () => {
  test('does not depend on key order, and omits undefined members', () => {
    const exp = experiment(1);
    const config = runConfig(run(exp, 0, 1), exp);
    const shuffled = reverseKeys(config) as typeof config;
    expect(Object.keys(shuffled)[0]).toBe('batchSize');
    expect(Object.keys(shuffled.optimizer)[0]).toBe('schedule');
    expect(groupKey(shuffled)).toBe(groupKey(config));
    expect(groupKey({ ...config, dataset: { ...config.dataset, trainSubset: undefined } })).not.toContain(
      'trainSubset',
    );
    expect(groupKey({ ...config, epochs: 4 })).not.toBe(groupKey(config));
  });
});

describe('groupRuns', () => {
  test('seeds of one arm form a group; arms and differing settings do not mix', () => {
    const a = experiment(1);
    const runs = [run(a, 0, 1), run(a, 1, 1), run(a, 0, 2), run(a, 1, 2)];
    const groups = groupRuns(runs, byId(a));
    expect(groups.map((g) => g.runs.map((r) => `${r.rule}/${r.seed}`))).toEqual([
      ['ebd/1', 'ebd/2'],
      ['bp/1', 'bp/2'],
    ]);
    expect(groups.map((g) => g.label)).toEqual([
      'EBD · gaussian-mixture · hidden 16',
      'BP · gaussian-mixture · hidden 16',
    ]);
  });

  test('identical configurations join across experiments despite names, labels, seeds and monitoring', () => {
    const a = experiment(1);
    const b = experiment(2, {
      name: 'another name',
      description: 'notes',
      rules: [{ rule: 'bp', label: 'Backprop baseline' }],
      seeds: [7],
      monitoring: { readEvery: 5 },
    });
    const groups = groupRuns([run(a, 1, 1), run(b, 0, 7), run(a, 1, 2)], byId(a, b));
    expect(groups).toHaveLength(1);
    expect(groups[0]?.runs.map((r) => r.seed)).toEqual([1, 2, 7]);
  });

  test('explicit default parameters group with omitted ones', () => {
    const a = experiment(1, { rules: [{ rule: 'ebd' }] });
    const b = experiment(2, { rules: [{ rule: 'ebd', params: { lambda: 0.99, g: 'identity' } }] });
    expect(groupRuns([run(a, 0, 1), run(b, 0, 2)], byId(a, b))).toHaveLength(1);
  });

  test('labels show layer sizes when the dataset is known, and name what tells clashing groups apart', () => {
    const a = experiment(1, { rules: [{ rule: 'ebd' }, { rule: 'ebd', params: { lambda: 0.9 } }] });
    const b = experiment(2, { rules: [{ rule: 'ebd' }], epochs: 5 });
    const shapes = (name: string) => (name === 'gaussian-mixture' ? { input: 2, output: 3 } : undefined);
    const labels = groupRuns([run(a, 0, 1), run(a, 1, 1), run(b, 0, 1)], byId(a, b), shapes).map((g) => g.label);
    expect(labels).toEqual([
      'EBD · gaussian-mixture · 2-16-3 (lambda 0.99, epochs 3)',
      'EBD · gaussian-mixture · 2-16-3 (lambda 0.9, epochs 3)',
      'EBD · gaussian-mixture · 2-16-3 (lambda 0.99, epochs 5)',
    ]);
    expect(new Set(labels).size).toBe(3);
  });

  test('a run whose experiment is not loaded is named, not dropped', () => {
    const a = experiment(1);
    expect(() => groupRuns([run(a, 0, 1)], byId())).toThrow(/experiment 1, which is not loaded/);
  });
});

describe('configDiff', () => {
  test('lists only the paths that differ, the arm first, with one value per config', () => {
    const a = experiment(1, { optimizer: { learningRate: 0.01 } });
    const b = experiment(2, { network: { hidden: [{ units: 16 }, { units: 8, activation: 'tanh' }] } });
    const diff = configDiff([runConfig(run(a, 0, 1), a), runConfig(run(a, 1, 1), a), runConfig(run(b, 1, 1), b)]);
    expect(diff.map((d) => d.path)).toEqual([
      'rules.params.direction',
      'rules.params.forwardBroadcast',
      'rules.params.forwardBroadcastInput',
      'rules.params.freeze',
      'rules.params.g',
      'rules.params.gradient',
      'rules.params.gradientMomentum',
      'rules.params.initScale',
      'rules.params.lambda',
      'rules.rule',
      'network.hidden.1.activation',
      'network.hidden.1.units',
      'optimizer.learningRate',
    ]);
    const get = (path: string) => diff.find((d) => d.path === path)?.values;
    expect(get('rules.rule')).toEqual(['ebd', 'bp', 'bp']);
    expect(get('rules.params.lambda')).toEqual(['0.99', '—', '—']);
    expect(get('network.hidden.1.units')).toEqual(['—', '—', '8']);
    expect(get('optimizer.learningRate')).toEqual(['0.01', '0.01', '0.001']);
  });

  test('lists of plain values are one setting; equal configs have no differences', () => {
    const a = experiment(1, { optimizer: { layerRates: [1, 0.5] } });
    const b = experiment(2);
    const diff = configDiff([runConfig(run(a, 1, 1), a), runConfig(run(b, 1, 1), b)]);
    expect(diff).toEqual([{ path: 'optimizer.layerRates', values: ['[1, 0.5]', '[]'] }]);
    expect(configDiff([runConfig(run(b, 0, 1), b), runConfig(run(b, 0, 2), b)])).toEqual([]);
  });
});
