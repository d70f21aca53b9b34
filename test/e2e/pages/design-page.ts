import type { Locator, Page } from 'playwright-core';
import { AppShell } from './app-shell';

/** Page object for the Design view: building an experiment spec through the form. */
export class DesignPage {
  readonly shell: AppShell;

  constructor(readonly page: Page) {
    this.shell = new AppShell(page);
  }

  async open(): Promise<void> {
    await this.shell.go('design');
    await this.page.getByTestId('design-form').waitFor();
  }

  /** Waits for datasets.list to fill the picker, then picks one. */
  async chooseDataset(name: string): Promise<void> {
    await this.page.locator(`[data-testid="design-dataset"] option[value="${name}"]`).waitFor({ state: 'attached' });
    await this.page.getByTestId('design-dataset').selectOption(name);
    await this.page.getByTestId('design-dataset-info').waitFor();
  }

  /** Waits for presets.list to fill the picker, then loads one into the form. */
  async choosePreset(id: string): Promise<void> {
    await this.page.locator(`[data-testid="design-preset"] option[value="${id}"]`).waitFor({ state: 'attached' });
    await this.page.getByTestId('design-preset').selectOption(id);
  }

  /** Waits for templates.list to put the template in the picker, then loads it into the form. */
  async chooseTemplate(name: string): Promise<void> {
    const option = this.page
      .locator('[data-testid="design-preset"] optgroup[label="Your templates"] option')
      .filter({ hasText: name });
    await option.waitFor({ state: 'attached' });
    await this.page.getByTestId('design-preset').selectOption({ label: name });
  }

  /** Opens "Save as template…"; the dialog's name field starts as the experiment's name. */
  async openSaveTemplate(): Promise<Locator> {
    await this.page.getByTestId('design-save-template').click();
    const dialog = this.page.getByTestId('save-template-dialog');
    await dialog.waitFor();
    return dialog;
  }

  async fill(testid: string, value: string | number): Promise<void> {
    await this.page.getByTestId(testid).fill(String(value));
  }

  arm(index: number): Locator {
    return this.page.getByTestId('rule-arm').nth(index);
  }

  param(armIndex: number, key: string): Locator {
    return this.arm(armIndex).getByTestId(`rule-param-${key}`);
  }

  async setParam(armIndex: number, key: string, value: string | number): Promise<void> {
    await this.param(armIndex, key).getByTestId('rule-param-input').fill(String(value));
  }

  /** The issue shown under a field of the section with this testid (empty when the field is fine). */
  fieldIssue(sectionTestid: string): Locator {
    return this.page.getByTestId(sectionTestid).getByTestId('field-issue').first();
  }

  /** Shown when the form holds a design kept from an earlier page (a reload, a crash). */
  get draftNotice(): Locator {
    return this.page.getByTestId('design-draft-notice');
  }

  async discardDraft(): Promise<void> {
    await this.draftNotice.getByTestId('design-draft-discard').click();
    await this.draftNotice.waitFor({ state: 'detached' });
  }

  /** The draft as the browser stores it, null when there is none. */
  storedDraft(): Promise<string | null> {
    return this.page.evaluate("localStorage.getItem('broadcast-lab.design-draft')") as Promise<string | null>;
  }

  get runButton(): Locator {
    return this.page.getByTestId('design-run');
  }

  get runReason(): Locator {
    return this.page.getByTestId('design-run-reason');
  }

  async importFile(name: string, content: string): Promise<void> {
    await this.page
      .getByTestId('design-import')
      .setInputFiles({ name, mimeType: 'application/json', buffer: Buffer.from(content) });
  }

  get importError(): Locator {
    return this.page.getByTestId('design-import-error');
  }
}
