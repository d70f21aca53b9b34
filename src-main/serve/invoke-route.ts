import type { IncomingMessage, ServerResponse } from 'node:http';
import { Connection } from '../api/connection';
import type { Dispatcher } from '../api/dispatcher';
import type { EventBus } from '../api/event-bus';
import { readBody } from './request-body';
import { sendJson } from './send-json';

/** Bounds the memory one request body or WebSocket message can take. */
export const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

/** POST /api/invoke/<method> with a JSON body: the same API for scripts, answered with the same outcome shape. */
export async function handleInvoke(
  request: IncomingMessage,
  response: ServerResponse,
  method: string,
  options: { dispatcher: Dispatcher; bus: EventBus },
): Promise<void> {
  if (request.method !== 'POST') {
    sendJson(response, 405, { error: 'use POST for API calls' });
    return;
  }
  const body = await readBody(request, MAX_MESSAGE_BYTES);
  if (!body.ok) {
    sendJson(response, 413, { error: `request body over ${MAX_MESSAGE_BYTES} bytes` });
    return;
  }
  let payload: unknown = {};
  if (body.text.length > 0) {
    try {
      payload = JSON.parse(body.text);
    } catch {
      sendJson(response, 400, { ok: false, error: { code: 'invalid_request', message: 'request body is not JSON' } });
      return;
    }
  }
  // A one-shot connection: subscriptions need a socket, so any made here end with the request.
  const connection = new Connection(options.bus, () => undefined);
  const outcome = await options.dispatcher.invoke(method, payload, connection);
  connection.close();
  sendJson(response, outcome.ok ? 200 : statusFor(outcome.error.code), outcome);
}

function statusFor(code: string): number {
  switch (code) {
    case 'invalid_request':
      return 400;
    case 'unknown_method':
    case 'not_found':
      return 404;
    case 'conflict':
      return 409;
    default:
      return 500;
  }
}
