import type { PointColumns } from '../store/types';

/**
 * The bytes of tidy CSV rows, written straight into a buffer: a page of 8,192 rows built as a JavaScript string (a
 * rope of ~10 pieces a row) cost more to flatten and encode than to format. Every piece is the same text the string
 * form would hold: the run's and the series' columns (UTF-8, encoded once), String(epoch), String(step),
 * String(value) (shortest round-trip form) and the ISO 8601 wall time, all ASCII but the first two.
 */

/** The longest String() of any double: "-0.0000012345678901234567" (a step is a whole double: at most this too). */
const MAX_DOUBLE_CHARS = 25;
/** "2026-01-01T00:00:00.000Z"; years past 9999 get "+010000-…" (27). */
const MAX_TIME_CHARS = 27;
const COMMA = 0x2c;
const NEWLINE = 0x0a;

/** One (run, series)'s constant columns: those before epoch and those between step and value, with their commas. */
export interface RowFrame {
  prefix: Uint8Array;
  suffix: Uint8Array;
}

/** Columns for a page of `size` points. */
export function pointColumns(size: number): PointColumns {
  return {
    step: new Float64Array(size),
    epoch: new Float64Array(size),
    value: new Float64Array(size),
    wallTime: new Float64Array(size),
  };
}

/** Writes a whole number 0 ≤ n < 2^31 in decimal at `at` (as String(n) would, without making the string). */
function putSmallInteger(buffer: Uint8Array, at: number, n: number): number {
  let length = 1;
  for (let rest = n; rest >= 10; rest = (rest / 10) | 0) length++;
  let i = at + length;
  let rest = n;
  do {
    const tenth = (rest / 10) | 0;
    buffer[--i] = 0x30 + rest - tenth * 10;
    rest = tenth;
  } while (rest > 0);
  return at + length;
}

/** Writes an ASCII string at `at`; returns the offset after it. */
function putAscii(buffer: Uint8Array, at: number, text: string): number {
  for (let i = 0; i < text.length; i++) buffer[at + i] = text.charCodeAt(i);
  return at + text.length;
}

/**
 * String(epoch), remembered per step: the runs of an experiment share their epoch at each step (the same data and
 * batch size), and formatting a double costs more than the rest of a row. A fixed table indexed by the step's low
 * bits (memory stays flat); a slot is used only when it holds exactly this double, so the text is always String(epoch).
 */
export class EpochTexts {
  private static readonly SLOTS = 1 << 17;
  private readonly doubles = new Float64Array(EpochTexts.SLOTS).fill(Number.NaN);
  private readonly texts: string[] = new Array<string>(EpochTexts.SLOTS).fill('');

  text(step: number, epoch: number): string {
    const slot = step & (EpochTexts.SLOTS - 1);
    if (this.doubles[slot] === epoch) return this.texts[slot]!;
    const text = String(epoch);
    this.doubles[slot] = epoch;
    this.texts[slot] = text;
    return text;
  }
}

/** Consecutive points of a batch share their wall time: format and encode each distinct time once. */
export class IsoTimes {
  private last = Number.NaN;
  private lastBytes = new Uint8Array(0);

  /** The ASCII bytes of new Date(ms).toISOString(). */
  bytes(ms: number): Uint8Array {
    if (ms !== this.last) {
      this.last = ms;
      this.lastBytes = Buffer.from(new Date(ms).toISOString(), 'latin1');
    }
    return this.lastBytes;
  }
}

/** The CSV bytes of a page's first `count` points, in a buffer of its own (the stream may still hold the last one). */
export function tidyRowBytes(
  page: PointColumns,
  count: number,
  frame: RowFrame,
  epochs: EpochTexts,
  times: IsoTimes,
): Buffer {
  const { prefix, suffix } = frame;
  const { step, epoch, value, wallTime } = page;
  const rowMax = prefix.length + suffix.length + 3 * MAX_DOUBLE_CHARS + MAX_TIME_CHARS + 3;
  const out = Buffer.allocUnsafe(rowMax * count);
  let at = 0;
  for (let i = 0; i < count; i++) {
    const s = step[i]!;
    out.set(prefix, at);
    at = putAscii(out, at + prefix.length, epochs.text(s, epoch[i]!));
    out[at++] = COMMA;
    // Steps are whole and ≥ 0 (the store checks); any other double still gets String()'s text.
    at = s >= 0 && (s | 0) === s ? putSmallInteger(out, at, s) : putAscii(out, at, String(s));
    out.set(suffix, at);
    at = putAscii(out, at + suffix.length, String(value[i]!));
    out[at++] = COMMA;
    const ms = wallTime[i]!;
    // NaN marks an unknown wall time (ms !== ms only for NaN): an empty field.
    if (ms === ms) {
      const time = times.bytes(ms);
      out.set(time, at);
      at += time.length;
    }
    out[at++] = NEWLINE;
  }
  return out.subarray(0, at);
}
