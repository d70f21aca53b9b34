import { z } from 'zod';
import { BACKEND_NAMES } from '../engine/backends';
import { Id } from '../schemas/ids';
import {
  Experiment,
  MetricName,
  MetricSeries,
  MetricSplit,
  Run,
  RunEvent,
  RunStatus,
  Session,
  SessionName,
  Template,
  TemplateName,
} from '../schemas/records';
import { ExperimentSpec } from '../schemas/experiment';
import { figureContract } from './contract-figures';
import { sweepMethods } from './contract-sweeps';
import { clusterMethods } from './contract-cluster';
import { exportContract } from './contract-export';
import { Issue } from './errors';
import { EventFilter, RunProgress } from './events';
import { SessionFilter } from './session-filter';

/**
 * The one API of Broadcast Lab. Every method names its request and response schema; both transports
 * (Electron IPC and the serve-mode WebSocket) validate requests against these before a handler runs,
 * and the renderer's client is typed from the same map.
 */
function method<Req extends z.ZodType, Res extends z.ZodType>(request: Req, response: Res) {
  return { request, response };
}

const Empty = z.strictObject({});
const ById = z.strictObject({ id: Id });
const Deleted = z.object({ deleted: z.literal(true) });

export const BackendInfo = z.object({
  name: z.string(),
  available: z.boolean(),
  detail: z.string(),
});
export type BackendInfo = z.infer<typeof BackendInfo>;

export const AppInfo = z.object({
  name: z.string(),
  version: z.string(),
  mode: z.enum(['desktop', 'serve', 'cli']),
  dataDir: z.string(),
  databasePath: z.string(),
  schemaVersion: z.number().int(),
  versions: z.record(z.string(), z.string()),
  backends: z.array(BackendInfo),
});
export type AppInfo = z.infer<typeof AppInfo>;

export const ValidationResult = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), spec: ExperimentSpec }),
  z.object({ ok: z.literal(false), issues: z.array(Issue) }),
]);
export type ValidationResult = z.infer<typeof ValidationResult>;

export const SessionDetail = z.object({
  session: Session,
  experiments: z.array(Experiment),
  runs: z.array(Run),
});
export type SessionDetail = z.infer<typeof SessionDetail>;

export const SeriesQuery = z.strictObject({
  runId: Id,
  name: z.string().min(1),
  split: MetricSplit,
  fromStep: z.number().int().nonnegative().optional(),
  toStep: z.number().int().nonnegative().optional(),
  /** Down-sample to at most this many points (min/max preserving buckets). */
  maxPoints: z.number().int().min(2).max(1_000_000).optional(),
});
export type SeriesQuery = z.infer<typeof SeriesQuery>;

export const BackendChoice = z.enum(['auto', ...BACKEND_NAMES]);
export type BackendChoice = z.infer<typeof BackendChoice>;

export const DatasetInfo = z.object({
  name: z.string(),
  title: z.string(),
  origin: z.enum(['built-in', 'synthetic', 'imported']),
  present: z.boolean(),
  downloadable: z.boolean(),
  location: z.string().nullable(),
  task: z.enum(['classification', 'regression']),
  inputShape: z.array(z.number().int()),
  outputSize: z.number().int(),
  classNames: z.array(z.string()),
  sizes: z.object({
    train: z.number().int(),
    validation: z.number().int().nullable(),
    test: z.number().int().nullable(),
  }),
  problem: z.string().nullable(),
  /** Why it cannot be loaded now (files missing, where they were looked for, how to get them); null when it can. */
  unavailable: z.string().nullable(),
});
export type DatasetInfo = z.infer<typeof DatasetInfo>;

/** A path on the machine running the app (serve mode is loopback-only, so that is the user's own machine). */
const AbsolutePath = z
  .string()
  .min(1)
  .max(4096)
  .refine((p) => p.startsWith('/') || /^[A-Za-z]:[\\/]/.test(p) || p.startsWith('\\\\'), {
    message: 'must be an absolute path (the full path of the file or folder, e.g. /home/me/data.csv)',
  });
const DatasetName = z.string().trim().min(1).max(100);

export const DatasetImportRequest = z.strictObject({
  path: AbsolutePath,
  /** Default: the file or folder name without its extension. */
  name: DatasetName.optional(),
  /** Replace an earlier import of the same name instead of refusing it. */
  replace: z.boolean().optional(),
});
export type DatasetImportRequest = z.infer<typeof DatasetImportRequest>;

export const Preset = z.object({
  /** Stable identifier (kebab-case), for menus, links and tests. */
  id: z.string(),
  title: z.string(),
  /** The rule whose preset this is; null for comparisons of several rules. */
  rule: z.string().nullable(),
  spec: ExperimentSpec,
});
export type Preset = z.infer<typeof Preset>;

export const EpochEstimate = z.object({
  backend: z.string(),
  device: z.string(),
  /** The split sizes a run of this spec trains and evaluates on. */
  splits: z.object({ train: z.number().int(), validation: z.number().int(), test: z.number().int() }),
  stepsPerEpoch: z.number().int(),
  arms: z.array(
    z.object({
      label: z.string(),
      msPerStep: z.number(),
      secondsPerEpoch: z.number(),
      /** Timed steps the median is over. */
      timedSteps: z.number().int(),
    }),
  ),
  /** Every run of the experiment (arms × seeds) one after another, as the queue runs them. */
  totalSeconds: z.number(),
  /** Runs that were training while the step was timed: the estimate is then pessimistic. */
  busyRuns: z.number().int().nonnegative(),
});
export type EpochEstimate = z.infer<typeof EpochEstimate>;

export const contract = {
  'app.info': method(Empty, AppInfo),

  /** Most recently changed first; `{}` lists them all (see SessionFilter for what each field matches). */
  'sessions.list': method(SessionFilter, z.array(Session)),
  'sessions.create': method(z.strictObject({ name: SessionName, notes: z.string().max(100_000).optional() }), Session),
  'sessions.rename': method(z.strictObject({ id: Id, name: SessionName }), Session),
  'sessions.setNotes': method(z.strictObject({ id: Id, notes: z.string().max(100_000) }), Session),
  'sessions.delete': method(ById, Deleted),
  'sessions.open': method(ById, SessionDetail),

  'experiments.validate': method(z.strictObject({ spec: z.unknown() }), ValidationResult),
  'experiments.create': method(z.strictObject({ sessionId: Id, spec: ExperimentSpec }), Experiment),
  'experiments.get': method(ById, Experiment),
  'experiments.list': method(z.strictObject({ sessionId: Id.optional() }), z.array(Experiment)),
  'experiments.duplicate': method(
    z.strictObject({ id: Id, name: z.string().trim().min(1).max(200).optional() }),
    Experiment,
  ),
  'experiments.delete': method(ById, Deleted),
  /** Times the step of each arm on the backend a run would use (random data, a few steps) and scales it to the data. */
  'experiments.estimate': method(
    z.strictObject({ spec: ExperimentSpec, backend: BackendChoice.optional() }),
    EpochEstimate,
  ),
  'presets.list': method(Empty, z.array(Preset)),
  /** The user's saved specs, by name; one whose spec no longer parses is listed with its problem. */
  'templates.list': method(Empty, z.array(Template)),
  /** A name already used (ignoring case) is a 'conflict' unless `replace` is set, which overwrites that template. */
  'templates.save': method(
    z.strictObject({ name: TemplateName, spec: ExperimentSpec, replace: z.boolean().optional() }),
    Template,
  ),
  'templates.delete': method(ById, Deleted),

  /** Queues every run of the experiment (rules × seeds) and starts training them one after another. */
  'experiments.start': method(z.strictObject({ id: Id, backend: BackendChoice.optional() }), z.array(Run)),

  'runs.list': method(
    z.strictObject({ sessionId: Id.optional(), experimentId: Id.optional(), status: RunStatus.optional() }),
    z.array(Run),
  ),
  'runs.get': method(ById, Run),
  'runs.pause': method(ById, Run),
  /** Continues a paused run, or restarts an interrupted, stopped or failed one from its latest checkpoint. */
  'runs.resume': method(z.strictObject({ id: Id, backend: BackendChoice.optional() }), Run),
  'runs.stop': method(ById, Run),
  'runs.progress': method(ById, RunProgress.nullable()),
  'runs.events': method(
    z.strictObject({ runId: Id, limit: z.number().int().min(1).max(10000).optional() }),
    z.array(RunEvent),
  ),

  'datasets.list': method(Empty, z.array(DatasetInfo)),
  /** Reads every sample once (a broken file is refused now, naming it) and adds the dataset to the list. */
  'datasets.import': method(DatasetImportRequest, DatasetInfo),
  /** Takes an import off the list; its files are left alone. */
  'datasets.forget': method(z.strictObject({ name: DatasetName }), z.object({ forgotten: z.literal(true) })),
  /**
   * Starts downloading a built-in dataset in the host and answers at once; progress and the outcome arrive as
   * 'dataset.download' events. A request for a dataset already downloading joins that download.
   */
  'datasets.download': method(z.strictObject({ name: DatasetName }), DatasetInfo),

  'metrics.names': method(z.strictObject({ runId: Id }), z.array(MetricName)),
  'metrics.series': method(SeriesQuery, MetricSeries),

  'events.subscribe': method(
    z.strictObject({ filter: EventFilter.optional() }),
    z.object({ subscriptionId: z.string() }),
  ),
  'events.unsubscribe': method(z.strictObject({ subscriptionId: z.string() }), z.object({ removed: z.boolean() })),
  ...sweepMethods,
  ...clusterMethods,
  ...figureContract,
  ...exportContract,
} as const;

export type Contract = typeof contract;
export type MethodName = keyof Contract;
export const METHOD_NAMES = Object.keys(contract) as MethodName[];
export type RequestOf<M extends MethodName> = z.input<Contract[M]['request']>;
export type ParsedRequestOf<M extends MethodName> = z.output<Contract[M]['request']>;
export type ResponseOf<M extends MethodName> = z.output<Contract[M]['response']>;

export function isMethodName(value: unknown): value is MethodName {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(contract, value);
}
