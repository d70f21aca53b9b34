import { describe, expect, it } from 'vitest';
import { expandSweep, type SweepExpansion } from '../../shared/sweeps';
import { denseUnits } from '../../shared/network/describe';

const experiment = {
  name: 'tiny',
  dataset: { name: 'gaussian-mixture' },
  network: { hidden: [{ units: 8 }] },
  rules: [{ rule: 'ebd', params: { lambda: 0.99 } }, { rule: 'dfa' }],
  seeds: [1, 2],
  epochs: 1,
  batchSize: 16,
};

function ok(expansion: SweepExpansion) {
  if (!expansion.ok) throw new Error(JSON.stringify(expansion.issues));
  return expansion;
}

function issues(expansion: SweepExpansion) {
  if (expansion.ok) throw new Error('expected the sweep to be refused');
  return expansion.issues;
}

describe('sweep expansion', () => {
  it('crosses lists and ranges into a grid, the first axis slowest, and counts points × arms × seeds', () => {
    const sweep = ok(
      expandSweep({
        experiment,
        axes: [
          { field: 'optimizer.learningRate', log: { from: 1e-4, to: 1e-2, count: 3 } },
          { field: 'rules.0.params.lambda', values: [0.9, 0.999] },
        ],
      }),
    );
    expect(sweep.points.map((p) => p.values)).toEqual([
      { 'optimizer.learningRate': 1e-4, 'rules.0.params.lambda': 0.9 },
      { 'optimizer.learningRate': 1e-4, 'rules.0.params.lambda': 0.999 },
      { 'optimizer.learningRate': 1e-3, 'rules.0.params.lambda': 0.9 },
      { 'optimizer.learningRate': 1e-3, 'rules.0.params.lambda': 0.999 },
      { 'optimizer.learningRate': 1e-2, 'rules.0.params.lambda': 0.9 },
      { 'optimizer.learningRate': 1e-2, 'rules.0.params.lambda': 0.999 },
    ]);
    expect(sweep.runCount).toBe(6 * 2 * 2);
    const third = sweep.points[2]!.spec;
    expect(third.optimizer.learningRate).toBe(0.001);
    expect(third.rules[0]!.params.lambda).toBe(0.9);
    // The other arm and fields are untouched; the name says the values.
    expect(third.rules[1]!.params).toEqual({});
    expect(third.name).toBe('tiny [learningRate=0.001, lambda=0.9]');
  });

  it('spaces linear ranges evenly, rounds integer ones, and takes enumerations and optional fields', () => {
    const sweep = ok(
      expandSweep({
        experiment,
        axes: [
          { field: 'network.hidden.0.units', linear: { from: 16, to: 64, count: 4, integer: true } },
          { field: 'optimizer.kind', values: ['sgd', 'adam'] },
          { field: 'dataset.trainSubset', values: [100] },
          { field: 'regularizers.weightDecay', linear: { from: 0, to: 0.3, count: 4 } },
        ],
        replicates: [7, 8, 9],
      }),
    );
    const units = [...new Set(sweep.points.map((p) => denseUnits(p.spec.network.hidden[0]!)))];
    expect(units).toEqual([16, 32, 48, 64]);
    const decays = [...new Set(sweep.points.map((p) => p.spec.regularizers.weightDecay))];
    expect(decays).toEqual([0, 0.1, 0.2, 0.3]);
    expect(sweep.points.every((p) => p.spec.dataset.trainSubset === 100)).toBe(true);
    expect(new Set(sweep.points.map((p) => p.spec.optimizer.kind))).toEqual(new Set(['sgd', 'adam']));
    expect(sweep.points[0]!.spec.seeds).toEqual([7, 8, 9]);
    expect(sweep.runCount).toBe(4 * 2 * 4 * 2 * 3);
  });

  it("gives an arm its own optimiser, copied from the experiment's, when one of its fields is swept", () => {
    const sweep = ok(expandSweep({ experiment, axes: [{ field: 'rules.1.optimizer.learningRate', values: [0.05] }] }));
    const spec = sweep.points[0]!.spec;
    expect(spec.rules[1]!.optimizer).toEqual({ ...spec.optimizer, learningRate: 0.05 });
    expect(spec.rules[0]!.optimizer).toBeUndefined();
  });

  it('draws seeded random points: log-uniform inside the range, the same for the same seed, others for another', () => {
    const sweep = (seed: number) =>
      ok(
        expandSweep({
          experiment,
          axes: [
            { field: 'optimizer.learningRate', log: { from: 1e-5, to: 1e-1, count: 2 } },
            { field: 'rules.0.params.lambda', values: [0.9, 0.99, 0.999] },
          ],
          sampling: { kind: 'random', count: 200, seed },
        }),
      );
    const a = sweep(3);
    expect(a.points).toHaveLength(200);
    expect(sweep(3).points.map((p) => p.values)).toEqual(a.points.map((p) => p.values));
    expect(sweep(4).points.map((p) => p.values)).not.toEqual(a.points.map((p) => p.values));
    const rates = a.points.map((p) => p.values['optimizer.learningRate'] as number);
    expect(Math.min(...rates)).toBeGreaterThanOrEqual(1e-5);
    expect(Math.max(...rates)).toBeLessThanOrEqual(1e-1);
    // Log-uniform: about a quarter of the draws in each decade, not 90% in the top one as a linear draw would.
    const lowest = rates.filter((r) => r < 1e-4).length;
    expect(lowest).toBeGreaterThan(25);
    expect(lowest).toBeLessThan(80);
    expect(new Set(a.points.map((p) => p.values['rules.0.params.lambda']))).toEqual(new Set([0.9, 0.99, 0.999]));
  });

  it('with no axes is the experiment itself, once', () => {
    const sweep = ok(expandSweep({ experiment }));
    expect(sweep.points).toHaveLength(1);
    expect(sweep.points[0]!.spec.name).toBe('tiny');
    expect(sweep.runCount).toBe(4);
  });

  it('refuses bad sweeps naming the field', () => {
    expect(
      issues(
        expandSweep({ experiment, axes: [{ field: 'optimizer.learningRate', log: { from: 0, to: 1, count: 3 } }] }),
      ),
    ).toEqual([{ path: 'axes.0.log', message: 'a log range needs from and to above 0' }]);
    // An unknown key is named by the experiment's strict schema, at the object that would hold it.
    expect(issues(expandSweep({ experiment, axes: [{ field: 'network.depth', values: [2] }] }))[0]).toMatchObject({
      path: 'network',
      message: expect.stringMatching(/depth.*at sweep point 1/),
    });
    expect(issues(expandSweep({ experiment, axes: [{ field: 'netwrk.hidden.0.units', values: [2] }] }))).toEqual([
      { path: 'axes.0.field', message: 'the experiment has no field netwrk' },
    ]);
    expect(issues(expandSweep({ experiment, axes: [{ field: 'network.hidden.3.units', values: [2] }] }))).toEqual([
      { path: 'axes.0.field', message: 'the experiment has no field network.hidden.3' },
    ]);
    const negative = issues(
      expandSweep({ experiment, axes: [{ field: 'optimizer.learningRate', linear: { from: -1, to: 1, count: 3 } }] }),
    );
    expect(negative[0]!.path).toBe('optimizer.learningRate');
    expect(negative[0]!.message).toMatch(/learning rate must be positive at sweep point 1 \(learningRate=-1\)/);
    const lambda = issues(expandSweep({ experiment, axes: [{ field: 'rules.0.params.lambda', values: [1.5] }] }));
    expect(lambda[0]!.path).toBe('rules.0.params.lambda');
    expect(issues(expandSweep({ experiment, axes: [{ field: 'seeds', values: [1] }] }))[0]).toMatchObject({
      path: 'axes.0.field',
      message: expect.stringMatching(/replicates/),
    });
    expect(issues(expandSweep({ experiment: { ...experiment, epochs: 0 } }))[0]!.path).toBe('experiment.epochs');
    expect(
      issues(
        expandSweep({
          experiment,
          axes: [
            { field: 'optimizer.learningRate', values: [1] },
            { field: 'optimizer.learningRate', values: [2] },
          ],
        }),
      )[0],
    ).toMatchObject({ path: 'axes.1.field' });
    expect(issues(expandSweep({ experiment, axes: [{ field: 'network', values: [1] }] }))[0]!.message).toMatch(
      /not a value that can be swept/,
    );
  });
});
