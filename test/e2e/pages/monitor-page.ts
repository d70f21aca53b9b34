import type { Locator, Page } from 'playwright-core';
import { AppShell } from './app-shell';

/** Exists in the page, where waitForFunction's callbacks run; this file compiles without the DOM library. */
declare const document: { querySelector(selector: string): { getAttribute(name: string): string | null } | null };

type ChartId =
  'chart-train-loss' | 'chart-test-accuracy' | `chart-diagnostic-layer${number}` | `chart-factor-${string}`;

export interface LegendEntry {
  label: string;
  color: string;
  dash: string;
}

/** The page's getComputedStyle; this file compiles without the DOM library. */
interface ComputedStyles {
  getComputedStyle(element: unknown): { backgroundColor: string };
}

interface Size {
  width: number;
  height: number;
}

/** Page object for the Monitor view: runs, their controls, live charts and the event log. */
export class MonitorPage {
  readonly shell: AppShell;

  constructor(readonly page: Page) {
    this.shell = new AppShell(page);
  }

  get rows(): Locator {
    return this.page.getByTestId('run-row');
  }

  rowById(runId: number): Locator {
    return this.page.locator(`[data-testid="run-row"][data-run-id="${runId}"]`);
  }

  async runIds(): Promise<number[]> {
    const ids = await this.rows.evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-run-id'))));
    return ids;
  }

  async waitForStatus(runId: number, status: string | RegExp, timeout = 30_000): Promise<void> {
    const pattern = typeof status === 'string' ? new RegExp(`^${status}$`) : status;
    await this.page.waitForFunction(
      ([id, source]) => {
        const row = document.querySelector(`[data-testid="run-row"][data-run-id="${id}"]`);
        return row !== null && new RegExp(source).test(row.getAttribute('data-status') ?? '');
      },
      [runId, pattern.source] as const,
      { timeout },
    );
  }

  chart(testid: ChartId): Locator {
    return this.page.getByTestId(testid);
  }

  async pointsPlotted(testid: ChartId): Promise<number> {
    return Number(await this.chart(testid).getAttribute('data-points'));
  }

  async waitForPoints(testid: ChartId, atLeast: number, timeout = 30_000): Promise<void> {
    await this.page.waitForFunction(
      ([id, n]) => Number(document.querySelector(`[data-testid="${id}"]`)?.getAttribute('data-points') ?? 0) >= n,
      [testid, atLeast] as const,
      { timeout },
    );
  }

  /**
   * The chart's canvas as drawn (device pixels, as chart.js reports it) and as shown (its box in CSS pixels times
   * the page's devicePixelRatio): equal when nothing is stretched or squashed.
   */
  async canvasSizes(testid: ChartId): Promise<{ drawn: Size; shown: Size }> {
    const chart = this.chart(testid);
    const shown = await chart.locator('canvas').evaluate(
      (canvas: { getBoundingClientRect(): Size }, ratio: number) => {
        const rect = canvas.getBoundingClientRect();
        return { width: rect.width * ratio, height: rect.height * ratio };
      },
      (await this.page.evaluate('window.devicePixelRatio')) as number,
    );
    const drawn = {
      width: Number(await chart.getAttribute('data-drawn-width')),
      height: Number(await chart.getAttribute('data-drawn-height')),
    };
    return { drawn, shown };
  }

  /** A run's progress as its row says it ("epoch 3/10 · step 450/1500 · …", "waiting", …). */
  progressText(runId: number): Promise<string | null> {
    return this.rowById(runId).getByTestId('run-progress-text').textContent();
  }

  /** What a chart's legend lists: each entry's label, colour as drawn and dash in pixels ('' when solid). */
  async legend(testid: ChartId): Promise<LegendEntry[]> {
    return JSON.parse((await this.chart(testid).getAttribute('data-legend')) ?? '[]') as LegendEntry[];
  }

  /** The colour of a run's swatch in the run table, as the browser computes it (rgb(…)). */
  swatchColour(runId: number): Promise<string> {
    return this.rowById(runId)
      .getByTestId('run-swatch')
      .evaluate((el) => (globalThis as unknown as ComputedStyles).getComputedStyle(el).backgroundColor);
  }

  /** The regime a run's row shows ('dfa-like', 'learned', 'mixed'; '' for rules without a learned broadcast). */
  regime(runId: number): Promise<string | null> {
    return this.rowById(runId).getByTestId('run-regime').getAttribute('data-regime');
  }

  async testAccuracy(runId: number): Promise<number | null> {
    const raw = await this.rowById(runId).getByTestId('run-test-accuracy').getAttribute('data-value');
    return raw ? Number(raw) : null;
  }
}
