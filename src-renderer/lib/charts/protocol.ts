/**
 * What MetricChart hands its renderer, and the messages between the page and the chart worker. The renderer runs
 * chart.js either in a worker on an OffscreenCanvas (the default: the page's main thread only thins and posts the
 * points) or, where that is unavailable or fails, on the page's canvas.
 */

/** One line as the renderer draws it: a ChartLine already thinned to the chart's width, its points packed. */
export interface PlotLine {
  label: string;
  color: string;
  /** Fill colour between this line and the previous one (a band's upper edge), or null. */
  fill: string | null;
  width: number;
  /** Dash pattern in pixels; empty = solid. */
  dash: number[];
  legend: boolean;
  pointRadius: number;
  /** x0, y0, x1, y1, … */
  xy: Float64Array;
}

export interface ChartColors {
  text: string;
  grid: string;
}

export interface ChartSize {
  /** CSS pixels. */
  width: number;
  height: number;
  devicePixelRatio: number;
}

/** What the owner may change without making a new chart: the theme's colours and the y axis's title. */
export interface ChartStyle {
  colors: ChartColors;
  yLabel: string | null;
}

export interface ChartInit {
  style: ChartStyle;
  size: ChartSize;
}

/** The time one redraw took where chart.js runs: its data and layout pass, then drawing. */
export interface RenderTiming {
  updateMs: number;
  drawMs: number;
}

/** The size chart.js drew at, in device pixels: what a test holds against the canvas's box on screen. */
export interface DrawnSize {
  width: number;
  height: number;
}

/** The point the pointer is nearest to, per line, as the tooltip shows them. */
export interface HoverItem {
  label: string;
  x: number;
  y: number;
}

/** Pointer events chart.js listens to, in its own names; x and y in CSS pixels from the canvas's top left. */
export type PointerKind = 'mousemove' | 'mouseout' | 'click';

export type ToWorker =
  | { type: 'create'; id: number; canvas: OffscreenCanvas; init: ChartInit }
  | { type: 'lines'; id: number; lines: PlotLine[] }
  | { type: 'style'; id: number; style: ChartStyle }
  | { type: 'resize'; id: number; size: ChartSize }
  | { type: 'pointer'; id: number; kind: PointerKind; x: number; y: number }
  | { type: 'destroy'; id: number };

export type FromWorker =
  | { type: 'rendered'; id: number; timing: RenderTiming; drawn: DrawnSize }
  | { type: 'hover'; id: number; items: HoverItem[] }
  | { type: 'error'; id: number; message: string };
