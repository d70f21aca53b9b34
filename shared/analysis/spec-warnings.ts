import type { Issue } from '../api/errors';
import { withDefaults } from '../rules/catalogue';
import type { ExperimentSpec } from '../schemas/experiment';

/**
 * What a valid spec may still get wrong about the science, said before the run rather than found in its
 * diagnostics: an EBD/SBD arm whose random start will probably carry R all run long (DFA-like), one whose R starts
 * at zero, one whose gradient Adam's ε swamps, and the research switches that are not EBD. Paths name the arm's parameter, as validation issues do.
 */
/**
 * The decorrelation gradient of a weight is about (1−λ)·|R|·|s̃|·|h|: with R at its start (entries ~initScale) and
 * the products of score and activity ~0.1, (1−λ)·initScale·0.1. At λ = 0.999999 and R₀ = 0.0015 that is ~1e-10, and
 * Adam's default ε = 1e-8 measured as the difference between 69.9% and 78.0% after one Fashion-MNIST epoch.
 */
const TYPICAL_SCORE_TIMES_ACTIVITY = 0.1;
/** Warn while ε is within a factor 10 of the gradient: there Adam's step is already shrunk by ε. */
const ADAM_EPSILON_MARGIN = 10;

export function specWarnings(spec: ExperimentSpec): Issue[] {
  const warnings: Issue[] = [];
  spec.rules.forEach((arm, index) => {
    if (arm.rule !== 'ebd' && arm.rule !== 'sbd') return;
    const params = withDefaults(arm.rule, arm.params);
    const at = (key: string) => `rules.${index}.params.${key}`;
    const initScale = Number(params.initScale);
    const lambda = Number(params.lambda);
    if (params.freeze !== true && initScale === 0)
      warnings.push({
        path: at('initScale'),
        message:
          'R starts at zero: the hidden layers get no signal until R has learned one (with λ = 0.99 and no start, ' +
          'EBD collapsed its activations here).',
      });
    else if (params.freeze !== true && initScale >= 0.1 && lambda >= 0.999)
      warnings.push({
        path: at('initScale'),
        message:
          `With R₀ at scale ${initScale} and λ = ${lambda} the random start will probably carry R all run long: ` +
          'a DFA-like run (the EBD preset, scale 1 and λ 0.9999, had a learned share of 0.000 after one epoch). ' +
          'Watch learned_share; a start near 0.001 reaches the learned regime.',
      });
    const optimizer = arm.optimizer ?? spec.optimizer;
    const startGradient = (1 - lambda) * initScale * TYPICAL_SCORE_TIMES_ACTIVITY;
    if (optimizer.kind === 'adam' && initScale > 0 && startGradient < ADAM_EPSILON_MARGIN * optimizer.epsilon)
      warnings.push({
        path: `rules.${index}.optimizer.epsilon`,
        message:
          `Adam's ε (${optimizer.epsilon}) is above this arm's starting gradient (about (1−λ)·R₀ scale·0.1 ≈ ` +
          `${startGradient.toPrecision(2)}): Adam then divides by ε instead of the gradient's size and the hidden ` +
          'layers barely move until R has grown. Set the arm’s optimiser ε far below it (the paper-recipe presets ' +
          'use 1e-16).',
      });
    if (params.direction === 'ascent')
      warnings.push({
        path: at('direction'),
        message: 'Ascent climbs ½‖R‖²: a research switch, not EBD or SBD — label the arm so.',
      });
    if (params.gradient === 'full')
      warnings.push({
        path: at('gradient'),
        message: 'The full gradient needs the downstream weights: a non-local reference, not EBD or SBD.',
      });
  });
  return warnings;
}
