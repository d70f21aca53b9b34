import { describe, expect, test } from 'vitest';
import { crc32 } from 'node:zlib';
import { errorHalfWidth, type FigureRow } from '../../src-main/export/figures/figure-data';
import { readPngInfo, withPngMetadata } from '../../src-main/export/figures/png-chunks';
import { thinCurves } from '../../src-main/export/figures/thin-curves';

function pngChunk(type: string, data: Buffer): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)) >>> 0, 8 + data.length);
  return out;
}

/** A PNG's chunk layout (the pixels do not matter here): IHDR 7×3, a 72 dpi pHYs, an IDAT, IEND. */
function tinyPng(): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(7, 0);
  ihdr.writeUInt32BE(3, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const phys = Buffer.alloc(9);
  phys.writeUInt32BE(2835, 0);
  phys.writeUInt32BE(2835, 4);
  phys.writeUInt8(1, 8);
  return Buffer.concat([
    Buffer.from('\x89PNG\r\n\x1a\n', 'latin1'),
    pngChunk('IHDR', ihdr),
    pngChunk('pHYs', phys),
    pngChunk('IDAT', Buffer.from([1, 2, 3])),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

describe('PNG metadata', () => {
  test('replaces the encoder’s pHYs with the asked dpi and adds Latin-1 tEXt (others as ?), before the image data', () => {
    const out = withPngMetadata(tinyPng(), 600, { Software: 'Broadcast Lab 1.2.3', Comment: 'runs 1, 2 · λ' });
    const info = readPngInfo(out);
    expect(info).toMatchObject({ width: 7, height: 3, dpi: 600 });
    expect(info.text).toEqual({ Software: 'Broadcast Lab 1.2.3', Comment: 'runs 1, 2 · ?' });
    const types: string[] = [];
    for (let at = 8; at < out.length; at += 12 + out.readUInt32BE(at))
      types.push(out.toString('latin1', at + 4, at + 8));
    expect(types).toEqual(['IHDR', 'pHYs', 'tEXt', 'tEXt', 'IDAT', 'IEND']);
  });

  test('refuses what is not a PNG', () => {
    expect(() => withPngMetadata(Buffer.from('GIF89a-not-a-png-at-all-just-bytes-here'), 300, {})).toThrow(/not a PNG/);
  });
});

describe('thinning long curves for drawing', () => {
  const curve: FigureRow[] = Array.from({ length: 1000 }, (_, i) => ({
    layer: 'mean',
    panel: 'p0',
    group: 'EBD (N=2)',
    x: i,
    mean: i === 357 ? 50 : i === 712 ? -50 : Math.sin(i / 40),
    lower: 0,
    upper: 0,
    n: 2,
  }));

  test('keeps at most the asked number of stored points, in order, spikes included', () => {
    const thin = thinCurves(curve, 100);
    expect(thin.length).toBeLessThanOrEqual(100);
    expect(thin.length).toBeGreaterThan(50);
    const xs = thin.map((r) => (r.layer === 'mean' ? r.x : NaN));
    expect(xs).toEqual([...xs].sort((a, b) => a - b));
    for (const row of thin) expect(curve).toContain(row);
    expect(xs).toContain(357);
    expect(xs).toContain(712);
  });

  test('leaves short curves and points alone', () => {
    expect(thinCurves(curve.slice(0, 80), 100)).toEqual(curve.slice(0, 80));
  });
});

describe('error half-widths', () => {
  test('std, SEM and 95% CI of the same values; one seed has no spread', () => {
    const values = [1, 2, 3, 4];
    const std = Math.sqrt(5 / 3);
    expect(errorHalfWidth(values, 'std')).toEqual({ mean: 2.5, half: std });
    expect(errorHalfWidth(values, 'sem').half).toBeCloseTo(std / 2, 12);
    expect(errorHalfWidth(values, 'ci95').half).toBeCloseTo((3.182446305284263 * std) / 2, 9);
    expect(errorHalfWidth([0.7], 'ci95')).toEqual({ mean: 0.7, half: 0 });
  });
});
