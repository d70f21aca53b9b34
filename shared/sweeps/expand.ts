import { issuesFromZod, type Issue } from '../api/errors';
import { ExperimentSpec } from '../schemas/experiment';
import { drawValue, gridValues } from './axes';
import { setField } from './fields';
import { seededUniform } from './random';
import { SweepSpec, type SweepValues } from './schema';

/** One point of a sweep: the values it was given and the complete experiment they make. */
export interface SweepPoint {
  index: number;
  values: SweepValues;
  spec: ExperimentSpec;
}

export interface ExpandedSweep {
  sweep: SweepSpec;
  points: SweepPoint[];
  /** Every run the sweep makes: points × arms × seeds. */
  runCount: number;
}

export type SweepExpansion = ({ ok: true } & ExpandedSweep) | { ok: false; issues: Issue[] };

/** Grids past this are refused before anything is built (a typo such as count 1000 on four axes). */
export const MAX_SWEEP_POINTS = 100_000;

/**
 * Validates a sweep and expands it into its points, each a validated experiment spec. Problems name the field:
 * the sweep's own (`axes.1.log`), or the experiment's with the point that produced it
 * (`optimizer.learningRate` at point 3 {…}). Deterministic: the same sweep gives the same points in the same order.
 */
export function expandSweep(input: unknown): SweepExpansion {
  const parsed = SweepSpec.safeParse(input);
  if (!parsed.success) return { ok: false, issues: issuesFromZod(parsed.error) };
  const sweep = parsed.data;
  const base = ExperimentSpec.safeParse(
    sweep.replicates ? { ...sweep.experiment, seeds: sweep.replicates } : sweep.experiment,
  );
  if (!base.success) {
    return {
      ok: false,
      issues: issuesFromZod(base.error).map((i) => ({ path: `experiment.${i.path}`, message: i.message })),
    };
  }
  const combos = sampleValues(sweep);
  if ('problem' in combos) return { ok: false, issues: [{ path: 'axes', message: combos.problem }] };
  const points: SweepPoint[] = [];
  for (const [index, values] of combos.entries()) {
    let spec: Record<string, unknown> = base.data;
    for (const [axisIndex, axis] of sweep.axes.entries()) {
      const set = setField(spec, axis.field, values[axis.field]!);
      if ('problem' in set) return { ok: false, issues: [{ path: `axes.${axisIndex}.field`, message: set.problem }] };
      spec = set.spec;
    }
    spec.name = pointName(base.data.name, values);
    const checked = ExperimentSpec.safeParse(spec);
    if (!checked.success) {
      const where = `at sweep point ${index + 1} (${describeValues(values)})`;
      return {
        ok: false,
        issues: issuesFromZod(checked.error).map((i) => ({ path: i.path, message: `${i.message} ${where}` })),
      };
    }
    points.push({ index, values, spec: checked.data });
  }
  const perPoint = base.data.rules.length * base.data.seeds.length;
  return { ok: true, sweep, points, runCount: points.length * perPoint };
}

function sampleValues(sweep: SweepSpec): SweepValues[] | { problem: string } {
  const { axes, sampling } = sweep;
  if (sampling.kind === 'random') {
    const uniform = seededUniform(sampling.seed);
    return Array.from({ length: sampling.count }, () =>
      Object.fromEntries(axes.map((axis) => [axis.field, drawValue(axis, uniform())])),
    );
  }
  const lists = axes.map((axis) => gridValues(axis));
  const total = lists.reduce((n, list) => n * list.length, 1);
  if (total > MAX_SWEEP_POINTS) {
    return { problem: `the grid has ${total} points, more than ${MAX_SWEEP_POINTS}; use random sampling` };
  }
  // The first axis varies slowest, as in a nested loop written in the axes' order.
  let combos: SweepValues[] = [{}];
  for (const [i, axis] of axes.entries()) {
    combos = combos.flatMap((combo) => lists[i]!.map((value) => ({ ...combo, [axis.field]: value })));
  }
  return combos;
}

/** "lr=0.001, λ=0.9": the last part of each field (the whole path where two axes share it). */
export function describeValues(values: SweepValues): string {
  const fields = Object.keys(values);
  const short = (field: string) => {
    const last = field.split('.').at(-1)!;
    return fields.filter((f) => f.split('.').at(-1) === last).length > 1 ? field : last;
  };
  return fields.map((field) => `${short(field)}=${String(values[field])}`).join(', ');
}

function pointName(name: string, values: SweepValues): string {
  if (Object.keys(values).length === 0) return name;
  return `${name} [${describeValues(values)}]`.slice(0, 200);
}
