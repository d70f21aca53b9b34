import { describe, expect, it } from 'vitest';
import {
  axisPosition,
  axisScale,
  bestPerArm,
  brushed,
  parallelLayout,
  type Frame,
  type ParallelRun,
} from '../../shared/analysis/parallel-coordinates';

const FRAME: Frame = { width: 500, height: 300, margin: { left: 50, right: 50, top: 20, bottom: 80 } };
// Plot area: x from 50 to 450, y from 20 (top, position 1) to 220 (bottom, position 0).

let nextId = 1;
function run(arm: string, values: ParallelRun['values'], final: number): ParallelRun {
  return { id: nextId++, arm, values, final };
}

describe('the axes of the parallel-coordinates view', () => {
  it('reads a log range from its values, a linear one, and words as categories', () => {
    // A log range of 4 points, 1e-4 … 1e-1: spread over a factor of 1000.
    expect(axisScale([1e-4, 1e-3, 1e-2, 1e-1])).toEqual({ kind: 'log', min: 1e-4, max: 1e-1 });
    // Evenly spaced in log over a small span (2, 4, 8): still log; 0.2, 0.4, 0.6 are linear.
    expect(axisScale([8, 2, 4]).kind).toBe('log');
    expect(axisScale([0.2, 0.6, 0.4])).toEqual({ kind: 'linear', min: 0.2, max: 0.6 });
    // Two values close together are linear; a zero rules out log.
    expect(axisScale([0.9, 0.99]).kind).toBe('linear');
    expect(axisScale([0, 10, 1000]).kind).toBe('linear');
    expect(axisScale(['sgd', 'adam', 'sgd'])).toEqual({ kind: 'categorical', categories: ['adam', 'sgd'] });
    expect(axisScale([true, false])).toEqual({ kind: 'categorical', categories: ['false', 'true'] });
  });

  it('places values by their logarithm, linearly, or evenly among categories', () => {
    const log = axisScale([1e-4, 1e-1]);
    // log10(1e-3) is a third of the way from -4 to -1.
    expect(axisPosition(log, 1e-3)).toBeCloseTo(1 / 3, 12);
    expect(axisPosition(log, 1e-1)).toBeCloseTo(1, 12);
    expect(axisPosition(axisScale([0.5, 0.9]), 0.6)).toBeCloseTo(0.25, 12);
    const kinds = axisScale(['sgd', 'adam', 'rmsprop']);
    expect(['adam', 'rmsprop', 'sgd'].map((k) => axisPosition(kinds, k))).toEqual([0, 0.5, 1]);
    expect(axisPosition(axisScale([3]), 3)).toBe(0.5);
  });
});

describe('the best setting of each arm', () => {
  it('is the setting with the best mean over seeds, highest or lowest', () => {
    const runs = [
      // EBD at lr 0.01: seeds 0.70 and 0.74 (mean 0.72); at lr 0.1: 0.80 and 0.60 (mean 0.70, but one seed is the top run).
      run('EBD', { lr: 0.01 }, 0.7),
      run('EBD', { lr: 0.01 }, 0.74),
      run('EBD', { lr: 0.1 }, 0.8),
      run('EBD', { lr: 0.1 }, 0.6),
      run('BP', { lr: 0.01 }, 0.5),
      run('BP', { lr: 0.1 }, 0.9),
    ];
    const best = bestPerArm(runs, ['lr'], false);
    expect(best.get('EBD')).toEqual({ values: { lr: 0.01 }, mean: 0.72, runIds: [runs[0]!.id, runs[1]!.id] });
    expect(best.get('BP')?.values).toEqual({ lr: 0.1 });
    const lowest = bestPerArm(runs, ['lr'], true);
    expect(lowest.get('EBD')?.values).toEqual({ lr: 0.1 });
    expect(lowest.get('BP')?.runIds).toEqual([runs[4]!.id]);
  });
});

describe('the layout', () => {
  it('spaces the axes evenly, puts each run on every axis, and marks each arm’s best', () => {
    const runs = [
      run('EBD', { lr: 1e-3, kind: 'adam' }, 0.6),
      run('EBD', { lr: 1e-1, kind: 'sgd' }, 0.8),
      run('DFA', { lr: 1e-2, kind: 'sgd' }, 0.7),
      run('DFA', { lr: 1e-1, kind: 'adam' }, Number.NaN),
    ];
    const layout = parallelLayout(runs, ['lr', 'kind'], FRAME, false);
    // Three axes over x = 50 … 450: 50, 250, 450.
    expect(layout.axes.map((a) => a.x)).toEqual([50, 250, 450]);
    expect(layout.axes.map((a) => a.field)).toEqual(['lr', 'kind', null]);
    expect(layout.axes[0]!.scale).toEqual({ kind: 'log', min: 1e-3, max: 1e-1 });
    expect(layout.axes[1]!.scale).toEqual({ kind: 'categorical', categories: ['adam', 'sgd'] });
    // The run without a final value is left out.
    expect(layout.lines.map((l) => l.run.id)).toEqual(runs.slice(0, 3).map((r) => r.id));
    // y = 220 - 200·t: lr 1e-2 is half-way in log between 1e-3 and 1e-1 → 120; adam at the foot (220), sgd at the
    // top (20); the metric 0.7 half-way between 0.6 and 0.8 → 120.
    expect(layout.lines[2]!.points[0]).toEqual([50, expect.closeTo(120, 9)]);
    expect(layout.lines[2]!.points[1]).toEqual([250, 20]);
    expect(layout.lines[2]!.points[2]).toEqual([450, expect.closeTo(120, 9)]);
    expect(layout.lines[0]!.points).toEqual([
      [50, 220],
      [250, 220],
      [450, 220],
    ]);
    expect(layout.lines.map((l) => l.best)).toEqual([false, true, true]);
    // The metric's axis: five ticks from 0.6 to 0.8, 50 px apart.
    expect(layout.axes[2]!.ticks.map((t) => [t.label, Math.round(t.y * 1e9) / 1e9])).toEqual([
      ['0.6', 220],
      ['0.65', 170],
      ['0.7', 120],
      ['0.75', 70],
      ['0.8', 20],
    ]);
    expect(layout.axes[0]!.ticks.map((t) => t.label)).toEqual(['0.001', '0.01', '0.1']);
  });

  it('writes out up to six swept numbers, and five even ticks (in log for a log axis) for more', () => {
    const few = parallelLayout([run('EBD', { w: 8 }, 1), run('EBD', { w: 16 }, 2)], ['w'], FRAME, false);
    expect(few.axes[0]!.ticks.map((t) => t.value)).toEqual([8, 16]);
    const many = [1, 2, 4, 8, 16, 32, 64, 128, 256].map((w) => run('EBD', { w }, w));
    const layout = parallelLayout(many, ['w'], FRAME, false);
    expect(layout.axes[0]!.scale.kind).toBe('log');
    // 1 … 256 in log: 2^0, 2^2, 2^4, 2^6, 2^8.
    const ticks = layout.axes[0]!.ticks;
    expect(ticks.map((t) => t.value as number).map((v) => Math.round(v * 1e9) / 1e9)).toEqual([1, 4, 16, 64, 256]);
    expect(ticks.map((t) => t.y).map((y) => Math.round(y * 1e9) / 1e9)).toEqual([220, 170, 120, 70, 20]);
  });

  it('filters by brushes on one or more axes', () => {
    const runs = [run('EBD', { lr: 1 }, 0.1), run('EBD', { lr: 2 }, 0.2), run('EBD', { lr: 3 }, 0.3)];
    const { lines } = parallelLayout(runs, ['lr'], FRAME, false);
    // lr 1, 2, 3 on a linear axis: y = 220, 120, 20.
    expect([...brushed(lines, new Map([[0, [130, 0] as const]]))]).toEqual([runs[1]!.id, runs[2]!.id]);
    expect([...brushed(lines, new Map([[0, [100, 230] as const]]))]).toEqual([runs[0]!.id, runs[1]!.id]);
    expect([
      ...brushed(
        lines,
        new Map([
          [0, [100, 230] as const],
          [1, [0, 150] as const],
        ]),
      ),
    ]).toEqual([runs[1]!.id]);
    expect(brushed(lines, new Map()).size).toBe(3);
  });
});
