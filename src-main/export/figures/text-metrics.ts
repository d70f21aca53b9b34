import PDFDocument from 'pdfkit';
import * as vega from 'vega';

interface TextItem {
  fontSize?: number;
}

/** Vega exports this hook but vega-typings does not declare it. */
interface VegaTextMetrics {
  width: (item: TextItem, text: unknown) => number;
}
const textMetrics = (vega as unknown as { textMetrics: VegaTextMetrics }).textMetrics;

let installedFor: string | null = null;

/**
 * Vega lays out axes and legends from text widths; without a canvas (Node) it guesses 0.8 em per character, which
 * leaves wide gaps and pushes a legend out of a 3.5 in column. This measures with the figure font's own advance
 * widths (pdfkit's font metrics, the same font the PNG and PDF are set in), through the hook Vega provides for
 * exactly this (textMetrics.width, as vl-convert uses it).
 */
export function useFigureFontMetrics(fontPath: string): void {
  if (installedFor === fontPath) return;
  const doc = new PDFDocument({ font: fontPath, autoFirstPage: false });
  const cache = new Map<string, number>();
  textMetrics.width = (item: TextItem, text: unknown): number => {
    const size = item.fontSize ?? 11;
    const value = Array.isArray(text) ? text.join(' ') : String(text ?? '');
    if (size <= 0 || value === '') return 0;
    const key = `${size}|${value}`;
    let width = cache.get(key);
    if (width === undefined) {
      width = doc.fontSize(size).widthOfString(value);
      cache.set(key, width);
    }
    return width;
  };
  installedFor = fontPath;
  measure = (size, text) => doc.fontSize(size).widthOfString(text);
}

let measure: ((size: number, text: string) => number) | null = null;

/** The width in points of a text in the figure font; call useFigureFontMetrics first. */
export function textWidth(size: number, text: string): number {
  if (!measure) throw new Error('textWidth() before useFigureFontMetrics()');
  return measure(size, text);
}
