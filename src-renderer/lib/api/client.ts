import { contract, type MethodName, type RequestOf, type ResponseOf } from '../../../shared/api/contract';
import { InvokeOutcome } from '../../../shared/api/envelope';
import { ApiError, describeIssues, issuesFromZod } from '../../../shared/api/errors';
import { MENU_SUBSCRIPTION_ID, type ApiEvent, type EventFilter } from '../../../shared/api/events';
import type { Transport } from '../../../shared/api/transport';
import { isDisconnected } from './errors';
import type { LiveTransport } from './live-transport';
import type { ConnectionStatus, StatusListener } from './status';

export type EventListener = (event: ApiEvent) => void;

export interface ApiClient {
  /** Invokes one contract method; resolves with its typed response or throws ApiError. */
  call<M extends MethodName>(method: M, request: RequestOf<M>): Promise<ResponseOf<M>>;
  /**
   * Receives the events matching filter. Survives reconnection: the subscription is re-made on every new
   * connection. Returns a function that ends it. onError hears failures other than a dropped connection.
   */
  subscribe(filter: EventFilter, listener: EventListener, onError?: (error: ApiError) => void): () => void;
  readonly status: ConnectionStatus;
  onStatus(listener: StatusListener): () => void;
  reconnectNow(): void;
  /** Desktop menu items handled by the renderer (File → New Session …); never fires in a browser. */
  onMenuCommand(listener: (command: MenuCommand) => void): () => void;
}

export type MenuCommand = Extract<ApiEvent, { type: 'menu.command' }>['command'];

interface Entry {
  filter: EventFilter;
  listener: EventListener;
  onError: ((error: ApiError) => void) | undefined;
  serverId: string | null;
  active: boolean;
}

export function createClient(transport: Transport | LiveTransport): ApiClient {
  const live = isLive(transport) ? transport : null;
  const entries = new Set<Entry>();
  const byServerId = new Map<string, Entry>();

  async function call<M extends MethodName>(method: M, request: RequestOf<M>): Promise<ResponseOf<M>> {
    let raw: unknown;
    try {
      raw = await transport.invoke(method, request);
    } catch (error) {
      if (error instanceof ApiError) throw error;
      throw new ApiError('internal', error instanceof Error ? error.message : String(error));
    }
    const outcome = InvokeOutcome.safeParse(raw);
    if (!outcome.success) throw new ApiError('internal', `The answer to ${method} was not a valid reply.`);
    if (!outcome.data.ok) throw ApiError.fromBody(outcome.data.error);
    const parsed = contract[method].response.safeParse(outcome.data.result);
    if (!parsed.success) {
      const detail = describeIssues(issuesFromZod(parsed.error));
      throw new ApiError('internal', `The answer to ${method} does not match the contract: ${detail}`);
    }
    // The schema for M produced this value; TypeScript cannot follow a generic index into the contract.
    return parsed.data as ResponseOf<M>;
  }

  async function establish(entry: Entry): Promise<void> {
    try {
      const { subscriptionId } = await call('events.subscribe', { filter: entry.filter });
      if (!entry.active) {
        void call('events.unsubscribe', { subscriptionId }).catch(() => {});
        return;
      }
      entry.serverId = subscriptionId;
      byServerId.set(subscriptionId, entry);
    } catch (error) {
      // A dropped connection is retried on the next 'connected'; anything else is the caller's to show.
      if (!isDisconnected(error) && error instanceof ApiError) entry.onError?.(error);
    }
  }

  const menuListeners = new Set<(command: MenuCommand) => void>();
  transport.onEvent((subscriptionId, event) => {
    if (subscriptionId === MENU_SUBSCRIPTION_ID) {
      if (event.type === 'menu.command') for (const listener of menuListeners) listener(event.command);
      return;
    }
    byServerId.get(subscriptionId)?.listener(event);
  });

  // Server-side subscriptions die with their socket: make them again on each new connection.
  live?.onStatus((status) => {
    if (status !== 'connected') return;
    byServerId.clear();
    for (const entry of entries) {
      entry.serverId = null;
      void establish(entry);
    }
  });

  function subscribe(filter: EventFilter, listener: EventListener, onError?: (error: ApiError) => void): () => void {
    const entry: Entry = { filter, listener, onError, serverId: null, active: true };
    entries.add(entry);
    if (!live || live.status === 'connected') void establish(entry);
    return () => {
      if (!entry.active) return;
      entry.active = false;
      entries.delete(entry);
      if (entry.serverId === null) return;
      byServerId.delete(entry.serverId);
      void call('events.unsubscribe', { subscriptionId: entry.serverId }).catch(() => {});
    };
  }

  return {
    call,
    subscribe,
    get status() {
      return live?.status ?? 'connected';
    },
    onStatus: (listener) => live?.onStatus(listener) ?? (() => {}),
    reconnectNow: () => live?.reconnectNow(),
    onMenuCommand: (listener) => {
      menuListeners.add(listener);
      return () => menuListeners.delete(listener);
    },
  };
}

function isLive(transport: Transport | LiveTransport): transport is LiveTransport {
  return 'onStatus' in transport && typeof transport.onStatus === 'function';
}
