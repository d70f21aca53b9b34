import {
  type BasePlatform,
  Chart,
  Filler,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
  type ChartDataset,
  type Plugin,
} from 'chart.js';
import type { XY } from '../monitor/series';
import type { ChartInit, ChartSize, ChartStyle, DrawnSize, HoverItem, PlotLine, RenderTiming } from './protocol';
import { unpackXY } from './thin';

Chart.register(LineController, LineElement, PointElement, LinearScale, Legend, Tooltip, Filler);

export interface LineChartEvents {
  rendered(timing: RenderTiming, drawn: DrawnSize): void;
  hover(items: HoverItem[]): void;
}

/**
 * One live line chart, the same wherever it runs: in the chart worker on an OffscreenCanvas, or on the page's
 * canvas. It knows nothing of the DOM beyond the canvas it is given; its owner tells it its size, colours and lines.
 */
export class LineChart {
  readonly #chart: Chart<'line', XY[]>;
  readonly #events: LineChartEvents;
  /** Dataset indices the legend skips; rebuilt with the datasets, read by the legend's filter. */
  #unlisted = new Set<number>();
  #styles: string[] = [];
  #hovered = '';
  #drawStart = 0;

  constructor(
    canvas: HTMLCanvasElement | OffscreenCanvas,
    init: ChartInit,
    events: LineChartEvents,
    platform?: typeof BasePlatform,
  ) {
    this.#events = events;
    const { size } = init;
    const { colors, yLabel } = init.style;
    const timing: Plugin<'line'> = {
      id: 'renderTiming',
      beforeDraw: () => {
        this.#drawStart = performance.now();
      },
      // After every pointer event, not from onHover, which chart.js skips when the pointer leaves the plot.
      afterEvent: (chart) => this.#reportHover(chart.getActiveElements()),
    };
    // chart.js draws on an OffscreenCanvas (its BasicPlatform is made for it) but types only the page's canvas.
    this.#chart = new Chart<'line', XY[]>(canvas as HTMLCanvasElement, {
      type: 'line',
      data: { datasets: [] },
      ...(platform ? { platform } : {}),
      plugins: [timing],
      options: {
        animation: false,
        parsing: false,
        normalized: true,
        // The owner observes the box and calls resize(): a worker has no layout to observe.
        responsive: false,
        // Drawn at the size of its box, whatever its shape: chart.js otherwise makes the height width / 2 (its
        // line charts' aspect ratio) and the browser stretches that into the box, squashing text and lines.
        maintainAspectRatio: false,
        devicePixelRatio: size.devicePixelRatio,
        interaction: { mode: 'nearest', intersect: false },
        scales: {
          x: {
            type: 'linear',
            title: { display: true, text: 'step', color: colors.text },
            ticks: { color: colors.text },
            grid: { color: colors.grid },
          },
          y: {
            type: 'linear',
            title: { display: yLabel !== null, text: yLabel ?? '', color: colors.text },
            ticks: { color: colors.text },
            grid: { color: colors.grid },
          },
        },
        plugins: {
          legend: {
            labels: {
              color: colors.text,
              // A line sample as long as two dash periods, in the line's own width and dash, and text a size up
              // from chart.js's 12 px: the rules must be told apart from the legend alone.
              usePointStyle: true,
              pointStyle: 'line',
              pointStyleWidth: 34,
              font: { size: 13 },
              filter: (item) => !this.#unlisted.has(item.datasetIndex ?? -1),
            },
          },
          tooltip: { enabled: true },
        },
      },
    });
    this.resize(size);
  }

  get chart(): Chart<'line', XY[]> {
    return this.#chart;
  }

  setLines(lines: readonly PlotLine[]): void {
    const start = performance.now();
    const chart = this.#chart;
    const styles = lines.map(styleOf);
    this.#unlisted = new Set(lines.flatMap((line, i) => (line.legend ? [] : [i])));
    // New points for the same lines: swap only the data, so chart.js keeps its controllers and resolved options
    // (re-creating 20 datasets per redraw cost about as much as drawing them).
    if (styles.length === this.#styles.length && styles.every((s, i) => s === this.#styles[i])) {
      chart.data.datasets.forEach((d, i) => (d.data = unpackXY(lines[i]!.xy)));
    } else {
      chart.data.datasets = lines.map(dataset);
      this.#styles = styles;
    }
    this.#drawStart = start;
    chart.update('none');
    const end = performance.now();
    const { width, height } = chart.canvas;
    this.#events.rendered({ updateMs: this.#drawStart - start, drawMs: end - this.#drawStart }, { width, height });
  }

  setStyle({ colors, yLabel }: ChartStyle): void {
    const { x, y } = this.#chart.options.scales ?? {};
    for (const axis of [x, y]) {
      if (!axis) continue;
      if (axis.ticks) axis.ticks.color = colors.text;
      if (axis.grid) axis.grid.color = colors.grid;
      if (axis.title) axis.title.color = colors.text;
    }
    if (y?.title) {
      y.title.display = yLabel !== null;
      y.title.text = yLabel ?? '';
    }
    const legend = this.#chart.options.plugins?.legend?.labels;
    if (legend) legend.color = colors.text;
    this.#chart.update('none');
  }

  resize(size: ChartSize): void {
    this.#chart.options.devicePixelRatio = size.devicePixelRatio;
    this.#chart.resize(Math.max(1, Math.floor(size.width)), Math.max(1, Math.floor(size.height)));
  }

  destroy(): void {
    this.#chart.destroy();
  }

  #reportHover(active: readonly { datasetIndex: number; index: number }[]): void {
    const items = active.flatMap(({ datasetIndex, index }) => {
      const dataset = this.#chart.data.datasets[datasetIndex];
      const point = dataset?.data[index];
      return dataset && point ? [{ label: dataset.label ?? '', x: point.x, y: point.y }] : [];
    });
    const key = JSON.stringify(items);
    if (key === this.#hovered) return;
    this.#hovered = key;
    this.#events.hover(items);
  }
}

function dataset(line: PlotLine): ChartDataset<'line', XY[]> {
  return {
    label: line.label,
    data: unpackXY(line.xy),
    borderColor: line.color,
    backgroundColor: line.fill ?? line.color,
    borderWidth: line.width,
    borderDash: line.dash,
    fill: line.fill ? '-1' : false,
    pointRadius: line.pointRadius,
    pointHitRadius: 4,
    tension: 0,
  };
}

/** What chart.js resolves options for when a dataset is new. */
function styleOf(line: PlotLine): string {
  return `${line.label}|${line.color}|${line.fill}|${line.width}|${line.dash.join()}|${line.pointRadius}|${line.legend}`;
}
