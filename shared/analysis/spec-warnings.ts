import type { Issue } from '../api/errors';
import { withDefaults } from '../rules/catalogue';
import type { ExperimentSpec } from '../schemas/experiment';

/**
 * What a valid spec may still get wrong about the science, said before the run rather than found in its
 * diagnostics: an EBD/SBD arm whose random start will probably carry R all run long (DFA-like), one whose R starts
 * at zero, and the research switches that are not EBD. Paths name the arm's parameter, as validation issues do.
 */
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
