import type { Run } from '../../../shared/schemas/records';

/** A picked group (every seed of one configuration) as the sweep plot needs it. */
export interface SweepGroup {
  label: string;
  color: string;
  runs: readonly Run[];
}

export interface SweepPoint {
  x: number | string;
  mean: number;
  std: number;
  n: number;
}

export interface SweepLine {
  /** The arm, and the other swept fields' values when there are several axes. */
  label: string;
  color: string;
  points: SweepPoint[];
  /** Index in points of the best mean (highest, or lowest for a loss). */
  best: number;
}

/**
 * The sweep values every run of a group shares. A group gathers runs of one configuration, which may come from
 * several sweep points: BP's runs at λ = 0.9 and 0.99 are one group when λ is EBD's. A value they differ in changed
 * nothing for them, so it does not place the group.
 */
export function commonValues(runs: readonly Run[]): Record<string, number | string | boolean> {
  const [first, ...rest] = runs;
  return Object.fromEntries(
    Object.entries(first?.sweepValues ?? {}).filter(([key, value]) =>
      rest.every((run) => run.sweepValues?.[key] === value),
    ),
  );
}

/** The fields that place at least one picked group, in the order they first appear. */
export function sweptFields(groups: readonly SweepGroup[]): string[] {
  const fields = new Set<string>();
  for (const group of groups) for (const key of Object.keys(commonValues(group.runs))) fields.add(key);
  return [...fields];
}

/**
 * The final metric against one swept field: a line per arm (and per value of the other swept fields), a point per
 * group at its value of the field, its mean over seeds with their standard deviation. Groups without that field or
 * without a final value yet are left out.
 */
export function sweepLines(
  groups: readonly SweepGroup[],
  field: string,
  finalOf: (runId: number) => number | undefined,
  lowerIsBetter: boolean,
): SweepLine[] {
  const lines = new Map<string, SweepLine>();
  for (const group of groups) {
    const values = commonValues(group.runs);
    if (!(field in values)) continue;
    const finals = group.runs
      .map((run) => finalOf(run.id))
      .filter((v): v is number => v !== undefined && Number.isFinite(v));
    if (finals.length === 0) continue;
    const others = Object.entries(values)
      .filter(([key]) => key !== field)
      .map(([key, value]) => `${key.split('.').at(-1)}=${String(value)}`);
    const arm = String(group.runs[0]!.environment.label ?? group.runs[0]!.rule);
    const label = [arm, ...others].join(', ');
    const line = lines.get(label) ?? { label, color: group.color, points: [], best: 0 };
    const mean = finals.reduce((a, b) => a + b, 0) / finals.length;
    const variance = finals.length > 1 ? finals.reduce((a, b) => a + (b - mean) ** 2, 0) / (finals.length - 1) : 0;
    line.points.push({ x: axisValue(values[field]!), mean, std: Math.sqrt(variance), n: finals.length });
    lines.set(label, line);
  }
  for (const line of lines.values()) {
    line.points.sort((a, b) =>
      typeof a.x === 'number' && typeof b.x === 'number' ? a.x - b.x : String(a.x).localeCompare(String(b.x)),
    );
    line.best = line.points.reduce(
      (best, p, i) =>
        (lowerIsBetter ? p.mean < line.points[best]!.mean : p.mean > line.points[best]!.mean) ? i : best,
      0,
    );
  }
  return [...lines.values()];
}

/** A switch's value is drawn as its word. */
function axisValue(value: number | string | boolean): number | string {
  return typeof value === 'boolean' ? String(value) : value;
}
