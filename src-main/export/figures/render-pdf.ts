import PDFDocument from 'pdfkit';
import SVGtoPDF from 'svg-to-pdfkit';
import type { FigureMetadata } from './render-svg';
import { FIGURE_FONT_FAMILY } from './vega-lite-spec';

/** What pdfkit's parser (fontkit) makes of a font file; pdfkit takes one wherever it takes a path (PDFFontFactory). */
interface ParsedFont {
  layout: (...args: never[]) => unknown;
}

const parsedFonts = new Map<string, ParsedFont | string>();

/**
 * The figure font as pdfkit parsed it, kept for the process: parsing it and decoding its tables again for every PDF
 * cost more than drawing the figure. pdfkit does not export its parser, so this is the font of a document opened
 * once with the file (pdfkit's own `_font`); should a pdfkit update rename that, the path is used as before.
 */
function parsedFont(fontPath: string): ParsedFont | string {
  let font = parsedFonts.get(fontPath);
  if (font === undefined) {
    const doc = new PDFDocument({ font: fontPath, autoFirstPage: false });
    const opened = (doc as unknown as { _font?: { font?: Partial<ParsedFont> } })._font?.font;
    font = typeof opened?.layout === 'function' ? (opened as ParsedFont) : fontPath;
    parsedFonts.set(fontPath, font);
  }
  return font;
}

/**
 * The SVG as a one-page PDF the size of the figure (points), vector paths kept and the figure font embedded (a
 * subset, as pdfkit writes it). The document's default font is the same TTF, so that no standard font that a
 * journal's checker would flag as not embedded is ever referenced.
 */
export async function renderPdf(
  svg: string,
  widthPt: number,
  heightPt: number,
  fontPath: string,
  metadata: FigureMetadata,
): Promise<Buffer> {
  const font = parsedFont(fontPath);
  const doc = new PDFDocument({
    size: [widthPt, heightPt],
    margin: 0,
    autoFirstPage: true,
    // pdfkit's types name only a path; its code takes a parsed font as well (see parsedFont).
    font: font as string,
    info: {
      Title: metadata.title,
      Subject: metadata.caption,
      Keywords: `runs ${metadata.runIds.join(', ')}`,
      Creator: `Broadcast Lab ${metadata.appVersion}`,
      Producer: `Broadcast Lab ${metadata.appVersion} (pdfkit)`,
    },
  });
  doc.registerFont(FIGURE_FONT_FAMILY, font as string);
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<void>((resolve, reject) => {
    doc.on('end', () => resolve());
    doc.on('error', reject);
  });
  const warnings: string[] = [];
  // svg-to-pdfkit reads a width in inches as CSS pixels (96/in); given in points, one SVG unit is one PDF point.
  const inPoints = svg.replace(
    /^(<svg[^>]*?)\swidth="[^"]*"\s+height="[^"]*"/,
    `$1 width="${widthPt}" height="${heightPt}"`,
  );
  SVGtoPDF(doc, inPoints, 0, 0, {
    width: widthPt,
    height: heightPt,
    assumePt: true,
    fontCallback: () => FIGURE_FONT_FAMILY,
    warningCallback: (message) => warnings.push(message),
  });
  doc.end();
  await done;
  return Buffer.concat(chunks);
}
