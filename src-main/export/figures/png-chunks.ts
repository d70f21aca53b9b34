import { crc32 } from 'node:zlib';

const SIGNATURE_BYTES = 8;
const METRES_PER_INCH = 0.0254;

function chunk(type: string, data: Buffer): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)) >>> 0, 8 + data.length);
  return out;
}

/** pHYs: pixels per metre on both axes, unit 1 (metre), so that viewers and LaTeX read the intended dpi. */
function physChunk(dpi: number): Buffer {
  const perMetre = Math.round(dpi / METRES_PER_INCH);
  const data = Buffer.alloc(9);
  data.writeUInt32BE(perMetre, 0);
  data.writeUInt32BE(perMetre, 4);
  data.writeUInt8(1, 8);
  return chunk('pHYs', data);
}

/** tEXt: a Latin-1 keyword, a NUL and Latin-1 text; characters outside Latin-1 become '?'. */
function textChunk(keyword: string, text: string): Buffer {
  const latin1 = (s: string) => Buffer.from(s.replace(/[^\x20-\x7e\xa0-\xff\n]/g, '?'), 'latin1');
  return chunk('tEXt', Buffer.concat([latin1(keyword.slice(0, 79)), Buffer.from([0]), latin1(text)]));
}

/**
 * Adds pHYs and tEXt chunks right after IHDR (where the PNG specification wants pHYs: before the image data),
 * replacing any pHYs the encoder wrote.
 */
export function withPngMetadata(png: Buffer, dpi: number, text: Readonly<Record<string, string>>): Buffer {
  if (png.length < SIGNATURE_BYTES + 25 || png.toString('latin1', 12, 16) !== 'IHDR') {
    throw new Error('not a PNG (no IHDR chunk after the signature)');
  }
  const ihdrEnd = SIGNATURE_BYTES + 12 + png.readUInt32BE(SIGNATURE_BYTES);
  const kept: Buffer[] = [];
  for (let at = ihdrEnd; at < png.length;) {
    const length = png.readUInt32BE(at);
    const type = png.toString('latin1', at + 4, at + 8);
    if (type !== 'pHYs') kept.push(png.subarray(at, at + 12 + length));
    at += 12 + length;
  }
  const added = [physChunk(dpi), ...Object.entries(text).map(([k, v]) => textChunk(k, v))];
  return Buffer.concat([png.subarray(0, ihdrEnd), ...added, ...kept]);
}

/** Width, height and dpi (from pHYs, null without one) of a PNG: what tests and callers check. */
export function readPngInfo(png: Buffer): {
  width: number;
  height: number;
  dpi: number | null;
  text: Record<string, string>;
} {
  const width = png.readUInt32BE(16);
  const height = png.readUInt32BE(20);
  let dpi: number | null = null;
  const text: Record<string, string> = {};
  for (let at = SIGNATURE_BYTES; at < png.length;) {
    const length = png.readUInt32BE(at);
    const type = png.toString('latin1', at + 4, at + 8);
    const data = png.subarray(at + 8, at + 8 + length);
    if (type === 'pHYs' && data.readUInt8(8) === 1) dpi = Math.round(data.readUInt32BE(0) * METRES_PER_INCH);
    if (type === 'tEXt') {
      const nul = data.indexOf(0);
      text[data.toString('latin1', 0, nul)] = data.toString('latin1', nul + 1);
    }
    at += 12 + length;
  }
  return { width, height, dpi, text };
}
