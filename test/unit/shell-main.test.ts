import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { IPC_EVENT_CHANNEL, IPC_INVOKE_CHANNEL } from '../../shared/api/envelope';
import { METHOD_NAMES } from '../../shared/api/contract';
import { createDispatcher } from '../../src-main/api/dispatcher';
import { createApiHost } from '../../src-main/api/host';
import { EventBus } from '../../src-main/api/event-bus';
import type { Handlers } from '../../src-main/api/handler-types';
import { dataFlag, desktopDataDir } from '../../src-main/desktop/data-dir';
import { MENU_SUBSCRIPTION_ID } from '../../src-main/desktop/menu-commands';
import { bundlePaths, devServerUrl, startShell, type ShellApi, type ShellOptions } from '../../src-main/desktop/shell';
import { describeStartupError } from '../../src-main/desktop/startup-error';
import { StoreError } from '../../src-main/store/types';
import { createFakeElectron, settle, type FakeElectron } from './fake-electron';
import { testTrainingLauncher } from '../support/training-launcher';

function fakeApi(): ShellApi & { closed: number; dataDirs: string[] } {
  const handlers = Object.fromEntries(METHOD_NAMES.map((m) => [m, () => ({ method: m })])) as unknown as Handlers;
  return {
    dispatcher: createDispatcher(handlers),
    bus: new EventBus(),
    closed: 0,
    dataDirs: [],
    close() {
      this.closed++;
    },
  };
}

describe('desktop shell start-up', () => {
  let dir: string;
  let electron: FakeElectron;
  let api: ReturnType<typeof fakeApi>;
  let logs: string[];

  const start = (overrides: Partial<ShellOptions> = {}) =>
    startShell({
      electron,
      mainDir: path.join(dir, 'out', 'main'),
      argv: ['/usr/bin/broadcast-lab'],
      env: {},
      platform: 'linux',
      versions: { electron: '45.5.0', chrome: '142.0.0.0', node: '22.20.0' },
      openApi: (dataDir) => {
        api.dataDirs.push(dataDir);
        return api;
      },
      log: (m) => logs.push(m),
      ...overrides,
    });

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bl-shell-'));
    electron = createFakeElectron({ userData: path.join(dir, 'userData') });
    api = fakeApi();
    logs = [];
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('registers the privileged scheme and takes the single-instance lock before ready', async () => {
    const shell = start();
    expect(electron.privileged).toEqual([
      expect.objectContaining({ scheme: 'app', privileges: expect.objectContaining({ standard: true, secure: true }) }),
    ]);
    expect(electron.app.calls).toEqual(['requestSingleInstanceLock']);
    expect(electron.windows).toHaveLength(0);
    electron.app.becomeReady();
    await shell.started;
    expect(electron.log.indexOf('registerSchemesAsPrivileged')).toBeLessThan(
      electron.log.indexOf('protocol.handle app'),
    );
  });

  it('opens one secure main window on app:// with the preload', async () => {
    const shell = start();
    electron.app.becomeReady();
    await shell.started;
    await settle();
    expect(electron.windows).toHaveLength(1);
    const win = electron.windows[0]!;
    expect(shell.mainWindow()).toBe(win);
    expect(win.options.webPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      preload: bundlePaths(path.join(dir, 'out', 'main')).preload,
    });
    expect(win.options.webPreferences?.preload).toBe(path.join(dir, 'out', 'preload', 'preload.js'));
    expect(win.loaded).toEqual(['app://broadcast-lab/index.html']);
    expect(win.shown).toBe(true);
    expect(electron.protocolHandlers.has('app')).toBe(true);
    expect(electron.menus).toHaveLength(1);
    expect(api.dataDirs).toEqual([path.join(dir, 'userData')]);
    // Navigation and popups are blocked in the window the shell made.
    expect(win.webContents.navigate('https://example.com/')).toBe(true);
    expect(win.webContents.open('https://example.com/')).toBe('deny');
    expect(electron.opened).toEqual(['https://example.com/', 'https://example.com/']);
    // Permissions are denied in the default session.
    let granted: boolean | undefined;
    electron.permissions.request?.(win.webContents, 'media', (g) => (granted = g));
    expect(granted).toBe(false);
  });

  it('answers API calls from its window and refuses others', async () => {
    const shell = start();
    electron.app.becomeReady();
    await shell.started;
    const win = electron.windows[0]!;
    await expect(
      electron.ipcMain.invoke(IPC_INVOKE_CHANNEL, win.webContents.invokeEvent(), { method: 'app.info', payload: {} }),
    ).resolves.toEqual({
      ok: true,
      result: { method: 'app.info' },
    });
    const { FakeWebContents } = await import('./fake-electron');
    const stranger = new FakeWebContents();
    await expect(
      electron.ipcMain.invoke(IPC_INVOKE_CHANNEL, stranger.invokeEvent(), { method: 'app.info', payload: {} }),
    ).resolves.toMatchObject({
      ok: false,
      error: { code: 'unauthorized' },
    });
  });

  it('restores the saved window state and saves it again on close', async () => {
    fs.mkdirSync(path.join(dir, 'userData'), { recursive: true });
    fs.writeFileSync(
      path.join(dir, 'userData', 'window-state.json'),
      JSON.stringify({ version: 1, bounds: { x: 100, y: 50, width: 1000, height: 700 }, maximized: true }),
    );
    const shell = start();
    electron.app.becomeReady();
    await shell.started;
    const win = electron.windows[0]!;
    expect(win.options).toMatchObject({ x: 100, y: 50, width: 1000, height: 700 });
    expect(win.maximized).toBe(true);
    win.maximized = false;
    win.normalBounds = { x: 200, y: 60, width: 1100, height: 720 };
    win.close();
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'userData', 'window-state.json'), 'utf8'))).toEqual({
      version: 1,
      bounds: { x: 200, y: 60, width: 1100, height: 720 },
      maximized: false,
    });
    expect(shell.mainWindow()).toBeNull();
  });

  it('starts with default bounds when the window state file is corrupt', async () => {
    fs.mkdirSync(path.join(dir, 'userData'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'userData', 'window-state.json'), '{"bounds": [');
    const shell = start();
    electron.app.becomeReady();
    await shell.started;
    expect(electron.windows[0]?.options).toMatchObject({ width: 1280, height: 820 });
    expect(electron.windows[0]?.options).not.toHaveProperty('x');
    expect(logs.join('\n')).toMatch(/window-state.json is not JSON/);
  });

  it('quits at once when another instance holds the lock', async () => {
    electron.app.lockAvailable = false;
    const shell = start();
    expect(electron.app.calls).toEqual(['requestSingleInstanceLock', 'quit']);
    electron.app.becomeReady();
    await shell.started;
    await settle();
    expect(electron.windows).toHaveLength(0);
    expect(api.dataDirs).toEqual([]);
  });

  it('brings its window forward when a second instance starts', async () => {
    const shell = start();
    electron.app.becomeReady();
    await shell.started;
    const win = electron.windows[0]!;
    win.minimized = true;
    electron.app.emit('second-instance', {}, ['broadcast-lab'], '/');
    expect(win.minimized).toBe(false);
    expect(win.focused).toBe(1);
  });

  it('shows the database problem, naming the file, and exits without a window', async () => {
    const file = path.join(dir, 'userData', 'broadcast-lab.sqlite');
    const shell = start({
      openApi: () => {
        throw new StoreError(
          'newer_schema',
          file,
          `${file} has schema version 9; this version of Broadcast Lab reads up to 1.`,
        );
      },
    });
    electron.app.becomeReady();
    await shell.started;
    expect(electron.errorBoxes).toHaveLength(1);
    const box = electron.errorBoxes[0]!;
    expect(box.title).toMatch(/cannot open its database/);
    expect(box.content.split('\n')[0]).toBe(`Database: ${file}`);
    expect(box.content).toMatch(/schema version 9/);
    expect(electron.app.calls).toContain('exit');
    expect(electron.app.exitCode).toBe(1);
    expect(electron.windows).toHaveLength(0);
    expect(electron.ipcMain.handlers.size).toBe(0);
  });

  it('leaves a corrupt database untouched and names it in the error box', async () => {
    const userData = path.join(dir, 'userData');
    const file = path.join(userData, 'broadcast-lab.sqlite');
    fs.mkdirSync(userData, { recursive: true });
    const garbage = Buffer.from("this is not an SQLite database, but it is somebody's file\n".repeat(200));
    fs.writeFileSync(file, garbage);
    const shell = start({
      openApi: (dataDir) => createApiHost({ mode: 'desktop', dataDir, launch: testTrainingLauncher }),
    });
    electron.app.becomeReady();
    await shell.started;
    expect(electron.errorBoxes).toHaveLength(1);
    expect(electron.errorBoxes[0]?.content).toContain(`Database: ${file}`);
    expect(electron.errorBoxes[0]?.content).toMatch(/damaged|not a Broadcast Lab database|corrupt/i);
    expect(electron.app.exitCode).toBe(1);
    expect(electron.windows).toHaveLength(0);
    expect(fs.readFileSync(file).equals(garbage)).toBe(true);
    expect(fs.readdirSync(userData).filter((f) => f.startsWith('broadcast-lab.sqlite'))).toEqual([
      'broadcast-lab.sqlite',
    ]);
  });

  it('sends File menu commands to the window through the event channel', async () => {
    const shell = start();
    electron.app.becomeReady();
    await shell.started;
    const file = electron.menus[0]?.template.find((i) => i.label === '&File');
    const newSession = Array.isArray(file?.submenu) ? file.submenu[0] : undefined;
    (newSession?.click as () => void)();
    expect(electron.windows[0]?.webContents.sent).toEqual([
      [IPC_EVENT_CHANNEL, MENU_SUBSCRIPTION_ID, { type: 'menu.command', command: 'session.new' }],
    ]);
  });

  it('shows About with the runtime versions', async () => {
    const shell = start();
    electron.app.becomeReady();
    await shell.started;
    const help = electron.menus[0]?.template.find((i) => i.role === 'help');
    const about = Array.isArray(help?.submenu) ? help.submenu[0] : undefined;
    (about?.click as () => void)();
    expect(electron.messageBoxes[0]?.detail).toMatch(/Electron 45\.5\.0\nChrome 142\.0\.0\.0\nNode 22\.20\.0/);
  });

  it('quits when the window closes (not on macOS) and closes the API on will-quit', async () => {
    const shell = start();
    electron.app.becomeReady();
    await shell.started;
    electron.windows[0]!.close();
    electron.app.emit('window-all-closed');
    expect(electron.app.calls).toContain('quit');
    electron.app.emit('will-quit');
    expect(api.closed).toBe(1);
    expect(electron.ipcMain.handlers.size).toBe(0);
  });

  it('loads the dev server only in unpackaged builds and trusts its origin for the API', async () => {
    const shell = start({ env: { ELECTRON_RENDERER_URL: 'http://localhost:5173' } });
    electron.app.becomeReady();
    await shell.started;
    const win = electron.windows[0]!;
    expect(win.loaded).toEqual(['http://localhost:5173/']);
    await expect(
      electron.ipcMain.invoke(IPC_INVOKE_CHANNEL, win.webContents.invokeEvent(), { method: 'app.info', payload: {} }),
    ).resolves.toMatchObject({ ok: true });

    expect(devServerUrl(true, { ELECTRON_RENDERER_URL: 'http://localhost:5173' })).toBeNull();
    expect(devServerUrl(false, { ELECTRON_RENDERER_URL: 'https://evil.example/' })).toBeNull();
    expect(devServerUrl(false, { ELECTRON_RENDERER_URL: 'http://192.168.1.2:5173' })).toBeNull();
    expect(devServerUrl(false, {})).toBeNull();
  });
});

describe('desktop data folder', () => {
  it('is userData unless --data or BROADCAST_LAB_DATA says otherwise', () => {
    const userData = '/home/u/.config/Broadcast Lab';
    expect(desktopDataDir({ argv: ['/app'], env: {}, userData })).toBe(userData);
    expect(desktopDataDir({ argv: ['/app', '--data', '/data/lab'], env: {}, userData })).toBe('/data/lab');
    expect(desktopDataDir({ argv: ['/app', '--data=/data/two'], env: { BROADCAST_LAB_DATA: '/env' }, userData })).toBe(
      '/data/two',
    );
    expect(desktopDataDir({ argv: ['/app'], env: { BROADCAST_LAB_DATA: '/env/lab' }, userData })).toBe('/env/lab');
    expect(desktopDataDir({ argv: ['/app', '--data', 'rel'], env: {}, userData })).toBe(path.resolve('rel'));
  });

  it('reads --data in both spellings and ignores a dangling flag', () => {
    expect(dataFlag(['--data'])).toBeUndefined();
    expect(dataFlag(['--data='])).toBeUndefined();
    expect(dataFlag(['--data', 'a', '--data=b'])).toBe('b');
    expect(dataFlag(['--database', 'x'])).toBeUndefined();
  });
});

describe('start-up error text', () => {
  it("names the file, then gives the store's explanation", () => {
    const { title, content } = describeStartupError(
      new StoreError('locked', '/d/broadcast-lab.sqlite', 'The database /d/broadcast-lab.sqlite is in use.'),
    );
    expect(title).toMatch(/database/);
    expect(content).toBe('Database: /d/broadcast-lab.sqlite\n\nThe database /d/broadcast-lab.sqlite is in use.');
  });

  it('describes other failures plainly', () => {
    expect(describeStartupError(new Error('boom'))).toEqual({
      title: 'Broadcast Lab could not start',
      content: 'boom',
    });
  });
});
