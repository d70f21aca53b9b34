import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { FigureData, FigureRow } from './figure-data';
import { vegaLiteSpec, type SpecLayout, type VegaLiteSpec } from './vega-lite-spec';

/**
 * Finding the panel size at which a figure is exactly its column wide. Vega-Lite sizes the plot area, not the whole
 * figure (axes, titles and legend add to it), so the panel width is corrected from a render's measured width and
 * rendered again, until what is left (a point or two, from rounding) is padding on the right. These passes draw a
 * skeleton (each curve's extremes: the axes, and so the margins, come out the same as with every point).
 */

const SIZE = /^<svg[^>]*?\swidth="([\d.]+)"\s+height="([\d.]+)"/;

export function sizeOf(svg: string): { width: number; height: number } {
  const match = SIZE.exec(svg);
  if (!match) throw new Error('Vega wrote an SVG without a width and height; cannot size the figure');
  return { width: Number(match[1]), height: Number(match[2]) };
}

/** Vega renders without a browser; 'none' skips its canvas renderer, toSVG() writes text marks as <text>. */
export async function toSvg(spec: VegaLiteSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec as unknown as TopLevelSpec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** The signals (Vega's variables) that hold a compiled spec's panel width and height. */
interface SizeSignals {
  width: string;
  height: string;
}

/**
 * Where Vega-Lite put the panel size: a top-level signal holding the width ("width", or "childWidth" for panels in a
 * grid) and its "…Height" twin holding the height, with the width's value nowhere else in the spec. Then setting the
 * two signals (and letting the view resize) draws the figure at another size as compiling it anew would, to the
 * same width and height: Vega-Lite derives everything else that depends on the size, such as the number of ticks,
 * from these signals (test/unit/export-figure-sizing.test.ts compares the two SVGs; a view that shrank may place a
 * title 1e-15 pt differently), at a fraction of the cost. Null where the spec is not shaped so: each pass then
 * compiles its own. Only the sizing passes are drawn so; the figure itself is always compiled at its size.
 */
function sizeSignals(compiled: vega.Spec, layout: SpecLayout): SizeSignals | null {
  const signals = compiled.signals ?? [];
  const valueOf = (name: string) => (signals.find((s) => s.name === name) as { value?: unknown } | undefined)?.value;
  for (const width of ['childWidth', 'width']) {
    const height = width.replace('Width', 'Height').replace('width', 'height');
    if (valueOf(width) !== layout.panelWidth || valueOf(height) !== layout.panelHeight) continue;
    const text = JSON.stringify(compiled);
    const written = JSON.stringify(layout.panelWidth);
    if (text.indexOf(written) !== text.lastIndexOf(written)) return null;
    return { width, height };
  }
  return null;
}

/** Draws the skeleton at one layout after another: one compiled view, resized through its signals where it can be. */
export class SkeletonRuler {
  private view: vega.View | null = null;
  private signals: SizeSignals | null = null;

  constructor(
    private readonly data: FigureData,
    private readonly skeleton: readonly FigureRow[],
  ) {}

  /** Whether later layouts reuse the first one's compiled view (false: each is compiled anew). */
  get resizesInPlace(): boolean {
    return this.signals !== null;
  }

  async svg(layout: SpecLayout): Promise<string> {
    if (this.view && this.signals) {
      this.view.signal(this.signals.width, layout.panelWidth).signal(this.signals.height, layout.panelHeight);
      // resize(): the view's own size follows its content again (autosize), as in a first run.
      await this.view.resize().runAsync();
      return this.view.toSVG();
    }
    const compiled = compile(
      vegaLiteSpec(this.data, layout, { inline: this.skeleton }) as unknown as TopLevelSpec,
    ).spec;
    const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
    const signals = this.view ? null : sizeSignals(compiled, layout);
    if (signals) {
      this.view = view;
      this.signals = signals;
      return view.toSVG();
    }
    try {
      return await view.toSVG();
    } finally {
      view.finalize();
    }
  }

  close(): void {
    this.view?.finalize();
    this.view = null;
    this.signals = null;
  }
}

/**
 * Layouts found by the sizing passes, by everything they depend on (the column width, the aspect and the skeleton's
 * spec: labels, fonts, legend and each curve's extremes): the same figure drawn again (the Export view's preview, then
 * its export; SVG, PDF and PNG asked for one by one) skips the passes and gets the same layout. A few, oldest dropped.
 */
const sizedLayouts = new Map<string, SpecLayout>();
const SIZED_LAYOUTS_KEPT = 16;

/** The layout whose figure is `target` points wide (within 2 pt below), from a first guess of the panel width. */
export async function sizeLayout(
  data: FigureData,
  skeleton: readonly FigureRow[],
  guess: SpecLayout,
  target: number,
  aspect: number,
): Promise<SpecLayout> {
  const key = `${target}|${aspect}|${JSON.stringify(vegaLiteSpec(data, guess, { inline: skeleton }))}`;
  const known = sizedLayouts.get(key);
  if (known) return known;
  const columns = Math.max(1, data.columns);
  const ruler = new SkeletonRuler(data, skeleton);
  let layout = guess;
  try {
    for (let attempt = 0; attempt < 4; attempt++) {
      layout = { ...layout, panelHeight: Math.round(Math.min(layout.panelWidth * aspect, 130)) };
      const { width } = sizeOf(await ruler.svg(layout));
      if (width <= target && target - width < 2) break;
      layout = { ...layout, panelWidth: Math.max(20, layout.panelWidth + (target - width) / columns) };
    }
  } finally {
    ruler.close();
  }
  sizedLayouts.set(key, layout);
  if (sizedLayouts.size > SIZED_LAYOUTS_KEPT) sizedLayouts.delete(sizedLayouts.keys().next().value!);
  return layout;
}
