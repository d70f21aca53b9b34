import { z } from 'zod';

/**
 * The experiment spec: what a researcher designs and what a run is reproduced from.
 * Stored as JSON with its schema version; a newer app migrates older specs, never the reverse.
 * The engine issue grows the rule and dataset sections; unknown keys are rejected so that a typo
 * in a hand-written spec file is named instead of silently ignored.
 */
export const EXPERIMENT_SCHEMA_VERSION = 1;

export const Activation = z.enum(['relu', 'leaky_relu', 'tanh', 'sigmoid', 'clipped_relu', 'linear']);
export type Activation = z.infer<typeof Activation>;

export const LayerSpec = z.strictObject({
  units: z.number().int().min(1, 'a layer needs at least 1 unit').max(65536, 'a layer has at most 65536 units'),
  activation: Activation.default('relu'),
});
export type LayerSpec = z.infer<typeof LayerSpec>;

export const RuleName = z.enum(['bp', 'fa', 'dfa', 'drtp', 'dkp', 'ebd', 'sbd']);
export type RuleName = z.infer<typeof RuleName>;

export const RuleSpec = z.strictObject({
  rule: RuleName,
  /** Rule hyperparameters; each rule's file in the engine validates its own section. */
  params: z.record(z.string(), z.union([z.number(), z.string(), z.boolean()])).default({}),
});
export type RuleSpec = z.infer<typeof RuleSpec>;

export const DatasetSpec = z.strictObject({
  name: z.string().min(1, 'choose a dataset'),
  trainSubset: z.number().int().positive().optional(),
  validationFraction: z.number().min(0).max(0.5).default(0.1),
});

export const ExperimentSpec = z.strictObject({
  schemaVersion: z.literal(EXPERIMENT_SCHEMA_VERSION).default(EXPERIMENT_SCHEMA_VERSION),
  name: z.string().trim().min(1, 'an experiment needs a name').max(200),
  description: z.string().max(10000).default(''),
  dataset: DatasetSpec,
  network: z.strictObject({
    hidden: z.array(LayerSpec).max(64, 'at most 64 hidden layers'),
    output: z.enum(['linear', 'softmax']).default('linear'),
  }),
  rules: z.array(RuleSpec).min(1, 'pick at least one learning rule'),
  seeds: z
    .array(z.number().int().nonnegative())
    .min(1, 'give at least one seed')
    .refine((s) => new Set(s).size === s.length, 'seeds must be distinct'),
  epochs: z.number().int().min(1).max(100000),
  batchSize: z.number().int().min(1).max(65536),
});
export type ExperimentSpec = z.infer<typeof ExperimentSpec>;
export type ExperimentSpecInput = z.input<typeof ExperimentSpec>;
