import type { Transport } from '../../../shared/api/transport';
import type { ConnectionStatus, StatusListener } from './status';

/** A Transport that also reports whether it can reach its engine host right now. */
export interface LiveTransport extends Transport {
  readonly status: ConnectionStatus;
  onStatus(listener: StatusListener): () => void;
  reconnectNow(): void;
}
