import { describe, expect, it } from 'vitest';
import type { Run } from '../../shared/schemas/records';
import { sweepLines, sweptFields } from '../../src-renderer/lib/compare/sweep-points';

let nextId = 1;
function run(rule: string, seed: number, sweepValues: Record<string, number | string>): Run {
  return {
    id: nextId++,
    experimentId: 1,
    sessionId: 1,
    rule,
    seed,
    status: 'completed',
    backend: 'cpu',
    environment: { label: rule.toUpperCase() },
    startedAt: 1,
    endedAt: 2,
    error: null,
    createdAt: 1,
    checkpointBytes: 0,
    sweepValues,
  };
}

describe('the sweep plot of Compare', () => {
  it('draws each arm against the swept value with the mean and std over seeds, and marks its best setting', () => {
    const groups = [0.01, 0.001, 0.1].flatMap((lr) =>
      ['ebd', 'bp'].map((rule) => ({
        label: `${rule} ${lr}`,
        color: rule === 'ebd' ? '#0072b2' : '#000000',
        runs: [run(rule, 1, { 'optimizer.learningRate': lr }), run(rule, 2, { 'optimizer.learningRate': lr })],
      })),
    );
    const final = new Map<number, number>();
    for (const group of groups) {
      const lr = group.runs[0]!.sweepValues!['optimizer.learningRate'] as number;
      const base = group.runs[0]!.rule === 'ebd' ? 0.5 : 0.8;
      // EBD is best at 0.01, BP at 0.1; seeds differ by ±0.02.
      const peak = group.runs[0]!.rule === 'ebd' ? 0.01 : 0.1;
      group.runs.forEach((r, i) => final.set(r.id, base + (lr === peak ? 0.1 : 0) + (i === 0 ? -0.02 : 0.02)));
    }
    expect(sweptFields(groups)).toEqual(['optimizer.learningRate']);
    const lines = sweepLines(groups, 'optimizer.learningRate', (id) => final.get(id), false);
    expect(lines.map((l) => l.label)).toEqual(['EBD', 'BP']);
    const ebd = lines[0]!;
    expect(ebd.points.map((p) => p.x)).toEqual([0.001, 0.01, 0.1]);
    expect(ebd.points[1]!.mean).toBeCloseTo(0.6);
    expect(ebd.points[1]!.std).toBeCloseTo(Math.sqrt(0.0008));
    expect(ebd.points[1]!.n).toBe(2);
    expect(ebd.best).toBe(1);
    expect(lines[1]!.best).toBe(2);
    // For a loss, lower is better.
    expect(sweepLines(groups, 'optimizer.learningRate', (id) => final.get(id), true)[0]!.best).toBe(0);
    // Runs still without a final value are left out, not drawn at zero.
    expect(sweepLines(groups, 'optimizer.learningRate', () => undefined, false)).toEqual([]);
  });

  it("places a group only by the values all its runs share (BP's runs at two values of EBD's λ are one group)", () => {
    const bp = {
      label: 'BP',
      color: '#000',
      runs: [0.9, 0.99].map((lambda) =>
        run('bp', 1, { 'optimizer.learningRate': 0.01, 'rules.0.params.lambda': lambda }),
      ),
    };
    const ebd = {
      label: 'EBD',
      color: '#111',
      runs: [run('ebd', 1, { 'optimizer.learningRate': 0.01, 'rules.0.params.lambda': 0.9 })],
    };
    expect(sweptFields([bp])).toEqual(['optimizer.learningRate']);
    expect(sweptFields([bp, ebd])).toEqual(['optimizer.learningRate', 'rules.0.params.lambda']);
    expect(sweepLines([bp, ebd], 'optimizer.learningRate', () => 1, false).map((l) => l.label)).toEqual([
      'BP',
      'EBD, lambda=0.9',
    ]);
    expect(sweepLines([bp, ebd], 'rules.0.params.lambda', () => 1, false).map((l) => l.label)).toEqual([
      'EBD, learningRate=0.01',
    ]);
  });

  it('splits lines by the values of the other swept fields', () => {
    const groups = ['sgd', 'adam'].flatMap((kind) =>
      [0.01, 0.1].map((lr) => ({
        label: kind,
        color: '#000',
        runs: [run('bp', 1, { 'optimizer.learningRate': lr, 'optimizer.kind': kind })],
      })),
    );
    const lines = sweepLines(groups, 'optimizer.learningRate', () => 1, false);
    expect(lines.map((l) => [l.label, l.points.length])).toEqual([
      ['BP, kind=sgd', 2],
      ['BP, kind=adam', 2],
    ]);
  });
});
