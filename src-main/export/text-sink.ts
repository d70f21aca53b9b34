import type { Writable } from 'node:stream';

/** Where an export writes: a file stream (with backpressure), or a string for a preview. */
export interface TextSink {
  write(chunk: string | Uint8Array): Promise<void> | void;
}

/** Writes to a stream, waiting for 'drain' whenever its buffer is full, so that memory stays flat. */
export function streamSink(stream: Writable): TextSink {
  return {
    write(text) {
      if (stream.write(text)) return;
      return new Promise<void>((resolve, reject) => {
        const onDrain = () => {
          stream.off('error', onError);
          resolve();
        };
        const onError = (error: Error) => {
          stream.off('drain', onDrain);
          reject(error);
        };
        stream.once('drain', onDrain);
        stream.once('error', onError);
      });
    },
  };
}

/** Thrown by a preview sink once it holds enough: the producer stops there. */
export class PreviewFull extends Error {
  constructor() {
    super('preview full');
  }
}

/**
 * Collects up to maxChars characters, then stops the producer. Bytes are UTF-8 text (the tidy CSV writes its rows as
 * bytes, whole rows per write, so no character is split between writes).
 */
export function previewSink(maxChars: number): TextSink & { text: () => string; truncated: () => boolean } {
  let text = '';
  let truncated = false;
  return {
    write(written) {
      const chunk =
        typeof written === 'string'
          ? written
          : Buffer.from(written.buffer, written.byteOffset, written.byteLength).toString('utf8');
      if (text.length + chunk.length > maxChars) {
        text += chunk.slice(0, maxChars - text.length);
        truncated = true;
        throw new PreviewFull();
      }
      text += chunk;
    },
    text: () => text,
    truncated: () => truncated,
  };
}
