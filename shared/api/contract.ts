import { z } from 'zod';
import { Id } from '../schemas/ids';
import {
  Experiment,
  MetricName,
  MetricSeries,
  MetricSplit,
  Run,
  RunStatus,
  Session,
  SessionName,
} from '../schemas/records';
import { ExperimentSpec } from '../schemas/experiment';
import { Issue } from './errors';
import { EventFilter } from './events';

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

export const contract = {
  'app.info': method(Empty, AppInfo),

  'sessions.list': method(Empty, z.array(Session)),
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

  'runs.list': method(
    z.strictObject({ sessionId: Id.optional(), experimentId: Id.optional(), status: RunStatus.optional() }),
    z.array(Run),
  ),
  'runs.get': method(ById, Run),

  'metrics.names': method(z.strictObject({ runId: Id }), z.array(MetricName)),
  'metrics.series': method(SeriesQuery, MetricSeries),

  'events.subscribe': method(
    z.strictObject({ filter: EventFilter.optional() }),
    z.object({ subscriptionId: z.string() }),
  ),
  'events.unsubscribe': method(z.strictObject({ subscriptionId: z.string() }), z.object({ removed: z.boolean() })),
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
