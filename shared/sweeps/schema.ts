import { z } from 'zod';

/**
 * A sweep: one experiment spec and axes over its fields. Each point of the sweep is one experiment (every arm ×
 * every seed), so runs that share a seed share initial weights and data order within a point and across points.
 * Fields are dotted paths into the resolved experiment spec ("optimizer.learningRate", "rules.0.params.lambda",
 * "network.hidden.1.units", "dataset.trainSubset", "rules.1.optimizer.kind").
 */
export const SWEEP_SCHEMA_VERSION = 1;

const FieldPath = z
  .string()
  .trim()
  .min(1, 'name the field this axis sweeps, e.g. "optimizer.learningRate"')
  .max(200)
  .regex(/^[A-Za-z_][\w]*(\.[\w]+)*$/, 'a field is a dotted path such as "rules.0.params.lambda"');

const AxisValue = z.union([z.number(), z.string(), z.boolean()]);
export type AxisValue = z.infer<typeof AxisValue>;

const Count = z.number().int().min(1, 'a range needs at least 1 value').max(10_000);

/** Values written out; any type the field takes (numbers, enumerations such as the optimiser's kind, switches). */
const ListAxis = z.strictObject({
  field: FieldPath,
  values: z
    .array(AxisValue)
    .min(1, 'an axis needs at least one value')
    .max(10_000)
    .refine((v) => new Set(v.map((x) => JSON.stringify(x))).size === v.length, 'the values of an axis must differ'),
});

const Range = z.strictObject({
  from: z.number().finite(),
  to: z.number().finite(),
  count: Count,
  /** Rounds each value to a whole number (widths, subset sizes). */
  integer: z.boolean().default(false),
});

/** count values evenly spaced from `from` to `to`, both included. */
const LinearAxis = z.strictObject({ field: FieldPath, linear: Range });

/** count values evenly spaced in log scale from `from` to `to` (both > 0), both included. */
const LogAxis = z.strictObject({
  field: FieldPath,
  log: Range.refine((r) => r.from > 0 && r.to > 0, 'a log range needs from and to above 0'),
});

export const SweepAxis = z.union([ListAxis, LinearAxis, LogAxis]);
export type SweepAxis = z.infer<typeof SweepAxis>;

export const SweepSampling = z.discriminatedUnion('kind', [
  /** Every combination of the axes' values. */
  z.strictObject({ kind: z.literal('grid') }),
  /**
   * `count` points, each axis drawn independently from a seeded stream: a list uniformly among its values, a linear
   * range uniformly in [from, to], a log range log-uniformly. The same seed draws the same points.
   */
  z.strictObject({
    kind: z.literal('random'),
    count: z.number().int().min(1).max(100_000),
    seed: z
      .number()
      .int()
      .nonnegative()
      .max(2 ** 32 - 1),
  }),
]);
export type SweepSampling = z.infer<typeof SweepSampling>;

export const SweepSpec = z
  .strictObject({
    sweepSchemaVersion: z.literal(SWEEP_SCHEMA_VERSION).default(SWEEP_SCHEMA_VERSION),
    /** The experiment swept (its own schema checks it; every point is checked again with its values set). */
    experiment: z.record(z.string(), z.unknown()),
    axes: z.array(SweepAxis).max(32, 'at most 32 axes').default([]),
    sampling: SweepSampling.default({ kind: 'grid' }),
    /** Seeds every point is replicated over; default: the experiment's own seeds. */
    replicates: z
      .array(z.number().int().nonnegative())
      .min(1)
      .max(1000)
      .refine((s) => new Set(s).size === s.length, 'replicate seeds must be distinct')
      .optional(),
  })
  .superRefine((sweep, ctx) => {
    const seen = new Map<string, number>();
    sweep.axes.forEach((axis, i) => {
      const earlier = seen.get(axis.field);
      if (earlier !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['axes', i, 'field'],
          message: `"${axis.field}" is already swept by axes.${earlier}`,
        });
      }
      seen.set(axis.field, i);
      if (axis.field === 'seeds' || axis.field.startsWith('seeds.')) {
        ctx.addIssue({
          code: 'custom',
          path: ['axes', i, 'field'],
          message: 'seeds are replicates, not an axis: give them as "replicates"',
        });
      }
    });
  });
export type SweepSpec = z.infer<typeof SweepSpec>;
export type SweepSpecInput = z.input<typeof SweepSpec>;

/** The values one run was given, by field path. */
export const SweepValues = z.record(z.string(), AxisValue);
export type SweepValues = z.infer<typeof SweepValues>;
