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

  /** A hidden layer's row in the network editor. */
  layer(index: number): Locator {
    return this.page.getByTestId('design-layer').nth(index);
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

  /**
   * Every shown field of the form that is cut off: its input (or select) not wholly inside its card (or dialog),
   * the card past the window's edge, or its label truncated (wider than its box). The collapsed groups are opened first so that their fields are measured too.
   * Each entry names the field by its label and says what is wrong.
   */
  async fieldsCutOff(): Promise<string[]> {
    await this.page
      .locator('[data-testid="design-form"] details')
      .evaluateAll((groups) => groups.forEach((g) => g.setAttribute('open', '')));
    return this.page.locator('[data-testid="design-form"] .field').evaluateAll((fields) => {
      const problems: string[] = [];
      for (const field of fields) {
        const label = field.querySelector('label');
        const name = label?.textContent?.trim() ?? field.textContent?.trim().slice(0, 40) ?? '?';
        const input = field.querySelector('input, select, textarea');
        if (!input) {
          problems.push(`${name}: no input`);
          continue;
        }
        const i = input.getBoundingClientRect();
        if (i.width === 0) continue; // not shown (a closed dialog, a choice that hides it)
        const card = field.closest('.card, dialog');
        if (!card) {
          problems.push(`${name}: not in a card`);
          continue;
        }
        const c = card.getBoundingClientRect();
        if (i.left < c.left - 0.5 || i.right > c.right + 0.5)
          problems.push(`${name}: input spans ${i.left}–${i.right}, its card ${c.left}–${c.right}`);
        if (c.right > field.ownerDocument.documentElement.clientWidth + 0.5)
          problems.push(
            `${name}: its card ends at ${c.right}, past the window's ${field.ownerDocument.documentElement.clientWidth}`,
          );
        if (label && label.scrollWidth > label.clientWidth)
          problems.push(`${name}: label needs ${label.scrollWidth}px, shown in ${label.clientWidth}px`);
      }
      return problems;
    });
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
