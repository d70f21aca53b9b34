import { exportToFile, previewExport, verifyBundle } from '../../export';
import type { ApiServices } from '../services';
import { exportingApp } from '../export-download';
import type { Handlers } from '../handler-types';

type ExportHandlers = Pick<Handlers, 'export.preview' | 'export.write' | 'export.verify'>;

/** Progress events at most this often: a CSV of millions of rows reports per page, far too often for a socket. */
const PROGRESS_INTERVAL_MS = 100;

export function exportHandlers({ store, bus }: ApiServices): ExportHandlers {
  const app = exportingApp;
  return {
    'export.preview': ({ maxChars, ...request }) => previewExport(store, request, app(), maxChars),
    'export.write': ({ path, progressId, ...request }) => {
      let last = 0;
      const progress = progressId
        ? (done: number, total: number, phase: string) => {
            const now = Date.now();
            if (now - last < PROGRESS_INTERVAL_MS && done < total) return;
            last = now;
            bus.publish({ type: 'export.progress', progressId, done, total, phase });
          }
        : undefined;
      return exportToFile(store, request, path, app(), progress);
    },
    'export.verify': ({ path }) => verifyBundle(path),
  };
}
