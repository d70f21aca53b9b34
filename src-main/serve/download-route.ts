import fs from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DownloadExport } from '../api/export-download';
import { MAX_MESSAGE_BYTES } from './invoke-route';
import { readBody } from './request-body';
import { sendJson } from './send-json';

/** A filename for Content-Disposition: ASCII fallback plus the exact name in RFC 5987 form. */
function disposition(fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(fileName)}`;
}

/**
 * POST /api/export with an export.write request (without path) as JSON: answers with the file itself and
 * Content-Disposition: attachment, for the browser to save. Authorised like /api/invoke (the caller checks that).
 */
export async function handleDownload(
  request: IncomingMessage,
  response: ServerResponse,
  download: DownloadExport,
): Promise<void> {
  if (request.method !== 'POST') {
    sendJson(response, 405, { error: 'use POST with the export request as JSON' });
    return;
  }
  const body = await readBody(request, MAX_MESSAGE_BYTES);
  if (!body.ok) return sendJson(response, 413, { error: `request body over ${MAX_MESSAGE_BYTES} bytes` });
  let payload: unknown;
  try {
    payload = JSON.parse(body.text || '{}');
  } catch {
    return sendJson(response, 400, {
      ok: false,
      error: { code: 'invalid_request', message: 'request body is not JSON' },
    });
  }
  const outcome = await download(payload);
  if (!outcome.ok) {
    const status = outcome.error.code === 'not_found' ? 404 : outcome.error.code === 'invalid_request' ? 400 : 500;
    return sendJson(response, status, outcome);
  }
  const { file, fileName, mediaType, bytes, sha256, dispose } = outcome.download;
  response.writeHead(200, {
    'content-type': mediaType,
    'content-length': String(bytes),
    'content-disposition': disposition(fileName),
    'x-content-sha256': sha256,
    'cache-control': 'no-store',
  });
  const stream = fs.createReadStream(file);
  stream.once('close', dispose);
  stream.once('error', () => response.destroy());
  stream.pipe(response);
}
