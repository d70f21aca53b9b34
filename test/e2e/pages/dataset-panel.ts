import type { Locator, Page } from 'playwright-core';

/** Page object for the Design view's Data section: the picker, downloads, imports and forgetting. */
export class DatasetPanel {
  constructor(readonly page: Page) {}

  get picker(): Locator {
    return this.page.getByTestId('design-dataset');
  }

  get status(): Locator {
    return this.page.getByTestId('design-dataset-present');
  }

  get info(): Locator {
    return this.page.getByTestId('design-dataset-info');
  }

  option(name: string): Locator {
    return this.page.locator(`[data-testid="design-dataset"] option[value="${name}"]`);
  }

  get downloadButton(): Locator {
    return this.page.getByTestId('dataset-download-start');
  }

  get progressBar(): Locator {
    return this.page.getByRole('progressbar');
  }

  get downloadError(): Locator {
    return this.page.getByTestId('dataset-download-error');
  }

  async import(filePath: string, name?: string): Promise<void> {
    const disclosure = this.page.getByTestId('dataset-import');
    if ((await disclosure.getAttribute('open')) === null) await disclosure.locator('summary').click();
    await this.page.getByTestId('dataset-import-path').fill(filePath);
    await this.page.getByTestId('dataset-import-name').fill(name ?? '');
    await this.page.getByTestId('dataset-import-submit').click();
  }

  get importError(): Locator {
    return this.page.getByTestId('dataset-import-error');
  }

  async forgetChosen(): Promise<void> {
    await this.page.getByTestId('dataset-forget').click();
    await this.page.getByTestId('dataset-forget-dialog-confirm').click();
  }
}
