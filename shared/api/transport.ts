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
