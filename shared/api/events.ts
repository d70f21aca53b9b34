import { z } from 'zod';
import { Id } from '../schemas/ids';
import { MetricPoint, Run, RunEvent } from '../schemas/records';

/** Where a training run stands; streamed at each metrics read. ETA and rate are over the run so far. */
export const RunProgress = z.object({
  epoch: z.number(),
  step: z.number().int(),
  totalSteps: z.number().int(),
  samplesPerSecond: z.number(),
  eta: z.number(),
});
export type RunProgress = z.infer<typeof RunProgress>;

/** A download's phase: progress while fetching and unpacking, then one 'done' or 'failed'. */
export const DatasetDownloadStatus = z.enum(['downloading', 'extracting', 'done', 'failed']);
export type DatasetDownloadStatus = z.infer<typeof DatasetDownloadStatus>;

/** Events streamed from the engine host to subscribers. Metrics travel in batches, never one message per number. */
export const ApiEvent = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('session.changed'),
    sessionId: Id,
    change: z.enum(['created', 'updated', 'deleted']),
  }),
  z.object({ type: z.literal('run.status'), run: Run }),
  z.object({ type: z.literal('metrics.batch'), runId: Id, points: z.array(MetricPoint) }),
  z.object({ type: z.literal('run.event'), event: RunEvent }),
  z.object({ type: z.literal('run.progress'), runId: Id, progress: RunProgress }),
  z.object({
    type: z.literal('dataset.download'),
    dataset: z.string(),
    status: DatasetDownloadStatus,
    /** Over all files of the dataset. */
    bytesDone: z.number().int().nonnegative(),
    bytesTotal: z.number().int().nonnegative(),
    /** The file being fetched; the last one once done or failed; '' when nothing was fetched. */
    file: z.string(),
    /** Why it failed, a sentence naming the file or URL; null otherwise. */
    error: z.string().nullable(),
  }),
  /** An export under way (export.write with a progressId): rows or files done of the total, for a progress bar. */
  z.object({
    type: z.literal('export.progress'),
    progressId: z.string(),
    done: z.number().nonnegative(),
    total: z.number().nonnegative(),
    phase: z.string(),
  }),
  // Desktop menu items whose work happens in the renderer; pushed under MENU_SUBSCRIPTION_ID, never subscribed to.
  z.object({ type: z.literal('menu.command'), command: z.enum(['session.new', 'file.open', 'file.export']) }),
]);
export const MENU_SUBSCRIPTION_ID = 'menu';
export type ApiEvent = z.infer<typeof ApiEvent>;
export type ApiEventType = ApiEvent['type'];
export type DatasetDownloadEvent = Extract<ApiEvent, { type: 'dataset.download' }>;
/** Menu commands go to the desktop renderer directly; every other event type can be subscribed to. */
export const SUBSCRIBABLE_EVENT_TYPES = [
  'session.changed',
  'run.status',
  'metrics.batch',
  'run.event',
  'run.progress',
  'dataset.download',
  'export.progress',
] as const satisfies readonly ApiEventType[];

/** A subscription receives the events matching every given filter; an omitted filter matches everything. */
export const EventFilter = z.strictObject({
  types: z.array(z.enum(SUBSCRIBABLE_EVENT_TYPES)).optional(),
  runIds: z.array(Id).optional(),
});
export type EventFilter = z.infer<typeof EventFilter>;

export function eventMatches(filter: EventFilter, event: ApiEvent): boolean {
  if (filter.types && !(filter.types as readonly ApiEventType[]).includes(event.type)) return false;
  if (filter.runIds) {
    const runId = eventRunId(event);
    if (runId !== null && !filter.runIds.includes(runId)) return false;
  }
  return true;
}

function eventRunId(event: ApiEvent): number | null {
  switch (event.type) {
    case 'run.status':
      return event.run.id;
    case 'metrics.batch':
      return event.runId;
    case 'run.event':
      return event.event.runId;
    case 'run.progress':
      return event.runId;
    case 'session.changed':
    case 'dataset.download':
    case 'export.progress':
    case 'menu.command':
      return null;
  }
}
