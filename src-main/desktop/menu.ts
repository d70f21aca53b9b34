import type { MenuItemConstructorOptions } from 'electron';
import type { MenuCommand } from './menu-commands';

export interface MenuInput {
  appName: string;
  platform: NodeJS.Platform;
  /** Reload and developer tools appear only in development builds. */
  isPackaged: boolean;
  command: (command: MenuCommand) => void;
  showAbout: () => void;
}

/**
 * The application menu. File's items hand their work to the renderer; View keeps reload and devtools
 * out of packaged builds; Help → About names the runtime versions a bug report needs.
 */
export function buildMenuTemplate(input: MenuInput): MenuItemConstructorOptions[] {
  const mac = input.platform === 'darwin';
  const about: MenuItemConstructorOptions = { label: `About ${input.appName}`, click: () => input.showAbout() };
  const template: MenuItemConstructorOptions[] = [];
  if (mac) {
    template.push({
      label: input.appName,
      submenu: [
        about,
        { type: 'separator' },
        { role: 'services' },
        { type: 'separator' },
        { role: 'hide' },
        { role: 'hideOthers' },
        { role: 'unhide' },
        { type: 'separator' },
        { role: 'quit' },
      ],
    });
  }
  template.push({
    label: '&File',
    submenu: [
      { label: 'New Session', accelerator: 'CmdOrCtrl+N', click: () => input.command('session.new') },
      { label: 'Open…', accelerator: 'CmdOrCtrl+O', click: () => input.command('file.open') },
      { label: 'Export…', accelerator: 'CmdOrCtrl+E', click: () => input.command('file.export') },
      { type: 'separator' },
      mac ? { role: 'close' } : { role: 'quit' },
    ],
  });
  template.push({
    label: '&Edit',
    submenu: [
      { role: 'undo' },
      { role: 'redo' },
      { type: 'separator' },
      { role: 'cut' },
      { role: 'copy' },
      { role: 'paste' },
      { role: 'selectAll' },
    ],
  });
  const developer: MenuItemConstructorOptions[] = input.isPackaged
    ? []
    : [{ role: 'reload' }, { role: 'forceReload' }, { role: 'toggleDevTools' }, { type: 'separator' }];
  template.push({
    label: '&View',
    submenu: [
      ...developer,
      { role: 'resetZoom' },
      { role: 'zoomIn' },
      { role: 'zoomOut' },
      { type: 'separator' },
      { role: 'togglefullscreen' },
    ],
  });
  if (mac) template.push({ role: 'windowMenu' });
  template.push({ role: 'help', submenu: mac ? [] : [about] });
  return template;
}

/** The About box's text: app and runtime versions, the lines a bug report should quote. */
export function aboutDetail(input: {
  appName: string;
  appVersion: string;
  versions: Partial<Record<string, string>>;
}): string {
  const v = input.versions;
  return [
    `${input.appName} ${input.appVersion}`,
    `Electron ${v.electron ?? 'unknown'}`,
    `Chrome ${v.chrome ?? 'unknown'}`,
    `Node ${v.node ?? 'unknown'}`,
    `V8 ${v.v8 ?? 'unknown'}`,
  ].join('\n');
}
