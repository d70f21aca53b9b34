import type { Locator, Page } from 'playwright-core';
import { AppShell } from './app-shell';

/** Page object for the Sessions view: what a user does there, in the user's words. */
export class SessionsPage {
  readonly shell: AppShell;

  constructor(readonly page: Page) {
    this.shell = new AppShell(page);
  }

  async open(): Promise<void> {
    await this.shell.go('sessions');
  }

  /** Waits until the list has loaded: either rows or the empty message. */
  async waitForList(): Promise<void> {
    await this.page.locator('[data-testid="session-list"], [data-testid="sessions-empty"]').first().waitFor();
  }

  get rows(): Locator {
    return this.page.getByTestId('session-row');
  }

  row(name: string): Locator {
    return this.rows.filter({ has: this.page.getByTestId('session-name').getByText(name, { exact: true }) });
  }

  async names(): Promise<string[]> {
    return this.page.getByTestId('session-name').allTextContents();
  }

  get createError(): Locator {
    return this.page.getByTestId('create-session-error');
  }

  async submitCreate(name: string): Promise<void> {
    await this.page.getByTestId('create-session-name').fill(name);
    await this.page.getByTestId('create-session-submit').click();
  }

  async create(name: string): Promise<void> {
    await this.submitCreate(name);
    await this.row(name).waitFor();
  }

  async startRename(name: string): Promise<Locator> {
    await this.row(name).getByTestId('session-rename').click();
    const input = this.page.getByTestId('session-rename-input');
    await input.waitFor();
    return input;
  }

  async rename(name: string, newName: string): Promise<void> {
    const input = await this.startRename(name);
    await input.fill(newName);
    await input.press('Enter');
    await this.row(newName).waitFor();
  }

  get deleteDialog(): Locator {
    return this.page.getByTestId('delete-session-dialog');
  }

  async requestDelete(name: string): Promise<Locator> {
    await this.row(name).getByTestId('session-delete').click();
    await this.deleteDialog.waitFor();
    return this.deleteDialog;
  }

  async confirmDelete(): Promise<void> {
    await this.page.getByTestId('delete-session-dialog-confirm').click();
    await this.deleteDialog.waitFor({ state: 'hidden' });
  }

  async cancelDelete(): Promise<void> {
    await this.deleteDialog.getByRole('button', { name: 'Cancel' }).click();
    await this.deleteDialog.waitFor({ state: 'hidden' });
  }

  get detail(): Locator {
    return this.page.getByTestId('session-detail');
  }

  // Search and filters

  async search(text: string): Promise<void> {
    await this.page.getByTestId('session-search').fill(text);
  }

  async filter(by: 'rule' | 'dataset' | 'status', value: string): Promise<void> {
    await this.page.getByTestId(`session-filter-${by}`).selectOption(value);
  }

  async clearFilters(): Promise<void> {
    await this.page.getByTestId('session-filter-clear').click();
  }

  /** Waits until the list shows exactly these sessions (in any order): filtering is debounced and asynchronous. */
  async waitForNames(expected: string[], timeout = 10_000): Promise<void> {
    const want = [...expected].sort().join('\n');
    const deadline = Date.now() + timeout;
    let got = '';
    while (Date.now() < deadline) {
      got = (await this.names()).sort().join('\n');
      if (got === want && (await this.page.locator('[aria-busy="true"]').count()) === 0) return;
      await this.page.waitForTimeout(50);
    }
    throw new Error(`the session list shows [${got.split('\n').join(', ')}], expected [${expected.join(', ')}]`);
  }

  // Notes

  get notes(): Locator {
    return this.detail.getByTestId('session-notes');
  }

  get notesState(): Locator {
    return this.detail.getByTestId('session-notes-state');
  }

  async saveNotes(): Promise<void> {
    await this.detail.getByTestId('session-notes-save').click();
    await this.detail.locator('[data-testid="session-notes-state"][data-state="saved"]').waitFor();
  }

  // Runs of the open session

  runRow(runId: number): Locator {
    return this.detail.locator(`[data-testid="run-row"][data-run-id="${runId}"]`);
  }

  async waitForRunStatus(runId: number, status: string, timeout = 30_000): Promise<void> {
    await this.detail
      .locator(`[data-testid="run-row"][data-run-id="${runId}"][data-status="${status}"]`)
      .waitFor({ timeout });
  }

  async openSession(name: string): Promise<Locator> {
    await this.row(name).getByTestId('session-open').click();
    const detail = this.page.getByTestId('session-detail');
    await detail.getByTestId('session-detail-name').getByText(name, { exact: true }).waitFor();
    return detail;
  }
}
