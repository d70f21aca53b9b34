import type { DatasetDownloadEvent, DatasetDownloadStatus } from '../../shared/api/events';
import type { DatasetManager } from '../data/manager';
import type { EventBus } from './event-bus';
import { ProgressThrottle } from './progress-throttle';

export interface DatasetDownloadsOptions {
  manager: DatasetManager;
  bus: EventBus;
  /** Base URL holding `<dataset>/<file>` for every downloadable dataset; default: the catalogue's mirrors. */
  mirror?: string;
  /** Least time between two progress events of one download (default 100 ms: at most 10 a second). */
  progressIntervalMs?: number;
}

/**
 * Runs dataset downloads in the host and tells every subscriber how they go, as 'dataset.download'
 * events. The request that starts one returns at once; the download is async I/O, so the host keeps
 * answering other calls meanwhile.
 */
export class DatasetDownloads {
  private readonly active = new Set<string>();
  private readonly controller = new AbortController();
  private readonly mirrorBase: string | undefined;
  private readonly intervalMs: number;

  constructor(private readonly options: DatasetDownloadsOptions) {
    const mirror = options.mirror;
    this.mirrorBase = mirror === undefined ? undefined : mirror.endsWith('/') ? mirror : `${mirror}/`;
    this.intervalMs = options.progressIntervalMs ?? 100;
  }

  /** Starts the download unless it is running already; then the caller joins it and hears the same events. */
  start(name: string, bytesTotal: number): void {
    if (this.active.has(name)) return;
    this.active.add(name);
    void this.run(name, bytesTotal);
  }

  isActive(name: string): boolean {
    return this.active.has(name);
  }

  /** Cancels every download; what arrived is kept as .partial files and a later download resumes from them. */
  close(): void {
    this.controller.abort();
  }

  private async run(name: string, bytesTotal: number): Promise<void> {
    const throttle = new ProgressThrottle(this.intervalMs);
    let last = { file: '', bytesDone: 0, bytesTotal };
    const publish = (status: DatasetDownloadStatus, error: string | null) => {
      const event: DatasetDownloadEvent = { type: 'dataset.download', dataset: name, status, ...last, error };
      this.options.bus.publish(event);
    };
    let status: DatasetDownloadStatus = 'done';
    let error: string | null = null;
    try {
      await this.options.manager.download(name, {
        baseUrl: this.mirrorBase === undefined ? undefined : new URL(`${name}/`, this.mirrorBase).href,
        signal: this.controller.signal,
        onProgress: (p) => {
          last = { file: p.file, bytesDone: p.bytesDone, bytesTotal: p.bytesTotal };
          if (throttle.admit(p.phase)) publish(p.phase, null);
        },
      });
      last = { ...last, bytesDone: last.bytesTotal };
    } catch (failure) {
      status = 'failed';
      error = failure instanceof Error ? failure.message : String(failure);
    }
    // Off the list before the outcome is told, so that a Retry sent on hearing 'failed' starts a new download.
    this.active.delete(name);
    publish(status, error);
  }
}
