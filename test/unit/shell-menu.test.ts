import type { MenuItemConstructorOptions } from 'electron';
import { describe, expect, it } from 'vitest';
import { IPC_EVENT_CHANNEL } from '../../shared/api/envelope';
import { aboutDetail, buildMenuTemplate, type MenuInput } from '../../src-main/desktop/menu';
import { MENU_SUBSCRIPTION_ID, sendMenuCommand, type MenuCommand } from '../../src-main/desktop/menu-commands';
import { FakeWebContents } from './fake-electron';

function menu(overrides: Partial<MenuInput> = {}) {
  const commands: MenuCommand[] = [];
  let abouts = 0;
  const template = buildMenuTemplate({
    appName: 'Broadcast Lab',
    platform: 'linux',
    isPackaged: true,
    command: (c) => commands.push(c),
    showAbout: () => abouts++,
    ...overrides,
  });
  return { template, commands, abouts: () => abouts };
}

function submenu(template: MenuItemConstructorOptions[], label: string): MenuItemConstructorOptions[] {
  const top = template.find((item) => item.label?.replace('&', '') === label || item.role === label.toLowerCase());
  if (!top || !Array.isArray(top.submenu)) throw new Error(`no ${label} menu`);
  return top.submenu;
}

const click = (item: MenuItemConstructorOptions | undefined) => (item?.click as (() => void) | undefined)?.();

describe('application menu', () => {
  it('File offers New Session, Open…, Export… and Quit; the first three go to the renderer', () => {
    const { template, commands } = menu();
    const file = submenu(template, 'File');
    const labels = file.map((i) => i.label ?? i.role ?? i.type);
    expect(labels).toEqual(['New Session', 'Open…', 'Export…', 'separator', 'quit']);
    for (const item of file.slice(0, 3)) click(item);
    expect(commands).toEqual(['session.new', 'file.open', 'file.export']);
  });

  it('View has zoom and full screen always, reload and devtools only when not packaged', () => {
    const packaged = submenu(menu({ isPackaged: true }).template, 'View').map((i) => i.role);
    expect(packaged).toEqual(expect.arrayContaining(['resetZoom', 'zoomIn', 'zoomOut', 'togglefullscreen']));
    expect(packaged).not.toContain('reload');
    expect(packaged).not.toContain('forceReload');
    expect(packaged).not.toContain('toggleDevTools');
    const development = submenu(menu({ isPackaged: false }).template, 'View').map((i) => i.role);
    expect(development).toEqual(expect.arrayContaining(['reload', 'toggleDevTools']));
  });

  it('Help → About opens the about box', () => {
    const m = menu();
    const help = submenu(m.template, 'Help');
    click(help.find((i) => i.label?.startsWith('About')));
    expect(m.abouts()).toBe(1);
  });

  it('macOS gets the app menu with About and Quit there, and Close in File', () => {
    const m = menu({ platform: 'darwin' });
    expect(m.template[0]?.label).toBe('Broadcast Lab');
    const appMenu = submenu(m.template, 'Broadcast Lab');
    expect(appMenu.map((i) => i.role)).toContain('quit');
    click(appMenu[0]);
    expect(m.abouts()).toBe(1);
    expect(submenu(m.template, 'File').map((i) => i.role)).toContain('close');
  });

  it('the about text names the app, Electron, Chrome and Node versions', () => {
    const text = aboutDetail({
      appName: 'Broadcast Lab',
      appVersion: '0.1.0',
      versions: { electron: '45.5.0', chrome: '142.0.1', node: '22.20.0', v8: '14.2' },
    });
    expect(text.split('\n')).toEqual([
      'Broadcast Lab 0.1.0',
      'Electron 45.5.0',
      'Chrome 142.0.1',
      'Node 22.20.0',
      'V8 14.2',
    ]);
  });
});

describe('menu commands', () => {
  it('travel on the event channel under the reserved subscription id', () => {
    const contents = new FakeWebContents();
    expect(sendMenuCommand(contents, 'session.new')).toBe(true);
    expect(contents.sent).toEqual([
      [IPC_EVENT_CHANNEL, MENU_SUBSCRIPTION_ID, { type: 'menu.command', command: 'session.new' }],
    ]);
  });

  it('are dropped when there is no live window', () => {
    const contents = new FakeWebContents();
    contents.destroy();
    expect(sendMenuCommand(contents, 'file.open')).toBe(false);
    expect(sendMenuCommand(null, 'file.open')).toBe(false);
    expect(contents.sent).toEqual([]);
  });
});
