import type { ExperimentSpec } from '../../../shared/schemas/experiment';
import type { Experiment } from '../../../shared/schemas/records';

/**
 * Re-running a finished experiment and opening it in the designer as a copy. The copy names its origin in the
 * first line of its description ("Re-run of experiment #12 “…”."), which travels with the spec into the store,
 * exports and bundles, and from which the Monitor links back.
 */

const ORIGIN = /^(?:Re-run|Copy) of experiment #(\d+) /;

/** As many seeds as before, none of them used by the original: the next integers after its largest. */
export function freshSeeds(seeds: readonly number[]): number[] {
  const start = Math.max(-1, ...seeds) + 1;
  return seeds.map((_, i) => start + i);
}

function noted(experiment: Experiment, kind: 'Re-run' | 'Copy'): string {
  const line = `${kind} of experiment #${experiment.id} “${experiment.name}”.`;
  return experiment.spec.description ? `${line}\n${experiment.spec.description}` : line;
}

/** The spec of a re-run: the same design, the same or fresh seeds, named and described as a re-run. */
export function rerunSpec(experiment: Experiment, seeds: 'same' | 'fresh'): ExperimentSpec {
  const spec = experiment.spec;
  return {
    ...spec,
    name: `${spec.name} (re-run${seeds === 'fresh' ? ', new seeds' : ''})`.slice(0, 200),
    description: noted(experiment, 'Re-run'),
    seeds: seeds === 'fresh' ? freshSeeds(spec.seeds) : [...spec.seeds],
  };
}

/** The spec the designer opens: the same design as a copy to edit. */
export function copySpec(experiment: Experiment): ExperimentSpec {
  return {
    ...experiment.spec,
    name: `${experiment.spec.name} (copy)`.slice(0, 200),
    description: noted(experiment, 'Copy'),
  };
}

/** The experiment this one was re-run or copied from, by id; null for an original. */
export function originOf(spec: ExperimentSpec): number | null {
  const match = ORIGIN.exec(spec.description);
  return match ? Number(match[1]) : null;
}
