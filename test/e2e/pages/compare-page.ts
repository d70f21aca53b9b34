import type { Locator, Page } from 'playwright-core';
import { AppShell } from './app-shell';

/** Exists in the page, where waitForFunction's callbacks run; this file compiles without the DOM library. */
declare const document: {
  querySelectorAll(selector: string): ArrayLike<{ getAttribute(name: string): string | null }>;
};

export type SummaryMetricId = 'test-accuracy' | 'validation-accuracy' | 'train-loss' | 'test-loss';

export interface SummaryCell {
  mean: number;
  std: number;
  n: number;
  text: string;
}

/** Page object for the Compare view: the run picker, the chart with its bands, the tables and the config diff. */
export class ComparePage {
  readonly shell: AppShell;

  constructor(readonly page: Page) {
    this.shell = new AppShell(page);
  }
  /** The chart's legend as drawn: JSON of { label, color, dash } per group's mean. */
  legendOf(): Promise<string | null> {
    return this.page.getByTestId('compare-chart-canvas').getAttribute('data-legend');
  }

  async open(): Promise<void> {
    await this.shell.go('compare');
    await this.page.getByTestId('compare').waitFor();
  }

  /** Shows one session's experiments, or every session's for null. */
  async filterSession(name: string | null): Promise<void> {
    await this.page.getByTestId('compare-session-filter').selectOption(name === null ? { value: '' } : { label: name });
  }

  experiment(id: number): Locator {
    return this.page.locator(`[data-testid="compare-experiment"][data-experiment-id="${id}"]`);
  }

  async expand(experimentId: number): Promise<void> {
    const toggle = this.experiment(experimentId).getByTestId('compare-experiment-toggle');
    await toggle.waitFor();
    if ((await toggle.getAttribute('aria-expanded')) !== 'true') await toggle.click();
  }

  /** Ticks "select group" for the group whose label starts with the given text, inside one experiment. */
  async selectGroup(experimentId: number, labelStart: string): Promise<void> {
    await this.experiment(experimentId)
      .locator(`[data-testid="compare-group"][data-group-label^="${labelStart}"]`)
      .getByTestId('compare-group-select')
      .check();
  }

  table(labelStart: string): Locator {
    return this.page.locator(`[data-testid="summary-table"][data-group-label^="${labelStart}"]`);
  }

  get tables(): Locator {
    return this.page.getByTestId('summary-table');
  }

  /**
   * The group's regime cell ("DFA-like (1 of 1 run)", then any uphill layers) and the layers it marks uphill; null
   * when the table has no regime row (no learned broadcast).
   */
  async regime(labelStart: string): Promise<{ text: string; uphill: string } | null> {
    const row = this.table(labelStart).getByTestId('summary-regime');
    if ((await row.count()) === 0) return null;
    const text = ((await row.locator('td').textContent()) ?? '').replace(/\s+/g, ' ').trim();
    return { text, uphill: (await row.getAttribute('data-uphill')) ?? '' };
  }

  /** Waits until every summary cell has its numbers (none still loading). */
  async waitForSummaries(timeout = 15_000): Promise<void> {
    await this.page.waitForFunction(
      () => {
        const tables = document.querySelectorAll('[data-testid="summary-table"]');
        return (
          tables.length > 0 &&
          document.querySelectorAll('[data-testid="summary-table"] [aria-busy="true"]').length === 0
        );
      },
      undefined,
      { timeout },
    );
  }

  async cell(labelStart: string, metric: SummaryMetricId, stat: 'final' | 'best'): Promise<SummaryCell> {
    const cell = this.table(labelStart).getByTestId(`summary-${metric}-${stat}`);
    return {
      mean: Number(await cell.getAttribute('data-mean')),
      std: Number(await cell.getAttribute('data-std')),
      n: Number(await cell.getAttribute('data-n')),
      text: ((await cell.textContent()) ?? '').trim(),
    };
  }

  /** Each summary table's group label and N, in the order shown. */
  async summaryGroups(): Promise<{ label: string; n: number }[]> {
    const out: { label: string; n: number }[] = [];
    for (const table of await this.tables.all()) {
      out.push({
        label: (await table.getAttribute('data-group-label')) ?? '',
        n: Number(await table.getAttribute('data-n')),
      });
    }
    return out;
  }

  /** Clicks Export…, which opens the Export view with the picked groups as the selection. */
  async exportSelection(): Promise<void> {
    await this.page.getByTestId('compare-export').click();
    await this.page.getByTestId('export').waitFor();
  }

  /** Each config-diff row as its path and one value per group. */
  async diff(): Promise<{ path: string; values: string[] }[]> {
    await this.page.getByTestId('config-diff').waitFor();
    const rows = this.page.getByTestId('config-diff-row');
    const out: { path: string; values: string[] }[] = [];
    for (let i = 0; i < (await rows.count()); i++) {
      const row = rows.nth(i);
      const values = await row.getByTestId('config-diff-value').allTextContents();
      out.push({ path: (await row.getAttribute('data-path')) ?? '', values: values.map((v) => v.trim()) });
    }
    return out;
  }

  async chooseMetric(split: string, name: string): Promise<void> {
    await this.page.getByTestId('compare-metric').selectOption(`${split}|${name}`);
  }

  async setBand(kind: 'std' | 'ci95'): Promise<void> {
    await this.page.getByTestId(`compare-band-${kind}`).check();
  }

  band(labelStart: string): Locator {
    return this.page.locator(`[data-testid="compare-band"][data-group-label^="${labelStart}"]`);
  }

  /**
   * The band's half-width where it ends, once it is drawn with the given kind over `seeds` curves (the seeds'
   * series load one by one: until the last arrives the band averages fewer of them).
   */
  async bandWidth(labelStart: string, kind: 'std' | 'ci95', seeds = 2, timeout = 10_000): Promise<number> {
    const band = this.band(labelStart);
    await this.page
      .locator(
        `[data-testid="compare-band"][data-group-label^="${labelStart}"][data-band-kind="${kind}"][data-n="${seeds}"]`,
      )
      .waitFor({ timeout });
    return Number(await band.getAttribute('data-band-width'));
  }
}
