import type { FigureData, FigureRow, Panel } from './figure-data';

/** The family named in the SVG, registered under the same name for the PNG and the PDF (assets/fonts/). */
export const FIGURE_FONT_FAMILY = 'DejaVu Sans';

/** A Vega-Lite spec as plain JSON (the library's own TopLevelSpec type is a deep union; JSON is what is written). */
export type VegaLiteSpec = Record<string, unknown>;

export interface SpecLayout {
  /** Plot width of one panel in points. */
  panelWidth: number;
  panelHeight: number;
  fontSize: number;
  /** Legend entries per row, so that the legend wraps inside the column width. */
  legendColumns: number;
  /** The widest a legend label may be (points) before Vega shortens it with an ellipsis: one column's width. */
  legendLabelLimit: number;
}

/**
 * Where each layer's rows come from. 'inline': each layer carries its own rows (rendering: no layer filters the whole
 * figure's data); a file name: the data file written beside the spec, each layer filtering it, which is the spec a
 * user opens later.
 */
export type SpecData = { inline: readonly FigureRow[] } | { url: string };

/**
 * The figure as Vega-Lite: one concatenated panel per metric (and layer), each a layer of band, faint seeds and
 * mean line (curves) or error bar and point (final/best). Units are points (1/72 in) so that a font size of 8 is
 * 8 pt when the SVG is given its physical width. Colours and dashes come from the legend (shared/rule-style.ts),
 * as fixed scales, so that a rule looks the same in every figure whatever else is plotted.
 */
export function vegaLiteSpec(data: FigureData, layout: SpecLayout, source: SpecData): VegaLiteSpec {
  const domain = data.legend.map((g) => g.label);
  const colour = {
    field: 'group',
    type: 'nominal',
    title: null,
    scale: { domain, range: data.legend.map((g) => g.colour) },
    legend: {
      orient: 'bottom',
      direction: 'horizontal',
      columns: layout.legendColumns,
      labelLimit: layout.legendLabelLimit,
      symbolType: 'stroke',
      symbolStrokeWidth: 1.5,
    },
  };
  // A solid line is an empty dash array.
  const dash = {
    field: 'group',
    type: 'nominal',
    title: null,
    scale: { domain, range: data.legend.map((g) => [...g.dash]) },
    legend: colour.legend,
  };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    description: data.caption,
    ...('url' in source ? { data: { url: source.url } } : {}),
    columns: data.columns,
    concat: data.panels.map((panel) => panelSpec(panel, layout, colour, dash, layerSource(panel, source))),
    resolve: { scale: { x: 'independent', y: 'independent' } },
    spacing: { row: layout.fontSize, column: layout.fontSize * 1.5 },
    padding: 4,
    background: 'white',
    config: {
      font: FIGURE_FONT_FAMILY,
      view: { stroke: '#444', strokeWidth: 0.5 },
      axis: {
        labelFontSize: layout.fontSize,
        titleFontSize: layout.fontSize,
        titleFontWeight: 'normal',
        labelColor: '#000',
        titleColor: '#000',
        domainColor: '#444',
        tickColor: '#444',
        domainWidth: 0.5,
        tickWidth: 0.5,
        tickSize: 3,
        labelPadding: 2,
        titlePadding: 3,
        grid: false,
        labelFlush: true,
      },
      legend: {
        labelFontSize: layout.fontSize,
        labelColor: '#000',
        symbolSize: layout.fontSize * 24,
        symbolOpacity: 1,
        padding: 0,
        offset: 6,
        columnPadding: 8,
      },
      title: { fontSize: layout.fontSize, fontWeight: 'normal', color: '#000', offset: 2 },
    },
  };
}

type LayerSource = (layer: FigureRow['layer']) => VegaLiteSpec;

function layerSource(panel: Panel, source: SpecData): LayerSource {
  if ('url' in source) {
    return (layer) => ({ transform: [{ filter: `datum.panel === '${panel.id}' && datum.layer === '${layer}'` }] });
  }
  const mine = source.inline.filter((row) => row.panel === panel.id);
  return (layer) => ({ data: { values: mine.filter((row) => row.layer === layer) } });
}

function panelSpec(panel: Panel, layout: SpecLayout, colour: object, dash: object, only: LayerSource): VegaLiteSpec {
  const head = {
    width: layout.panelWidth,
    height: layout.panelHeight,
    ...(panel.title ? { title: panel.title } : {}),
  };
  const y = (field: string) => ({
    field,
    type: 'quantitative',
    title: panel.yTitle,
    scale: { zero: false, nice: true },
    axis: { tickCount: 4 },
  });
  if (panel.shape === 'points') {
    const x = { field: 'group', type: 'nominal', title: null, sort: null, axis: null };
    return {
      ...head,
      ...only('point'),
      layer: [
        {
          mark: { type: 'rule', strokeWidth: 1 },
          encoding: { x, y: y('lower'), y2: { field: 'upper' }, color: colour },
        },
        {
          mark: { type: 'point', filled: true, size: 18, opacity: 1 },
          encoding: { x, y: y('mean'), color: colour },
        },
      ],
    };
  }
  const x = { field: 'x', type: 'quantitative', title: panel.xTitle, axis: { tickCount: 4 }, scale: { nice: false } };
  return {
    ...head,
    layer: [
      {
        ...only('outer'),
        mark: { type: 'area', opacity: 0.1, strokeWidth: 0 },
        encoding: { x, y: y('lower'), y2: { field: 'upper' }, color: colour },
      },
      {
        ...only('mean'),
        mark: { type: 'area', opacity: 0.18, strokeWidth: 0 },
        encoding: { x, y: y('lower'), y2: { field: 'upper' }, color: colour },
      },
      {
        ...only('seed'),
        mark: { type: 'line', strokeWidth: 0.5, opacity: 0.35 },
        encoding: { x, y: y('y'), color: colour, detail: { field: 'run', type: 'nominal' } },
      },
      {
        ...only('mean'),
        mark: { type: 'line', strokeWidth: 1.2 },
        encoding: { x, y: y('mean'), color: colour, strokeDash: dash },
      },
    ],
  };
}
