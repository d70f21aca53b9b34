import fs from 'node:fs';
import path from 'node:path';
import type {
  BrowserWindowConstructorOptions,
  CustomScheme,
  MenuItemConstructorOptions,
  MessageBoxOptions,
  SaveDialogOptions,
} from 'electron';
import type { Dispatcher } from '../api/dispatcher';
import type { EventBus } from '../api/event-bus';
import { desktopDataDir } from './data-dir';
import { registerApiIpc, type ApiContents, type ApiIpc, type IpcMainLike } from './ipc';
import { aboutDetail, buildMenuTemplate } from './menu';
import { sendMenuCommand } from './menu-commands';
import { APP_ENTRY_URL, isAppUrl } from './origin';
import { APP_SCHEME_PRIVILEGES, registerAppProtocol, type ProtocolLike } from './protocol';
import { describeStartupError } from './startup-error';
import {
  denyAllPermissions,
  hardenWebContents,
  mainWindowOptions,
  type HardenableContents,
  type PermissionSession,
} from './window';
import {
  WINDOW_STATE_FILE,
  fitToWorkAreas,
  loadWindowState,
  trackWindowState,
  type Rect,
  type StatefulWindow,
} from './window-state';

/* The Electron surface the shell uses, as small structural types: main.ts passes the real modules,
   the unit tests pass fakes, and the compiler checks both against these. */

export interface ShellWindow extends StatefulWindow {
  readonly webContents: ApiContents & HardenableContents;
  loadURL(url: string): Promise<void>;
  on(event: 'close', listener: () => void): unknown;
  on(event: 'closed', listener: () => void): unknown;
  once(event: 'ready-to-show', listener: () => void): unknown;
  show(): void;
  focus(): void;
  restore(): void;
  maximize(): void;
  isMinimized(): boolean;
  isDestroyed(): boolean;
}

export interface ShellApp {
  readonly isPackaged: boolean;
  getName(): string;
  getVersion(): string;
  getPath(name: 'userData'): string;
  requestSingleInstanceLock(): boolean;
  whenReady(): Promise<void>;
  on(event: 'second-instance', listener: () => void): unknown;
  on(event: 'window-all-closed', listener: () => void): unknown;
  on(event: 'activate', listener: () => void): unknown;
  on(event: 'will-quit', listener: () => void): unknown;
  on(event: 'web-contents-created', listener: (event: unknown, contents: HardenableContents) => void): unknown;
  quit(): void;
  exit(exitCode?: number): void;
}

export interface ShellElectron {
  app: ShellApp;
  BrowserWindow: new (options: BrowserWindowConstructorOptions) => ShellWindow;
  ipcMain: IpcMainLike;
  protocol: ProtocolLike & { registerSchemesAsPrivileged(schemes: CustomScheme[]): void };
  Menu: { buildFromTemplate(template: MenuItemConstructorOptions[]): unknown; setApplicationMenu(menu: unknown): void };
  dialog: {
    showErrorBox(title: string, content: string): void;
    showMessageBox(window: unknown, options: MessageBoxOptions): Promise<unknown>;
    showSaveDialog(window: unknown, options: SaveDialogOptions): Promise<{ canceled: boolean; filePath?: string }>;
  };
  shell: { openExternal(url: string): Promise<void> };
  session: { readonly defaultSession: PermissionSession };
  screen: { getAllDisplays(): { workArea: Rect }[] };
}

/** What the shell needs of the API host (src-main/api/host.ts's createApiHost fits). */
export interface ShellApi {
  dispatcher: Dispatcher;
  bus: EventBus;
  /** Stops the active run (it checkpoints) and closes the database; a run cut short is resumable later. */
  close(): void | Promise<void>;
}

export interface ShellOptions {
  electron: ShellElectron;
  /** Folder of the built main bundle (out/main); the preload and renderer are found beside it. */
  mainDir: string;
  argv: readonly string[];
  env: NodeJS.ProcessEnv;
  platform: NodeJS.Platform;
  versions: Partial<Record<string, string>>;
  openApi: (dataDir: string) => ShellApi;
  log?: (message: string) => void;
}

export interface Shell {
  /** Resolves once the main window is loading, or when start-up ended (second instance, fatal error). */
  readonly started: Promise<void>;
  mainWindow(): ShellWindow | null;
}

/** Paths of the other two bundles, relative to out/main. */
export function bundlePaths(mainDir: string): { preload: string; renderer: string } {
  const preloadDir = path.resolve(mainDir, '..', 'preload');
  // electron-vite names a CommonJS entry .js or .cjs depending on the package type; take whichever exists.
  const preload =
    ['preload.cjs', 'preload.js'].map((f) => path.join(preloadDir, f)).find((f) => fs.existsSync(f)) ??
    path.join(preloadDir, 'preload.js');
  return { preload, renderer: path.resolve(mainDir, '..', 'renderer') };
}

/**
 * The desktop shell: single instance, privileged app:// scheme, locked-down sessions and windows, the API
 * over IPC, the menu, and one main window that remembers where it was. Must be called before `ready`.
 */
export function startShell(options: ShellOptions): Shell {
  const { electron, platform } = options;
  const { app } = electron;
  const log = options.log ?? ((message: string) => console.warn(message));
  let win: ShellWindow | null = null;
  let ipc: ApiIpc | null = null;
  let api: ShellApi | null = null;

  // Both must happen before `ready`: privileges are fixed when the first session is created.
  electron.protocol.registerSchemesAsPrivileged([APP_SCHEME_PRIVILEGES]);
  if (!app.requestSingleInstanceLock()) {
    // Another copy is running; the 'second-instance' event brings its window forward.
    app.quit();
    return { started: Promise.resolve(), mainWindow: () => null };
  }

  app.on('second-instance', () => {
    if (!win || win.isDestroyed()) return;
    if (win.isMinimized()) win.restore();
    win.show();
    win.focus();
  });
  app.on('web-contents-created', (_event, contents) => {
    hardenWebContents(contents, { openExternal: (url) => electron.shell.openExternal(url), log });
  });

  const paths = bundlePaths(options.mainDir);
  const devUrl = devServerUrl(app.isPackaged, options.env);
  const entryUrl = devUrl ?? APP_ENTRY_URL;
  const stateFile = () => path.join(app.getPath('userData'), WINDOW_STATE_FILE);

  const createWindow = (): ShellWindow => {
    const displays = electron.screen.getAllDisplays().map((d) => d.workArea);
    const state = fitToWorkAreas(loadWindowState(stateFile(), log), displays);
    const created = new electron.BrowserWindow(
      mainWindowOptions({ preloadPath: paths.preload, state, title: app.getName() }),
    );
    ipc?.trust(created.webContents);
    trackWindowState(created, stateFile(), log);
    if (state.maximized) created.maximize();
    created.once('ready-to-show', () => created.show());
    created.on('closed', () => {
      if (win === created) win = null;
    });
    created.loadURL(entryUrl).catch((error: unknown) => log(`could not load ${entryUrl}: ${String(error)}`));
    return created;
  };

  const showAbout = () => {
    const detail = aboutDetail({ appName: app.getName(), appVersion: app.getVersion(), versions: options.versions });
    void electron.dialog.showMessageBox(win, {
      type: 'info',
      title: `About ${app.getName()}`,
      message: app.getName(),
      detail,
      buttons: ['OK'],
    });
  };

  const onReady = () => {
    const dataDir = desktopDataDir({ argv: options.argv, env: options.env, userData: app.getPath('userData') });
    // A database that cannot be opened (StoreError) stops the start here, before anything could write to it.
    api = options.openApi(dataDir);
    denyAllPermissions(electron.session.defaultSession, log);
    registerAppProtocol(electron.protocol, paths.renderer);
    ipc = registerApiIpc({
      ipcMain: electron.ipcMain,
      dispatcher: api.dispatcher,
      bus: api.bus,
      isTrustedPage: (url) => isAppUrl(url) || (devUrl !== null && sameOrigin(url, devUrl)),
      log,
      // Parented to the main window, so the dialog is modal to it (a sheet on macOS).
      showSaveDialog: (request) => electron.dialog.showSaveDialog(win, request),
    });
    const template = buildMenuTemplate({
      appName: app.getName(),
      platform,
      isPackaged: app.isPackaged,
      command: (command) => sendMenuCommand(win?.webContents, command),
      showAbout,
    });
    electron.Menu.setApplicationMenu(electron.Menu.buildFromTemplate(template));
    win = createWindow();

    app.on('activate', () => {
      if (!win) win = createWindow();
    });
    app.on('window-all-closed', () => {
      if (platform !== 'darwin') app.quit();
    });
    app.on('will-quit', () => {
      ipc?.dispose();
      void api?.close();
      ipc = null;
      api = null;
    });
  };

  const started = app.whenReady().then(() => {
    try {
      onReady();
    } catch (error) {
      const { title, content } = describeStartupError(error);
      log(`${title}: ${content}`);
      electron.dialog.showErrorBox(title, content);
      ipc?.dispose();
      void api?.close();
      app.exit(1);
    }
  });

  return { started, mainWindow: () => win };
}

/**
 * `electron-vite dev` serves the renderer from a local dev server for hot reload and names it in
 * ELECTRON_RENDERER_URL. Honoured only in unpackaged builds and only for a loopback http URL; a packaged
 * app always loads app://.
 */
export function devServerUrl(isPackaged: boolean, env: NodeJS.ProcessEnv): string | null {
  const raw = env.ELECTRON_RENDERER_URL;
  if (isPackaged || !raw) return null;
  try {
    const url = new URL(raw);
    const loopback = url.hostname === 'localhost' || url.hostname === '127.0.0.1' || url.hostname === '[::1]';
    return url.protocol === 'http:' && loopback ? url.href : null;
  } catch {
    return null;
  }
}

function sameOrigin(a: string, b: string): boolean {
  try {
    return new URL(a).origin === new URL(b).origin;
  } catch {
    return false;
  }
}
