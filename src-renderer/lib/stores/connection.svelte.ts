import type { ApiClient } from '../api/client';
import type { ConnectionStatus } from '../api/status';

const LABELS: Record<ConnectionStatus, string> = {
  connecting: 'Connecting…',
  connected: 'Connected',
  disconnected: 'Disconnected — reconnecting…',
};

/** The connection status as reactive state for the chrome and for views that refresh on reconnect. */
export class ConnectionState {
  status = $state<ConnectionStatus>('connecting');
  /** Increases on every transition into 'connected': views reload when it changes. */
  generation = $state(0);
  label = $derived(LABELS[this.status]);
  readonly #client: ApiClient;

  constructor(client: ApiClient) {
    this.#client = client;
    this.status = client.status;
    if (client.status === 'connected') this.generation = 1;
    client.onStatus((status) => {
      this.status = status;
      if (status === 'connected') this.generation += 1;
    });
  }

  retryNow(): void {
    this.#client.reconnectNow();
  }
}
