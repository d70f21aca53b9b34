import type { InvokeOutcome } from '../../shared/api/envelope';
import type { ApiEvent } from '../../shared/api/events';
import type { DesktopBridge } from '../../shared/api/transport';
import { BRIDGE_METHOD_NAMES, EVENT_CHANNEL, INVOKE_CHANNEL, SAVE_EXPORT_CHANNEL } from './bridge-constants';

const METHODS: ReadonlySet<string> = new Set(BRIDGE_METHOD_NAMES);

/** The parts of ipcRenderer the bridge uses. */
export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}

/**
 * The object the preload exposes as `window.broadcastLab`: the Transport of shared/api/transport.ts and the
 * desktop's save-export call (DesktopBridge), nothing more. Listeners receive (subscriptionId, event) only, never the IPC event object, whose
 * `sender` is ipcRenderer itself.
 */
export function createBridge(ipc: IpcRendererLike): DesktopBridge {
  return {
    invoke(method: string, payload: unknown): Promise<InvokeOutcome> {
      if (typeof method !== 'string' || !METHODS.has(method)) {
        // Refused here, without a round trip, with the outcome the dispatcher would give.
        return Promise.resolve({
          ok: false,
          error: { code: 'unknown_method', message: `Unknown API method ${JSON.stringify(method)}.` },
        });
      }
      return ipc.invoke(INVOKE_CHANNEL, { method, payload }) as Promise<InvokeOutcome>;
    },
    saveExport(request: unknown, fileName: string): Promise<InvokeOutcome> {
      // The main process checks the message's shape; only plain data crosses.
      return ipc.invoke(SAVE_EXPORT_CHANNEL, { request, fileName }) as Promise<InvokeOutcome>;
    },
    onEvent(listener: (subscriptionId: string, event: ApiEvent) => void): () => void {
      if (typeof listener !== 'function') throw new TypeError('onEvent expects a function');
      const forward = (_event: unknown, subscriptionId: unknown, event: unknown) => {
        if (typeof subscriptionId === 'string' && typeof event === 'object' && event !== null) {
          listener(subscriptionId, event as ApiEvent);
        }
      };
      ipc.on(EVENT_CHANNEL, forward);
      let subscribed = true;
      return () => {
        if (!subscribed) return;
        subscribed = false;
        ipc.removeListener(EVENT_CHANNEL, forward);
      };
    },
  };
}
