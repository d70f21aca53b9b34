import type { ApiEvent } from './events';
import type { InvokeOutcome } from './envelope';

/**
 * What a renderer needs from a transport. The Electron preload exposes exactly this on
 * `window.broadcastLab`; the serve-mode client implements it over a WebSocket.
 */
export interface Transport {
  invoke(method: string, payload: unknown): Promise<InvokeOutcome>;
  /** Receives every event pushed to this client; returns a function that stops the delivery. */
  onEvent(listener: (subscriptionId: string, event: ApiEvent) => void): () => void;
}

/**
 * What the Electron preload exposes on `window.broadcastLab`: the Transport, plus the desktop's save dialog for
 * exports. `saveExport` takes export.write's request without a path and the suggested file name; the main process
 * asks where with the native dialog, then writes. It resolves with export.write's outcome, or with
 * `{ ok: true, result: null }` when the user cancelled (nothing is written).
 */
export interface DesktopBridge extends Transport {
  saveExport(request: unknown, fileName: string): Promise<InvokeOutcome>;
}
