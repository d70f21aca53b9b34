import type { z } from 'zod';
import { FigureFile, FigurePreview, FigureRequest } from '../export/figure-spec';

/**
 * Figure export (learning curves, final/best points, per-layer small multiples): spread into `contract` by
 * shared/api/contract.ts. The file comes back in the answer (SVG text, PDF or PNG as base64) with its Vega-Lite
 * spec and data, so that serve mode can hand it to the browser as a download and the CLI can write it to --out.
 */
function method<Req extends z.ZodType, Res extends z.ZodType>(request: Req, response: Res) {
  return { request, response };
}

export const figureContract = {
  /** The figure in the requested format, its Vega-Lite spec, its data and its caption. */
  'export.figure': method(FigureRequest, FigureFile),
  /** The SVG that export.figure would write (whatever the format asked for), for a live preview. */
  'export.figurePreview': method(FigureRequest, FigurePreview),
} as const;
