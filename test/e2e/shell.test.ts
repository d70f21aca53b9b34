import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openLab, screenshot, type Lab } from './harness';
import { AppShell, type ViewName } from './pages/app-shell';

const VIEWS: ViewName[] = ['sessions', 'design', 'monitor', 'compare', 'export'];

describe('App shell: navigation, keyboard and theme', () => {
  let lab: Lab;
  let shell: AppShell;

  beforeAll(async () => {
    lab = await openLab({ colorScheme: 'light' });
    shell = new AppShell(lab.page);
    await shell.waitForConnection('connected');
  });

  afterAll(async () => {
    await lab?.close();
  });

  test('every view is reachable from the navigation, and says what it is', async () => {
    for (const view of VIEWS) {
      await shell.go(view);
      expect(await shell.tab(view).getAttribute('aria-selected')).toBe('true');
      expect(await lab.page.getByTestId('view-title').textContent()).toBe(view.charAt(0).toUpperCase() + view.slice(1));
      if (view === 'design') await lab.page.getByTestId('design-form').waitFor();
      else if (view === 'monitor') await lab.page.getByTestId('monitor').waitFor();
      else if (view === 'compare') await lab.page.getByTestId('compare').waitFor();
      else if (view === 'export') await lab.page.getByTestId('export').waitFor();
      else if (view !== 'sessions') await lab.page.getByTestId('placeholder').waitFor();
      await screenshot(lab.page, `view-${view}`);
    }
    expect(lab.errors).toEqual([]);
  });

  test('the keyboard moves between views with a visible focus', async () => {
    await shell.go('sessions');
    // Tab from the top of a fresh page lands on the selected tab first.
    await lab.page.reload();
    await shell.waitForConnection('connected');
    await lab.page.keyboard.press('Tab');
    const focused = () => shell.focused();
    expect(await focused()).toEqual({ id: 'nav-sessions', visible: true });

    await lab.page.keyboard.press('ArrowDown');
    await shell.panel('design').waitFor();
    expect(await focused()).toEqual({ id: 'nav-design', visible: true });
    await lab.page.keyboard.press('End');
    await shell.panel('export').waitFor();
    await lab.page.keyboard.press('ArrowDown');
    await shell.panel('sessions').waitFor();
    await lab.page.keyboard.press('ArrowUp');
    await shell.panel('export').waitFor();
    await lab.page.keyboard.press('Home');
    await shell.panel('sessions').waitFor();
    expect(await focused()).toEqual({ id: 'nav-sessions', visible: true });

    // The next Tab leaves the tab list for the view's content.
    await lab.page.keyboard.press('Tab');
    expect((await focused()).id).not.toMatch(/^nav-/);
  });

  test('the view survives a reload through the URL hash', async () => {
    await shell.go('compare');
    await lab.page.reload();
    await shell.panel('compare').waitFor();
    expect(await shell.tab('compare').getAttribute('aria-selected')).toBe('true');
    await shell.go('sessions');
  });

  test('the theme follows the system, and a chosen theme is remembered', async () => {
    expect(await shell.theme()).toBe('light');
    await shell.toggleTheme();
    expect(await shell.theme()).toBe('dark');
    await lab.page.reload();
    await shell.waitForConnection('connected');
    expect(await shell.theme()).toBe('dark');
    await screenshot(lab.page, 'sessions-dark');
    await shell.toggleTheme();
    expect(await shell.theme()).toBe('light');

    const darkContext = await lab.browser.newContext({ colorScheme: 'dark' });
    const page = await darkContext.newPage();
    await page.goto(lab.server.url);
    expect(await new AppShell(page).theme()).toBe('dark');
    await darkContext.close();
  });

  test('no console errors while navigating', () => {
    expect(lab.errors).toEqual([]);
  });
});
