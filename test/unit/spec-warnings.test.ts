import { describe, expect, it } from 'vitest';
import { specWarnings } from '../../shared/analysis/spec-warnings';
import { ExperimentSpec } from '../../shared/schemas/experiment';

const spec = (rules: unknown[]) =>
  ExperimentSpec.parse({
    name: 'w',
    dataset: { name: 'gaussian-mixture' },
    network: { hidden: [{ units: 8 }] },
    rules,
    seeds: [1],
    epochs: 1,
    batchSize: 16,
  });

describe('specWarnings', () => {
  it('warns of a DFA-like start, a zero start and the research switches, at the arm’s parameter', () => {
    const warnings = specWarnings(
      spec([
        { rule: 'dfa' },
        { rule: 'ebd', params: { initScale: 1, lambda: 0.9999 } },
        { rule: 'sbd', params: { initScale: 0 } },
        { rule: 'ebd', params: { initScale: 0.001, lambda: 0.999, direction: 'ascent', gradient: 'full' } },
      ]),
    );
    expect(warnings.map((w) => w.path)).toEqual([
      'rules.1.params.initScale',
      'rules.2.params.initScale',
      'rules.3.params.direction',
      'rules.3.params.gradient',
    ]);
    expect(warnings[0]!.message).toContain('DFA-like');
    expect(warnings[1]!.message).toContain('R starts at zero');
  });

  it('says nothing of the learned regime, a short memory or a frozen R (an explicit ablation)', () => {
    expect(
      specWarnings(
        spec([
          { rule: 'ebd', params: { initScale: 0.001, lambda: 0.999 } },
          { rule: 'ebd', params: { initScale: 1, lambda: 0.99 } },
          { rule: 'ebd', params: { initScale: 1, lambda: 0.9999, freeze: true } },
        ]),
      ),
    ).toEqual([]);
  });

  it('warns where Adam’s ε is above the arm’s starting gradient, at the arm’s ε, and not once ε is below it', () => {
    const recipe = { rule: 'ebd', params: { initScale: 0.0015, lambda: 0.999999 } };
    const warned = specWarnings(spec([recipe, { ...recipe, optimizer: { kind: 'momentum' } }]));
    expect(warned.map((w) => w.path)).toEqual(['rules.0.optimizer.epsilon']);
    expect(warned[0]!.message).toMatch(/ε \(1e-8\) is above .* ≈ 1\.5e-10/);
    expect(specWarnings(spec([{ ...recipe, optimizer: { kind: 'adam', epsilon: 1e-16 } }]))).toEqual([]);
    // The experiment's optimiser counts where the arm has none of its own.
    const experimentWide = ExperimentSpec.parse({ ...spec([recipe]), optimizer: { kind: 'adam', epsilon: 1e-16 } });
    expect(specWarnings(experimentWide)).toEqual([]);
  });
});
