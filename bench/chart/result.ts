/**
 * What the chart bench page is told (through its URL's query) and what it reports back (on window). Shared by the
 * page (ChartBench.svelte, built with Vite) and the runner (bench/chart.bench.ts); it uses neither Node nor the DOM.
 */
export interface ChartBenchConfig {
  series: number;
  /** Points each series starts with. */
  points: number;
  /** Milliseconds between metric batches. */
  intervalMs: number;
  /** Points each series gains per batch. */
  perBatch: number;
  warmupMs: number;
  durationMs: number;
  /** CSS width of the chart's box; MetricChart fixes the height. */
  width: number;
  /** 1: draw on the page (as without OffscreenCanvas), to compare with the chart worker. */
  page: number;
}

export const DEFAULT_CONFIG: ChartBenchConfig = {
  series: 20,
  points: 10_000,
  intervalMs: 200,
  perBatch: 5,
  warmupMs: 2_000,
  durationMs: 15_000,
  width: 800,
  page: 0,
};

export function configToQuery(config: ChartBenchConfig): string {
  return new URLSearchParams(Object.entries(config).map(([k, v]): [string, string] => [k, String(v)])).toString();
}

export function configFromQuery(query: string): ChartBenchConfig {
  const params = new URLSearchParams(query);
  const config = { ...DEFAULT_CONFIG };
  for (const key of Object.keys(config) as (keyof ChartBenchConfig)[]) {
    const raw = params.get(key);
    if (raw !== null && Number.isFinite(Number(raw))) config[key] = Number(raw);
  }
  return config;
}

/** One redraw where chart.js runs (the chart worker or the page): data and layout, then drawing the canvas. */
export interface RedrawTiming {
  updateMs: number;
  drawMs: number;
  totalMs: number;
}

export interface ChartBenchResult {
  config: ChartBenchConfig;
  /** Where chart.js ran: 'worker' or 'page' (MetricChart's data-renderer). */
  renderer: string;
  /** Between consecutive requestAnimationFrame timestamps while recording. */
  frameIntervals: number[];
  /** Per frame, from its first rAF callback to a task posted from there, which runs once the frame is rendered. */
  frameWork: number[];
  /** Indices (into frameWork; frameIntervals[i] is the interval that ends at frame i+1) of frames that redrew. */
  redrawFrames: number[];
  redraws: RedrawTiming[];
  /** Durations of 'longtask' entries (main-thread tasks over 50 ms) while recording. */
  longTasks: number[];
  /** Durations of 'long-animation-frame' entries (frames over 50 ms) while recording. */
  longAnimationFrames: number[];
  batches: number;
  /** Points held by all series at the end, and what the chart drew after decimation (MetricChart's data-points). */
  pointsHeld: number;
  pointsPlotted: number;
  canvas: { width: number; height: number; devicePixelRatio: number };
  /** PerformanceObserver.supportedEntryTypes, to tell "none" from "not observable". */
  entryTypes: string[];
}

/** Where the page leaves its result (or its failure) for the runner. */
export const RESULT_KEY = '__chartBenchResult';
export const ERROR_KEY = '__chartBenchError';
