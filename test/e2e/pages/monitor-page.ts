import type { Locator, Page } from 'playwright-core';
import { AppShell } from './app-shell';

/** Exists in the page, where waitForFunction's callbacks run; this file compiles without the DOM library. */
declare const document: { querySelector(selector: string): { getAttribute(name: string): string | null } | null };

type ChartId =
  'chart-train-loss' | 'chart-test-accuracy' | `chart-diagnostic-layer${number}` | `chart-factor-${string}`;

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

  /** The regime a run's row shows ('dfa-like', 'learned', 'mixed'; '' for rules without a learned broadcast). */
  regime(runId: number): Promise<string | null> {
    return this.rowById(runId).getByTestId('run-regime').getAttribute('data-regime');
  }

  async testAccuracy(runId: number): Promise<number | null> {
    const raw = await this.rowById(runId).getByTestId('run-test-accuracy').getAttribute('data-value');
    return raw ? Number(raw) : null;
  }
}
