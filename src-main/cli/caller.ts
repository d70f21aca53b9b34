import type { MethodName, RequestOf, ResponseOf } from '../../shared/api/contract';
import type { ApiEvent, EventFilter } from '../../shared/api/events';
import { ApiError } from '../../shared/api/errors';
import { Connection } from '../api/connection';
import type { ApiHost } from '../api/host';

export type Call = <M extends MethodName>(method: M, request: RequestOf<M>) => Promise<ResponseOf<M>>;

/** The CLI's client of the API: the same dispatcher as the app, in process. */
export function apiClient(host: ApiHost) {
  const listeners = new Map<string, (event: ApiEvent) => void>();
  const connection = new Connection(host.bus, (subscriptionId, event) => listeners.get(subscriptionId)?.(event));
  const call: Call = async (method, request) => {
    const outcome = await host.dispatcher.invoke(method, request, connection);
    if (!outcome.ok) throw ApiError.fromBody(outcome.error);
    // The dispatcher ran this method's handler, whose return type is ResponseOf<M>.
    return outcome.result as ResponseOf<typeof method>;
  };
  const subscribe = (filter: EventFilter, listener: (event: ApiEvent) => void): (() => void) => {
    const id = connection.subscribe(filter);
    listeners.set(id, listener);
    return () => {
      connection.unsubscribe(id);
      listeners.delete(id);
    };
  };
  return { call, subscribe, close: () => connection.close() };
}
