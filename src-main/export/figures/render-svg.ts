import type { FigureData, FigureRow } from './figure-data';
import { figureFontPath } from './figure-font';
import { FigureInputError } from './figure-input-error';
import { sizeLayout, sizeOf, toSvg } from './figure-sizing';
import { textWidth, useFigureFontMetrics } from './text-metrics';
import { thinCurves } from './thin-curves';
import { vegaLiteSpec, type SpecLayout } from './vega-lite-spec';

export const POINTS_PER_INCH = 72;

export interface FigureMetadata {
  title: string;
  caption: string;
  runIds: readonly number[];
  appVersion: string;
}

export interface RenderedSvg {
  /** The SVG, in points, with its physical width and height in inches and its metadata. */
  svg: string;
  widthPt: number;
  heightPt: number;
  /** The panel size and legend layout that fit the column. */
  layout: SpecLayout;
}

/** Renders the figure at exactly the column width (see figure-sizing.ts), every curve thinned to what print shows. */
export async function renderSvg(
  data: FigureData,
  widthIn: number,
  fontSize: number,
  metadata: FigureMetadata,
): Promise<RenderedSvg> {
  useFigureFontMetrics(figureFontPath());
  const target = widthIn * POINTS_PER_INCH;
  const columns = Math.max(1, data.columns);
  const aspect = data.panels.some((p) => p.shape === 'points') ? 0.9 : data.panels.length > 3 ? 0.55 : 0.7;
  // A legend entry is its symbol (about 2.5 em with its gap), its text and the padding between columns.
  const longest = Math.max(0, ...data.legend.map((g) => textWidth(fontSize, g.label)));
  const entryWidth = fontSize * 2.5 + longest + 10;
  const legendColumns = Math.max(1, Math.min(data.legend.length, Math.floor((target - 8) / entryWidth)));
  let layout: SpecLayout = {
    panelWidth: Math.max(40, (target - 50 * columns) / columns),
    panelHeight: 0,
    fontSize,
    legendColumns,
    legendLabelLimit: Math.floor(target - fontSize * 2.5 - 12),
  };
  // Sizing passes draw only each curve's extremes; the figure itself is drawn once, at the size found.
  layout = await sizeLayout(data, extremes(data.rows), layout, target, aspect);
  const spec = vegaLiteSpec(data, layout, { inline: thinCurves(data.rows, Math.ceil(layout.panelWidth * 2)) });
  const svg = await toSvg(spec);
  const { width, height } = sizeOf(svg);
  if (width > target + 0.5) {
    throw new FigureInputError(
      `the figure needs ${width.toFixed(0)} pt but the column is ${target.toFixed(0)} pt wide: use the double-column preset or fewer panels`,
    );
  }
  return { svg: withPhysicalSize(svg, target, height, metadata), widthPt: target, heightPt: height, layout };
}

/** Sets width and height in inches over a viewBox in points, and puts the title, caption and metadata first. */
function withPhysicalSize(svg: string, widthPt: number, heightPt: number, metadata: FigureMetadata): string {
  const open = svg.indexOf('>');
  const head = svg
    .slice(0, open)
    .replace(/\swidth="[\d.]+"/, ` width="${fmt(widthPt / POINTS_PER_INCH)}in"`)
    .replace(/\sheight="[\d.]+"/, ` height="${fmt(heightPt / POINTS_PER_INCH)}in"`)
    .replace(/\sviewBox="[^"]*"/, ` viewBox="0 0 ${fmt(widthPt)} ${fmt(heightPt)}"`);
  // Vega writes a solid line's empty dash as "1,0", which PDF forbids (a zero-length gap); solid is the default.
  const rest = svg
    .slice(open + 1)
    .replace(/^<rect width="[\d.]+"/, `<rect width="${fmt(widthPt)}"`)
    .replace(/ stroke-dasharray="1,0"/g, '');
  const meta = JSON.stringify({
    generator: `Broadcast Lab ${metadata.appVersion}`,
    runs: metadata.runIds,
    caption: metadata.caption,
  });
  return (
    `${head}><title>${escapeXml(metadata.title)}</title><desc>${escapeXml(metadata.caption)}</desc>` +
    `<metadata>${escapeXml(meta)}</metadata>${rest}`
  );
}

function fmt(value: number): string {
  return String(Math.round(value * 1000) / 1000);
}

export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

// What extremes() compares (made once, not per row).
const low = (r: FigureRow) => (r.layer === 'seed' ? r.y : r.lower);
const high = (r: FigureRow) => (r.layer === 'seed' ? r.y : r.upper);
const x = (r: FigureRow) => (r.layer === 'point' ? 0 : r.x);

/** Per curve (panel, layer, group, seed) the rows at its first and last x and its lowest and highest value. */
function extremes(rows: readonly FigureRow[]): FigureRow[] {
  const byCurve = new Map<string, FigureRow[]>();
  for (const row of rows) {
    if (row.layer === 'point') {
      byCurve.set(`${byCurve.size}`, [row]);
      continue;
    }
    const key = `${row.panel}|${row.layer}|${row.group}|${row.layer === 'seed' ? row.run : ''}`;
    const kept = byCurve.get(key);
    if (!kept) {
      byCurve.set(key, [row, row, row, row]);
      continue;
    }
    if (x(row) < x(kept[0]!)) kept[0] = row;
    if (x(row) > x(kept[1]!)) kept[1] = row;
    if (low(row) < low(kept[2]!)) kept[2] = row;
    if (high(row) > high(kept[3]!)) kept[3] = row;
  }
  return [...byCurve.values()].flatMap((kept) => [...new Set(kept)]);
}
