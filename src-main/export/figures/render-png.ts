import { Resvg } from '@resvg/resvg-js';
import { withPngMetadata } from './png-chunks';
import { POINTS_PER_INCH, type FigureMetadata } from './render-svg';
import { FIGURE_FONT_FAMILY } from './vega-lite-spec';

/**
 * The SVG rasterised at the requested dpi: the pixel width is the figure's physical width times the dpi, and the
 * pHYs chunk says so, so that LaTeX and image viewers place it at print size. Only the figure font is loaded (no
 * system fonts), so a PNG drawn here looks like one drawn on any other machine.
 */
export function renderPng(
  svg: string,
  widthPt: number,
  dpi: number,
  fontPath: string,
  metadata: FigureMetadata,
): Buffer {
  const resvg = new Resvg(svg, {
    fitTo: { mode: 'width', value: Math.round((widthPt / POINTS_PER_INCH) * dpi) },
    background: 'white',
    font: { fontFiles: [fontPath], loadSystemFonts: false, defaultFontFamily: FIGURE_FONT_FAMILY },
  });
  const png = resvg.render().asPng();
  return withPngMetadata(png, dpi, {
    Title: metadata.title,
    Description: metadata.caption,
    Software: `Broadcast Lab ${metadata.appVersion}`,
    Comment: `runs ${metadata.runIds.join(', ')}`,
  });
}
