import { z } from 'zod';
import { ApiErrorBody } from './errors';
import { ApiEvent } from './events';

/** What one invocation returns over any transport. */
export const InvokeOutcome = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), result: z.unknown() }),
  z.object({ ok: z.literal(false), error: ApiErrorBody }),
]);
export type InvokeOutcome = z.infer<typeof InvokeOutcome>;

/** Messages from a client to the serve-mode WebSocket. */
export const ClientMessage = z.strictObject({
  id: z.number().int().nonnegative(),
  method: z.string(),
  payload: z.unknown(),
});
export type ClientMessage = z.infer<typeof ClientMessage>;

/** Messages from the serve-mode WebSocket to a client: a reply to one request, or a pushed event. */
export const ServerMessage = z.union([
  z.object({ kind: z.literal('reply'), id: z.number().int().nonnegative(), outcome: InvokeOutcome }),
  z.object({ kind: z.literal('event'), subscriptionId: z.string(), event: ApiEvent }),
]);
export type ServerMessage = z.infer<typeof ServerMessage>;

/** Electron IPC channel names: one for invocations, one for pushed events. */
export const IPC_INVOKE_CHANNEL = 'broadcast-lab:invoke';
export const IPC_EVENT_CHANNEL = 'broadcast-lab:event';
