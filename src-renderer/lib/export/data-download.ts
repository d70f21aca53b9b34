import type { ExportRequestInput } from '../../../shared/api/contract-export';
import { resolveToken } from '../api/token';
import { fileNameOf } from './content-disposition';
import { saveBlob } from './download';

/** Where serve mode answers an export request with the file itself (src-main/serve/download-route.ts). */
const DOWNLOAD_PATH = '/api/export';

/**
 * Serve mode: asks the server for the export as a file and hands it to the browser as a download. The token goes in
 * the Authorization header, as every HTTP API call's must (a token in a URL would leak through history and logs);
 * the server writes the whole file before it sends a byte, so an error is an answer, never a truncated download.
 */
export async function downloadServedExport(request: ExportRequestInput, fallbackName: string): Promise<string> {
  const token = resolveToken(window.location, sessionStorageOrNull());
  const response = await fetch(DOWNLOAD_PATH, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(request),
  });
  if (!response.ok) {
    const body = (await response.json().catch(() => null)) as { error?: string | { message?: string } } | null;
    const message = typeof body?.error === 'string' ? body.error : body?.error?.message;
    throw new Error(message ?? `the export failed (HTTP ${response.status})`);
  }
  const fileName = fileNameOf(response.headers.get('content-disposition'), fallbackName);
  saveBlob(fileName, await response.blob());
  return fileName;
}

/** sessionStorage, or null where the browser refuses it (privacy modes throw on access). */
function sessionStorageOrNull(): Storage | null {
  try {
    return window.sessionStorage;
  } catch {
    return null;
  }
}
