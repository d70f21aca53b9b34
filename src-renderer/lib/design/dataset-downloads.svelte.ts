import type { DatasetDownloadStatus } from '../../../shared/api/events';
import type { ApiClient } from '../api/client';
import { errorMessage, isDisconnected } from '../api/errors';

/** One download as the designer shows it; 'starting' until the host's first event arrives. */
export interface DownloadView {
  status: 'starting' | DatasetDownloadStatus;
  bytesDone: number;
  bytesTotal: number;
  file: string;
  error: string | null;
}

/**
 * Dataset downloads run in the host; this follows them through 'dataset.download' events, so a download
 * started elsewhere (another window, before a reload) shows here too. `ondone` hears each finished one.
 */
export class DatasetDownloadsState {
  byName = $state<Record<string, DownloadView>>({});

  readonly #client: ApiClient;
  readonly #stop: () => void;

  constructor(client: ApiClient, ondone: (name: string) => void) {
    this.#client = client;
    this.#stop = client.subscribe({ types: ['dataset.download'] }, (event) => {
      if (event.type !== 'dataset.download') return;
      const { dataset, status, bytesDone, bytesTotal, file, error } = event;
      this.byName[dataset] = { status, bytesDone, bytesTotal, file, error };
      if (status === 'done') ondone(dataset);
    });
  }

  /** Asks the host to download (or to join a download already running); the events tell the rest. */
  async start(name: string): Promise<void> {
    this.byName[name] = { status: 'starting', bytesDone: 0, bytesTotal: 0, file: '', error: null };
    try {
      await this.#client.call('datasets.download', { name });
    } catch (error) {
      const reason = isDisconnected(error) ? 'the connection dropped before it started' : errorMessage(error);
      this.byName[name] = { status: 'failed', bytesDone: 0, bytesTotal: 0, file: '', error: reason };
    }
  }

  /** Forgets a finished download once the list shows its dataset present. */
  clear(name: string): void {
    delete this.byName[name];
  }

  close(): void {
    this.#stop();
  }
}
