import { z } from 'zod';
import { Id, Timestamp } from './ids';
import { ExperimentSpec } from './experiment';

export const SessionName = z
  .string()
  .trim()
  .min(1, 'a session needs a name')
  .max(200, 'a session name has at most 200 characters');

export const Session = z.object({
  id: Id,
  name: SessionName,
  notes: z.string(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  experimentCount: z.number().int().nonnegative(),
  runCount: z.number().int().nonnegative(),
});
export type Session = z.infer<typeof Session>;

export const Experiment = z.object({
  id: Id,
  sessionId: Id,
  name: z.string(),
  schemaVersion: z.number().int().positive(),
  spec: ExperimentSpec,
  createdAt: Timestamp,
});
export type Experiment = z.infer<typeof Experiment>;

export const RunStatus = z.enum([
  'queued',
  'running',
  'paused',
  'completed',
  'stopped',
  'failed',
  'diverged',
  'interrupted',
]);
export type RunStatus = z.infer<typeof RunStatus>;

/** What a run was computed on, stored with it so that a result can always be traced to its machine. */
export const RunEnvironment = z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]));
export type RunEnvironment = z.infer<typeof RunEnvironment>;

export const Run = z.object({
  id: Id,
  experimentId: Id,
  sessionId: Id,
  rule: z.string(),
  seed: z.number().int().nonnegative(),
  status: RunStatus,
  backend: z.string().nullable(),
  environment: RunEnvironment,
  startedAt: Timestamp.nullable(),
  endedAt: Timestamp.nullable(),
  error: z.string().nullable(),
  createdAt: Timestamp,
  /** Space the run's stored checkpoints take, in bytes (older ones are pruned as new ones arrive). */
  checkpointBytes: z.number().int().nonnegative(),
  /** Stays the same when the run is imported into another database (a cluster task's file, another machine). */
  uid: z.string().optional(),
  /** The values a sweep point gave the run, by field path ("optimizer.learningRate"); absent outside sweeps. */
  sweepValues: z.record(z.string(), z.union([z.number(), z.string(), z.boolean()])).optional(),
});
export type Run = z.infer<typeof Run>;

export const MetricSplit = z.enum(['train', 'validation', 'test', 'diagnostic']);
export type MetricSplit = z.infer<typeof MetricSplit>;

export const MetricPoint = z.object({
  step: z.number().int().nonnegative(),
  epoch: z.number().nonnegative(),
  split: MetricSplit,
  name: z.string().min(1),
  value: z.number(),
});
export type MetricPoint = z.infer<typeof MetricPoint>;

export const SeriesPoint = z.object({ step: z.number(), epoch: z.number(), value: z.number() });
export type SeriesPoint = z.infer<typeof SeriesPoint>;

export const MetricSeries = z.object({
  runId: Id,
  name: z.string(),
  split: MetricSplit,
  total: z.number().int().nonnegative(),
  downsampled: z.boolean(),
  points: z.array(SeriesPoint),
});
export type MetricSeries = z.infer<typeof MetricSeries>;

export const MetricName = z.object({ name: z.string(), split: MetricSplit, count: z.number().int().nonnegative() });
export type MetricName = z.infer<typeof MetricName>;

export const EventLevel = z.enum(['info', 'warning', 'error']);
export const RunEvent = z.object({
  id: Id,
  runId: Id.nullable(),
  sessionId: Id.nullable(),
  level: EventLevel,
  kind: z.string(),
  message: z.string(),
  createdAt: Timestamp,
});
export type RunEvent = z.infer<typeof RunEvent>;

export const TemplateName = z
  .string()
  .trim()
  .min(1, 'a template needs a name')
  .max(200, 'a template name has at most 200 characters');

const TemplateFields = { id: Id, name: TemplateName, createdAt: Timestamp, updatedAt: Timestamp };

/**
 * A named spec saved from the designer. A stored spec that this version can no longer read (edited by hand,
 * or written by a newer app) comes back with spec null and a problem naming the template, so that one bad
 * row neither hides the others nor stops the user from deleting it.
 */
export const Template = z.union([
  z.object({ ...TemplateFields, spec: ExperimentSpec, problem: z.null() }),
  z.object({ ...TemplateFields, spec: z.null(), problem: z.string() }),
]);
export type Template = z.infer<typeof Template>;
