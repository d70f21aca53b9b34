import { isPerLayerKind, PRESET_WIDTH_IN, type FigureFile, type FigureSpec } from '../../../shared/export/figure-spec';
import { buildFigureData, metricLabel, type FigureData, type FigureGroup, type SeriesSource } from './figure-data';
import { figureFontPath } from './figure-font';
import { FigureInputError } from './figure-input-error';
import { renderPdf } from './render-pdf';
import { renderPng } from './render-png';
import { renderSvg, type FigureMetadata, type RenderedSvg } from './render-svg';
import { vegaLiteSpec } from './vega-lite-spec';

const KIND_TITLES: Record<FigureSpec['kind'], string> = {
  'learning-curves': 'Learning curves',
  'final-best': 'Final and best',
  'layer-diagnostics': 'Per-layer diagnostics',
  'factor-distributions': 'Three-factor distributions',
};

const MIME: Record<FigureSpec['format'], string> = {
  svg: 'image/svg+xml',
  pdf: 'application/pdf',
  png: 'image/png',
};

export interface FigureContext {
  groups: readonly FigureGroup[];
  source: SeriesSource;
  appVersion: string;
}

interface Drawn {
  data: FigureData;
  rendered: RenderedSvg;
  metadata: FigureMetadata;
}

async function draw(spec: FigureSpec, context: FigureContext): Promise<Drawn> {
  const data = buildFigureData(spec, context.groups, context.source);
  const split = isPerLayerKind(spec.kind) ? 'diagnostic' : spec.split;
  if (data.rows.length === 0) {
    throw new FigureInputError(
      `no stored points of ${spec.metrics.map((m) => `${split}/${m}`).join(', ')} in the chosen runs: pick a metric they recorded`,
    );
  }
  const metadata: FigureMetadata = {
    title: `${KIND_TITLES[spec.kind]}: ${spec.metrics.map((m) => metricLabel(m, split)).join(', ')} (runs ${data.runIds.join(', ')})`,
    caption: data.caption,
    runIds: data.runIds,
    appVersion: context.appVersion,
  };
  const rendered = await renderSvg(data, PRESET_WIDTH_IN[spec.preset], spec.fontSize, metadata);
  return { data, rendered, metadata };
}

/** The SVG the export would write, for the Export view's live preview. */
export async function previewFigure(spec: FigureSpec, context: FigureContext) {
  const { rendered, data } = await draw(spec, context);
  return { svg: rendered.svg, caption: data.caption, runIds: data.runIds };
}

/** The figure file in the spec's format, with the Vega-Lite spec and data that drew it. */
export async function renderFigure(spec: FigureSpec, context: FigureContext): Promise<FigureFile> {
  const [file] = await renderFigureFormats(spec, context, [spec.format]);
  return file!;
}

/**
 * The figure drawn once and written in each of the formats (the spec's own format is ignored): the bundle's SVG and
 * PDF of one figure come from the same layout, and cost one layout pass.
 */
export async function renderFigureFormats(
  spec: FigureSpec,
  context: FigureContext,
  formats: readonly FigureSpec['format'][],
): Promise<FigureFile[]> {
  const drawn = await draw(spec, context);
  const files: FigureFile[] = [];
  for (const format of formats) files.push(await fileOf({ ...spec, format }, drawn));
  return files;
}

async function fileOf(spec: FigureSpec, { data, rendered, metadata }: Drawn): Promise<FigureFile> {
  const base = `${spec.kind}-${spec.metrics.join('-')}`.replace(/[^\w.-]+/g, '_');
  const dataFileName = `${base}.data.json`;
  let encoding: FigureFile['encoding'] = 'utf8';
  let content = rendered.svg;
  if (spec.format === 'pdf') {
    encoding = 'base64';
    content = (await renderPdf(rendered.svg, rendered.widthPt, rendered.heightPt, figureFontPath(), metadata)).toString(
      'base64',
    );
  } else if (spec.format === 'png') {
    encoding = 'base64';
    content = renderPng(rendered.svg, rendered.widthPt, spec.dpi, figureFontPath(), metadata).toString('base64');
  }
  // The same spec with its data referenced by file name, so that it opens in the Vega editor beside the data.
  const portable = vegaLiteSpec(data, rendered.layout, { url: dataFileName });
  return {
    fileName: `${base}.${spec.format}`,
    mimeType: MIME[spec.format],
    encoding,
    content,
    vegaLite: `${JSON.stringify(portable, null, 2)}\n`,
    dataFileName,
    data: `${JSON.stringify(data.rows, null, 1)}\n`,
    caption: data.caption,
    runIds: data.runIds,
  };
}
