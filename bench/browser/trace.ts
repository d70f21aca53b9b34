import type { Browser, Page } from 'playwright-core';

/**
 * Main-thread CPU time per frame, from a Chromium trace. On a shared machine a frame's wall time includes waiting
 * for a CPU; a trace's thread time (tdur) does not, so it tells the app's own cost from the machine's load.
 */
export interface FrameCpu {
  /** Wall and thread time of the whole frame (ProxyMain::BeginMainFrame), in ms. */
  wallMs: number;
  cpuMs: number;
  /** Thread time in rAF callbacks (the chart's update and drawing commands). */
  scriptCpuMs: number;
  /** Thread time in the commit's layer update, where a software canvas rasterises its recorded drawing. */
  commitCpuMs: number;
}

interface TraceEvent {
  name: string;
  ph: string;
  pid: number;
  tid: number;
  ts: number;
  dur?: number;
  tdur?: number;
  args?: { name?: string };
}

const CATEGORIES = ['cc', 'benchmark', 'toplevel', 'blink', 'devtools.timeline'];

export async function startTrace(browser: Browser, page: Page): Promise<void> {
  await browser.startTracing(page, { categories: CATEGORIES });
}

/** Stops tracing and returns the frames of the renderer that did the most work (the page under test). */
export async function stopTrace(browser: Browser): Promise<FrameCpu[]> {
  const raw = JSON.parse((await browser.stopTracing()).toString('utf8')) as
    { traceEvents: TraceEvent[] } | TraceEvent[];
  const events = Array.isArray(raw) ? raw : raw.traceEvents;
  const mainThreads = new Set(
    events
      .filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain')
      .map((e) => `${e.pid}:${e.tid}`),
  );
  const byThread = new Map<string, TraceEvent[]>();
  for (const e of events) {
    const key = `${e.pid}:${e.tid}`;
    if (e.ph !== 'X' || e.dur === undefined || !mainThreads.has(key)) continue;
    const list = byThread.get(key) ?? [];
    list.push(e);
    byThread.set(key, list);
  }
  const busiest = [...byThread.values()].sort((a, b) => cpuOf(b) - cpuOf(a))[0] ?? [];
  const named = (name: string) => busiest.filter((e) => e.name === name);
  const callbacks = named('FrameRequestCallbackCollection::ExecuteFrameCallbacks');
  const layerUpdates = named('LayerTreeHost::DoUpdateLayers');
  return named('ProxyMain::BeginMainFrame').map((frame) => {
    const end = frame.ts + (frame.dur ?? 0);
    const inside = (e: TraceEvent) => e.ts >= frame.ts && e.ts < end;
    return {
      wallMs: (frame.dur ?? 0) / 1000,
      cpuMs: (frame.tdur ?? 0) / 1000,
      scriptCpuMs: sumCpu(callbacks.filter(inside)),
      commitCpuMs: sumCpu(layerUpdates.filter(inside)),
    };
  });
}

function sumCpu(events: readonly TraceEvent[]): number {
  return events.reduce((sum, e) => sum + (e.tdur ?? 0), 0) / 1000;
}

function cpuOf(events: readonly TraceEvent[]): number {
  return sumCpu(events.filter((e) => e.name === 'ProxyMain::BeginMainFrame'));
}
