/**
 * The chart worker: hosts every MetricChart's chart.js instance on an OffscreenCanvas, so that updating and drawing
 * thousands of points never occupies the page's main thread. One worker serves all charts of the page.
 */
import { LineChart } from './line-chart';
import type { FromWorker, ToWorker } from './protocol';
import { WorkerPlatform } from './worker-platform';

const charts = new Map<number, LineChart>();
const post = (message: FromWorker) => postMessage(message);

function handle(message: ToWorker): void {
  if (message.type === 'create') {
    const chart = new LineChart(
      message.canvas,
      message.init,
      {
        rendered: (timing, drawn) => post({ type: 'rendered', id: message.id, timing, drawn }),
        hover: (items) => post({ type: 'hover', id: message.id, items }),
      },
      WorkerPlatform,
    );
    charts.set(message.id, chart);
    return;
  }
  const chart = charts.get(message.id);
  if (!chart) return;
  switch (message.type) {
    case 'lines':
      chart.setLines(message.lines);
      return;
    case 'style':
      chart.setStyle(message.style);
      return;
    case 'resize':
      chart.resize(message.size);
      return;
    case 'pointer': {
      const platform = chart.chart.platform;
      if (platform instanceof WorkerPlatform) platform.dispatch(chart.chart, message.kind, message.x, message.y);
      return;
    }
    case 'destroy':
      chart.destroy();
      charts.delete(message.id);
      return;
  }
}

addEventListener('message', (event: MessageEvent<ToWorker>) => {
  try {
    handle(event.data);
  } catch (error) {
    post({ type: 'error', id: event.data.id, message: error instanceof Error ? error.message : String(error) });
  }
});
