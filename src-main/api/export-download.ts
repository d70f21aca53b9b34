import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ExportRequest } from '../../shared/api/contract-export';
import { ApiError, describeIssues, issuesFromZod, type ApiErrorBody } from '../../shared/api/errors';
import { exportToFile, previewExport, type AppIdentity } from '../export';
import type { Store } from '../store/types';
import pkg from '../../package.json';

/** Who writes exports. Not appInfo(): that probes every backend, which an export does not need. */
export function exportingApp(): AppIdentity {
  return { name: pkg.name, version: pkg.version, versions: { ...process.versions } as Record<string, string> };
}

/** An export written to a temporary file, ready to be sent; dispose() removes it. */
export interface ExportDownload {
  fileName: string;
  mediaType: string;
  file: string;
  bytes: number;
  sha256: string;
  dispose(): void;
}

export type DownloadOutcome = { ok: true; download: ExportDownload } | { ok: false; error: ApiErrorBody };

/** Validates an export request (export.write's, without a path) and writes it for a browser download. */
export type DownloadExport = (payload: unknown) => Promise<DownloadOutcome>;

/**
 * Serve mode's downloads: the export is written whole (atomically) to a private temporary folder before the first
 * byte is sent, so that a failure is an error answer, never a truncated file in the user's Downloads.
 */
export function exportDownloads(store: Store, app: () => AppIdentity): DownloadExport {
  return async (payload) => {
    const parsed = ExportRequest.safeParse(payload);
    if (!parsed.success) {
      const issues = issuesFromZod(parsed.error);
      return {
        ok: false,
        error: new ApiError('invalid_request', `Invalid export: ${describeIssues(issues)}`, issues).toBody(),
      };
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'broadcast-lab-download-'));
    const dispose = () => fs.rmSync(dir, { recursive: true, force: true });
    try {
      // The name and type come from the preview's reading of the request (a few hundred characters at most).
      const { fileName, mediaType } = await previewExport(store, parsed.data, app(), 100);
      const written = await exportToFile(store, parsed.data, path.join(dir, 'export'), app());
      return {
        ok: true,
        download: { fileName, mediaType, file: written.path, bytes: written.bytes, sha256: written.sha256, dispose },
      };
    } catch (error) {
      dispose();
      if (error instanceof ApiError) return { ok: false, error: error.toBody() };
      throw error;
    }
  };
}
