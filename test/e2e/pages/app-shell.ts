import type { Locator, Page } from 'playwright-core';

export type ViewName = 'sessions' | 'design' | 'monitor' | 'compare' | 'export';
export type ConnectionState = 'connecting' | 'connected' | 'disconnected';

/** The chrome around every view: navigation, connection status, theme. */
export class AppShell {
  constructor(readonly page: Page) {}

  tab(view: ViewName): Locator {
    return this.page.getByTestId(`nav-${view}`);
  }

  panel(view: ViewName): Locator {
    return this.page.getByTestId(`view-${view}`);
  }

  get connectionStatus(): Locator {
    return this.page.getByTestId('connection-status');
  }

  async go(view: ViewName): Promise<void> {
    await this.tab(view).click();
    await this.panel(view).waitFor();
  }

  async waitForConnection(state: ConnectionState, timeout = 15_000): Promise<void> {
    await this.page.locator(`[data-testid="connection-status"][data-status="${state}"]`).waitFor({ timeout });
  }

  async theme(): Promise<string | null> {
    return this.page.locator('html').getAttribute('data-theme');
  }

  /** The data-testid of the focused element, and whether the browser draws its focus ring (:focus-visible). */
  async focused(): Promise<{ id: string | null; visible: boolean }> {
    const focused = this.page.locator(':focus');
    if ((await focused.count()) === 0) return { id: null, visible: false };
    return {
      id: await focused.getAttribute('data-testid'),
      visible: (await this.page.locator(':focus-visible').count()) === 1,
    };
  }

  async toggleTheme(): Promise<void> {
    await this.page.getByTestId('theme-toggle').click();
  }
}
