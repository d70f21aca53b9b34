import type { IncomingMessage } from 'node:http';

export type Body = { ok: true; text: string } | { ok: false; tooLarge: true };

/**
 * Reads a request body up to limit bytes. A body that is, or says it will be, larger is refused without being
 * kept. The request is not destroyed: that would reset the connection before the 413 reaches the client. Node
 * discards the unread rest once the response is sent.
 */
export function readBody(request: IncomingMessage, limit: number): Promise<Body> {
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.resolve({ ok: false, tooLarge: true });
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) {
        chunks.push(chunk);
        return;
      }
      request.off('data', onData);
      request.resume();
      chunks.length = 0;
      resolve({ ok: false, tooLarge: true });
    };
    request.on('data', onData);
    request.on('end', () => resolve({ ok: true, text: Buffer.concat(chunks).toString('utf8') }));
    request.on('error', reject);
  });
}
