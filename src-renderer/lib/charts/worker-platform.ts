import { BasicPlatform, type Chart, type ChartEvent } from 'chart.js';
import type { PointerKind } from './protocol';

type Listener = (event: ChartEvent) => void;

/**
 * chart.js's platform for an OffscreenCanvas in a worker, where no DOM events arrive: chart.js subscribes through
 * addEventListener as it does on a page, and the page's pointer events, forwarded by the chart host, are handed to
 * those subscriptions as the chart events the DOM platform would have made of them. Tooltips and legend clicks work
 * unchanged.
 */
export class WorkerPlatform extends BasicPlatform {
  readonly #listeners = new Map<string, Listener>();

  override addEventListener(_chart: Chart, type: string, listener: Listener): void {
    this.#listeners.set(type, listener);
  }

  override removeEventListener(_chart: Chart, type: string): void {
    this.#listeners.delete(type);
  }

  /** x and y in CSS pixels from the canvas's top left, as chart.js's own events carry them. */
  dispatch(chart: Chart, kind: PointerKind, x: number, y: number): void {
    // chart.js reads only the native event's type (to filter plugins by the events they want); a worker has no
    // DOM event to give it, so a stand-in carries the type.
    const native = { type: kind } as Event;
    this.#listeners.get(kind)?.({ type: kind, chart, native, x, y } as ChartEvent);
  }
}
