import { LineChart } from './line-chart';
import type {
  ChartInit,
  ChartSize,
  ChartStyle,
  DrawnSize,
  FromWorker,
  HoverItem,
  PlotLine,
  PointerKind,
  RenderTiming,
  ToWorker,
} from './protocol';

/** Where a MetricChart's chart.js runs: the shared chart worker, or the page itself. */
export type ChartRenderer = 'worker' | 'page';

export interface ChartSurface {
  readonly renderer: ChartRenderer;
  setLines(lines: PlotLine[]): void;
  setStyle(style: ChartStyle): void;
  resize(size: ChartSize): void;
  destroy(): void;
}

export interface SurfaceEvents {
  rendered(timing: RenderTiming, drawn: DrawnSize): void;
  hover(items: HoverItem[]): void;
  /** The chart worker failed; this surface is dead, and its owner should draw on a fresh canvas in the page. */
  failed(reason: string): void;
}

/**
 * The page's side of the chart worker. One worker draws every chart; it is started with the first chart and, if it
 * fails (a browser without module workers, a script that cannot load), every chart falls back to the page and later
 * charts are drawn there from the start.
 */
let worker: Worker | null = null;
let workerFailure: string | null = null;
let nextId = 1;
const clients = new Map<number, SurfaceEvents>();

export function workerRendering(): boolean {
  return (
    workerFailure === null &&
    typeof Worker !== 'undefined' &&
    typeof OffscreenCanvas !== 'undefined' &&
    typeof HTMLCanvasElement !== 'undefined' &&
    'transferControlToOffscreen' in HTMLCanvasElement.prototype
  );
}

export function createChartSurface(canvas: HTMLCanvasElement, init: ChartInit, events: SurfaceEvents): ChartSurface {
  if (workerRendering()) {
    let target: Worker | null = null;
    try {
      target = chartWorker();
    } catch (error) {
      failWorker(`the chart worker could not start: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (target) return workerSurface(target, canvas, init, events);
  }
  return pageSurface(canvas, init, events);
}

function pageSurface(canvas: HTMLCanvasElement, init: ChartInit, events: SurfaceEvents): ChartSurface {
  const chart = new LineChart(canvas, init, events);
  return {
    renderer: 'page',
    setLines: (lines) => chart.setLines(lines),
    setStyle: (style) => chart.setStyle(style),
    resize: (size) => chart.resize(size),
    destroy: () => chart.destroy(),
  };
}

function workerSurface(
  target: Worker,
  canvas: HTMLCanvasElement,
  init: ChartInit,
  events: SurfaceEvents,
): ChartSurface {
  // A canvas hands over its drawing once: a new surface needs a new canvas.
  const offscreen = canvas.transferControlToOffscreen();
  const id = nextId++;
  const send = (message: ToWorker, transfer: Transferable[] = []) => {
    if (clients.has(id)) target.postMessage(message, transfer);
  };
  // One set of lines in flight at a time: if the worker falls behind, the newest lines wait and older ones are
  // dropped, instead of a queue of stale redraws.
  let inFlight = false;
  let waiting: PlotLine[] | null = null;
  const post = (lines: PlotLine[]) => {
    inFlight = true;
    send(
      { type: 'lines', id, lines },
      lines.map((line) => line.xy.buffer),
    );
  };
  clients.set(id, {
    ...events,
    rendered(timing, drawn) {
      inFlight = false;
      if (waiting) {
        post(waiting);
        waiting = null;
      }
      events.rendered(timing, drawn);
    },
  });
  send({ type: 'create', id, canvas: offscreen, init }, [offscreen]);

  const forwarded: [string, PointerKind][] = [
    ['pointermove', 'mousemove'],
    ['pointerleave', 'mouseout'],
    ['click', 'click'],
  ];
  const listener = (kind: PointerKind) => (event: MouseEvent) =>
    send({ type: 'pointer', id, kind, x: event.offsetX, y: event.offsetY });
  const bound = forwarded.map(([type, kind]) => [type, listener(kind)] as const);
  for (const [type, handler] of bound) canvas.addEventListener(type, handler as EventListener);

  return {
    renderer: 'worker',
    setLines(lines) {
      if (inFlight) waiting = lines;
      else post(lines);
    },
    setStyle: (style) => send({ type: 'style', id, style }),
    resize: (size) => send({ type: 'resize', id, size }),
    destroy() {
      for (const [type, handler] of bound) canvas.removeEventListener(type, handler as EventListener);
      send({ type: 'destroy', id });
      clients.delete(id);
    },
  };
}

function chartWorker(): Worker {
  if (worker) return worker;
  const created = new Worker(new URL('./chart.worker.ts', import.meta.url), { type: 'module', name: 'charts' });
  created.addEventListener('message', (event: MessageEvent<FromWorker>) => {
    const message = event.data;
    const client = clients.get(message.id);
    if (!client) return;
    if (message.type === 'rendered') client.rendered(message.timing, message.drawn);
    else if (message.type === 'hover') client.hover(message.items);
    else console.error(`chart ${message.id}: ${message.message}`);
  });
  created.addEventListener('error', (event) => {
    event.preventDefault();
    failWorker(`the chart worker failed: ${event.message || 'its script could not be loaded'}`);
  });
  worker = created;
  return created;
}

function failWorker(reason: string): void {
  console.warn(`${reason}; drawing charts on the page instead`);
  workerFailure = reason;
  worker?.terminate();
  worker = null;
  const owners = [...clients.values()];
  clients.clear();
  for (const owner of owners) owner.failed(reason);
}
