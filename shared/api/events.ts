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
  // Desktop menu items whose work happens in the renderer; pushed under MENU_SUBSCRIPTION_ID, never subscribed to.
  z.object({ type: z.literal('menu.command'), command: z.enum(['session.new', 'file.open', 'file.export']) }),
]);
export const MENU_SUBSCRIPTION_ID = 'menu';
export type ApiEvent = z.infer<typeof ApiEvent>;
export type ApiEventType = ApiEvent['type'];
/** Menu commands go to the desktop renderer directly; every other event type can be subscribed to. */
export const SUBSCRIBABLE_EVENT_TYPES = [
  'session.changed',
  'run.status',
  'metrics.batch',
  'run.event',
  'run.progress',
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
    case 'menu.command':
      return null;
  }
}
