/**
 * The geometry of a parallel-coordinates view of a sweep (hyperparameters → final metric, as W&B and Aim draw it):
 * one vertical axis per swept field and a last one for the final metric, one polyline per run through its values,
 * and the best setting of each arm. Pure: the Compare view draws what this computes, and the tests check it.
 */

export type SweptValue = number | string | boolean;

/** One run as the view needs it: which arm it belongs to, the values its sweep point gave it, its final metric. */
export interface ParallelRun {
  id: number;
  /** The arm (rule, or the arm's label when an experiment has two arms of one rule): the best is chosen per arm. */
  arm: string;
  values: Readonly<Record<string, SweptValue>>;
  final: number;
}

/**
 * How an axis places its values. Numbers swept on a log range are spread by their logarithm; anything else that is
 * not all numbers (an optimiser's kind, a switch) is a categorical axis with its values evenly spaced.
 */
export type AxisScale =
  | { kind: 'linear'; min: number; max: number }
  | { kind: 'log'; min: number; max: number }
  | { kind: 'categorical'; categories: string[] };

export interface ParallelAxis {
  /** The swept field, or null for the metric's axis. */
  field: string | null;
  scale: AxisScale;
  /** Horizontal position in pixels. */
  x: number;
  /** Every distinct value on the axis (categories, or the swept numbers), with its height in pixels. */
  ticks: { value: SweptValue; label: string; y: number }[];
}

export interface ParallelLine {
  run: ParallelRun;
  /** [x, y] in pixels, one per axis, in axis order. */
  points: [number, number][];
  /** True for every run (each seed) of its arm's best setting. */
  best: boolean;
}

export interface ParallelLayout {
  axes: ParallelAxis[];
  lines: ParallelLine[];
  /** Per arm, the values of its best setting and the mean final metric over its runs (seeds). */
  best: Map<string, { values: Record<string, SweptValue>; mean: number; runIds: number[] }>;
}

export interface Frame {
  width: number;
  height: number;
  margin: { left: number; right: number; top: number; bottom: number };
}

/**
 * Ratio of the largest to the smallest value from which positive numbers are drawn on a log axis even when not
 * evenly spaced in log (the sweep plot beside this view uses the same rule).
 */
const LOG_SPAN = 50;

/**
 * The scale of an axis from the values the runs have on it. Runs store the values of their sweep point but not the
 * sweep's axes, so a log range is recognised from its values: positive and spread over a factor of 50 or more, or at
 * least three values evenly spaced in log but not in linear scale (a log range of 3+ points).
 */
export function axisScale(values: readonly SweptValue[]): AxisScale {
  const distinct = [...new Map(values.map((v) => [`${typeof v}:${String(v)}`, v])).values()];
  if (distinct.length === 0 || !distinct.every((v): v is number => typeof v === 'number' && Number.isFinite(v))) {
    return { kind: 'categorical', categories: distinct.map(String).sort((a, b) => a.localeCompare(b)) };
  }
  const sorted = [...distinct].sort((a, b) => a - b);
  const min = sorted[0]!;
  const max = sorted.at(-1)!;
  return min > 0 && (max / min >= LOG_SPAN || evenlySpacedInLogOnly(sorted))
    ? { kind: 'log', min, max }
    : { kind: 'linear', min, max };
}

function evenlySpacedInLogOnly(sorted: readonly number[]): boolean {
  if (sorted.length < 3) return false;
  const even = (steps: number[]) => steps.every((s) => Math.abs(s - steps[0]!) <= 1e-6 * Math.abs(steps[0]!));
  const logs = sorted.map(Math.log);
  const logSteps = logs.slice(1).map((v, i) => v - logs[i]!);
  const steps = sorted.slice(1).map((v, i) => v - sorted[i]!);
  return even(logSteps) && !even(steps);
}

/** Where a value sits on its axis, from 0 (bottom) to 1 (top); an axis of one value puts it half-way. */
export function axisPosition(scale: AxisScale, value: SweptValue): number {
  if (scale.kind === 'categorical') {
    const i = scale.categories.indexOf(String(value));
    return scale.categories.length === 1 ? 0.5 : i / (scale.categories.length - 1);
  }
  const t = scale.kind === 'log' ? Math.log : (v: number) => v;
  const lo = t(scale.min);
  const hi = t(scale.max);
  return hi === lo ? 0.5 : (t(Number(value)) - lo) / (hi - lo);
}

/**
 * Per arm, the setting (the runs' values on every swept field) with the best mean final metric over its runs: the
 * highest, or the lowest when lower is better (a loss). Ties go to the setting met first.
 */
export function bestPerArm(
  runs: readonly ParallelRun[],
  fields: readonly string[],
  lowerIsBetter: boolean,
): ParallelLayout['best'] {
  const settings = new Map<
    string,
    { arm: string; values: Record<string, SweptValue>; finals: number[]; runIds: number[] }
  >();
  for (const run of runs) {
    const values = Object.fromEntries(
      fields.map((f) => [f, run.values[f]!] as const).filter(([, v]) => v !== undefined),
    );
    const key = JSON.stringify([run.arm, fields.map((f) => run.values[f] ?? null)]);
    const setting = settings.get(key) ?? { arm: run.arm, values, finals: [], runIds: [] };
    setting.finals.push(run.final);
    setting.runIds.push(run.id);
    settings.set(key, setting);
  }
  const best: ParallelLayout['best'] = new Map();
  for (const setting of settings.values()) {
    const mean = setting.finals.reduce((a, b) => a + b, 0) / setting.finals.length;
    const held = best.get(setting.arm);
    if (!held || (lowerIsBetter ? mean < held.mean : mean > held.mean)) {
      best.set(setting.arm, { values: setting.values, mean, runIds: setting.runIds });
    }
  }
  return best;
}

/** The most distinct swept values an axis writes out one by one; more (random sampling) get evenly spaced ticks. */
const MAX_VALUE_TICKS = 6;

/** Every category or swept number, or five evenly spaced ticks when there are too many to write. */
function tickValues(scale: AxisScale, values: readonly SweptValue[]): SweptValue[] {
  if (scale.kind === 'categorical') return scale.categories;
  const distinct = [...new Set(values.map(Number))].sort((a, b) => a - b);
  return distinct.length <= MAX_VALUE_TICKS ? distinct : evenTicks(scale);
}

/** Five ticks from the bottom to the top of a numeric axis, evenly spaced in its own scale (log or linear). */
function evenTicks(scale: AxisScale): number[] {
  if (scale.kind === 'categorical') return [];
  if (scale.min === scale.max) return [scale.min];
  const [to, from] = scale.kind === 'log' ? [Math.log, Math.exp] : [(v: number) => v, (v: number) => v];
  const lo = to(scale.min);
  const hi = to(scale.max);
  return [0, 0.25, 0.5, 0.75, 1].map((t) => (t === 0 ? scale.min : t === 1 ? scale.max : from(lo + t * (hi - lo))));
}

/** A number as an axis writes it: three significant figures. */
export function valueLabel(value: SweptValue): string {
  return typeof value === 'number' ? String(Number(value.toPrecision(3))) : String(value);
}

/**
 * The whole view: axes evenly spaced from left to right (the swept fields in the order given, then the metric),
 * each run's polyline through them, and each arm's best setting. Runs without a finite final metric are left out.
 */
export function parallelLayout(
  runs: readonly ParallelRun[],
  fields: readonly string[],
  frame: Frame,
  lowerIsBetter: boolean,
): ParallelLayout {
  const placed = runs.filter((run) => Number.isFinite(run.final));
  const { left, right, top, bottom } = frame.margin;
  const count = fields.length + 1;
  const xOf = (i: number) =>
    count === 1 ? (left + frame.width - right) / 2 : left + ((frame.width - left - right) * i) / (count - 1);
  const yOf = (t: number) => top + (1 - t) * (frame.height - top - bottom);
  const columns: { field: string | null; values: SweptValue[] }[] = [
    ...fields.map((field) => ({
      field,
      values: placed.map((run) => run.values[field]).filter((v) => v !== undefined),
    })),
    { field: null, values: placed.map((run) => run.final) },
  ];
  const axes: ParallelAxis[] = columns.map(({ field, values }, i) => {
    const scale: AxisScale =
      field === null
        ? { kind: 'linear', min: Math.min(...values.map(Number)), max: Math.max(...values.map(Number)) }
        : axisScale(values);
    const distinct = field === null ? evenTicks(scale) : tickValues(scale, values);
    return {
      field,
      scale,
      x: xOf(i),
      ticks: distinct.map((value) => ({ value, label: valueLabel(value), y: yOf(axisPosition(scale, value)) })),
    };
  });
  const best = bestPerArm(placed, fields, lowerIsBetter);
  const lines: ParallelLine[] = placed.map((run) => ({
    run,
    points: axes.map((axis): [number, number] => {
      const value = axis.field === null ? run.final : run.values[axis.field];
      // A run without a value on an axis (a field another arm's sweep point set) sits at the axis' foot.
      return [axis.x, value === undefined ? yOf(0) : yOf(axisPosition(axis.scale, value))];
    }),
    best: best.get(run.arm)?.runIds.includes(run.id) === true,
  }));
  return { axes, lines, best };
}

/**
 * Brushing: the runs whose point on axis `axis` lies between two heights (pixels, either order). Several brushes
 * combine: a run is kept when it passes every one.
 */
export function brushed(
  lines: readonly ParallelLine[],
  brushes: Iterable<readonly [axis: number, range: readonly [number, number]]>,
): Set<number> {
  const all = [...brushes];
  const kept = new Set<number>();
  for (const line of lines) {
    let inside = true;
    for (const [axis, [a, b]] of all) {
      const y = line.points[axis]?.[1];
      if (y === undefined || y < Math.min(a, b) || y > Math.max(a, b)) inside = false;
    }
    if (inside) kept.add(line.run.id);
  }
  return kept;
}
