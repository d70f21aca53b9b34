import type { Download, Locator, Page } from 'playwright-core';
import { AppShell } from './app-shell';

/** Page object for the Export view: what to export, the figure form, the live preview and the downloads. */
export class ExportPage {
  readonly shell: AppShell;

  constructor(readonly page: Page) {
    this.shell = new AppShell(page);
  }

  async open(): Promise<void> {
    await this.shell.go('export');
    await this.page.getByTestId('export').waitFor();
  }

  async chooseExperiment(id: number): Promise<void> {
    await this.page.getByTestId('export-experiment').selectOption(String(id));
  }

  run(id: number): Locator {
    return this.page.locator(`[data-testid="export-run"][data-run-id="${id}"] input`);
  }

  async setKind(kind: 'learning-curves' | 'final-best' | 'layer-diagnostics'): Promise<void> {
    await this.page.getByTestId('export-figure-kind').selectOption(kind);
  }

  async setSplit(split: 'train' | 'validation' | 'test'): Promise<void> {
    await this.page.getByTestId('export-figure-split').selectOption(split);
  }

  metric(name: string): Locator {
    return this.page.locator(`[data-testid="export-figure-metric"][value="${name}"]`);
  }

  /** Ticks exactly the given metrics. */
  async setMetrics(names: string[]): Promise<void> {
    const boxes = this.page.getByTestId('export-figure-metric');
    await this.metric(names[0] ?? '').waitFor();
    for (const box of await boxes.all()) {
      const value = (await box.getAttribute('value')) ?? '';
      await box.setChecked(names.includes(value));
    }
  }

  async setFormat(format: 'svg' | 'pdf' | 'png'): Promise<void> {
    await this.page.getByTestId('export-figure-format').selectOption(format);
  }

  async setError(error: 'std' | 'sem' | 'ci95'): Promise<void> {
    await this.page.getByTestId(`export-figure-error-${error}`).check();
  }

  get previewImage(): Locator {
    return this.page.getByTestId('export-preview-image');
  }

  get previewCaption(): Locator {
    return this.page.getByTestId('export-preview-caption');
  }

  get previewError(): Locator {
    return this.page.getByTestId('export-preview-error');
  }

  /** The groups handed over from Compare, as the Export view lists them (none when an experiment is exported). */
  async groups(): Promise<{ label: string; n: number }[]> {
    const out: { label: string; n: number }[] = [];
    for (const item of await this.page.getByTestId('export-group').all()) {
      out.push({
        label: (await item.getAttribute('data-group-label')) ?? '',
        n: Number(await item.getAttribute('data-n')),
      });
    }
    return out;
  }

  async setDataFormat(format: string): Promise<void> {
    await this.page.getByTestId('export-data-format').selectOption(format);
  }

  get dataPreview(): Locator {
    return this.page.getByTestId('export-data-preview');
  }

  get dataFile(): Locator {
    return this.page.getByTestId('export-data-file');
  }

  /** Clicks the data section's Download and waits for the browser's download of the file. */
  async downloadData(): Promise<Download> {
    const [download] = await Promise.all([
      this.page.waitForEvent('download'),
      this.page.getByTestId('export-data-download').click(),
    ]);
    return download;
  }

  /** Clicks Download and waits for the browser's download of the file. */
  async download(): Promise<Download> {
    const [download] = await Promise.all([
      this.page.waitForEvent('download'),
      this.page.getByTestId('export-figure-download').click(),
    ]);
    return download;
  }
}
