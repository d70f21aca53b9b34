/**
 * A fake of the Electron main-process modules the shell uses — the one fake these tests allow, since no
 * Electron binary runs here. Each piece records what the shell did to it and offers a helper to play the
 * part of Chromium (navigate, open a window, send an IPC message, close). The shapes follow the structural
 * types in src-main/desktop/, so the compiler checks the fake against the same contract as the real thing.
 */
import { EventEmitter } from 'node:events';
import type {
  BrowserWindowConstructorOptions,
  CustomScheme,
  MenuItemConstructorOptions,
  MessageBoxOptions,
  SaveDialogOptions,
} from 'electron';
import type { FrameLike, InvokeEventLike } from '../../src-main/desktop/ipc';
import type { ShellElectron, ShellWindow } from '../../src-main/desktop/shell';
import type { Rect } from '../../src-main/desktop/window-state';

export class FakeFrame implements FrameLike {
  constructor(
    public url: string,
    public parent: FakeFrame | null,
    public processId: number,
    public routingId: number,
  ) {}
}

/** An event a listener may cancel, like Electron's. */
export class FakeEvent {
  defaultPrevented = false;
  constructor(readonly url = '') {}
  preventDefault(): void {
    this.defaultPrevented = true;
  }
}

let nextContentsId = 1;

export class FakeWebContents extends EventEmitter {
  readonly id = nextContentsId++;
  readonly mainFrame: FakeFrame;
  readonly sent: unknown[][] = [];
  windowOpenHandler: ((details: { url: string }) => { action: 'deny' | 'allow' }) | null = null;
  private destroyed = false;

  constructor(url = 'app://broadcast-lab/index.html') {
    super();
    this.mainFrame = new FakeFrame(url, null, 7, 1000 + this.id);
  }

  send(channel: string, ...args: unknown[]): void {
    this.sent.push([channel, ...args]);
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.emit('destroyed');
  }
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' }): void {
    this.windowOpenHandler = handler;
  }

  /** A page-initiated navigation of the main frame; true when some listener prevented it. */
  navigate(url: string): boolean {
    const event = new FakeEvent(url);
    this.emit('will-navigate', event, url);
    const frameEvent = new FakeEvent(url);
    this.emit('will-frame-navigate', frameEvent);
    return event.defaultPrevented && frameEvent.defaultPrevented;
  }
  /** window.open from the page: what the handler decided. */
  open(url: string): 'deny' | 'allow' {
    return this.windowOpenHandler ? this.windowOpenHandler({ url }).action : 'allow';
  }
  /** A reload: Chromium starts a new main-frame document. */
  reload(): void {
    this.emit('did-start-navigation', { isMainFrame: true, isSameDocument: false, url: this.mainFrame.url });
  }
  /** An invoke event as ipcMain hands it to a handler, from the main frame unless told otherwise. */
  invokeEvent(frame: FakeFrame | null = this.mainFrame): InvokeEventLike {
    return { sender: this, senderFrame: frame };
  }
}

export class FakeIpcMain {
  readonly handlers = new Map<string, (event: InvokeEventLike, ...args: unknown[]) => Promise<unknown>>();
  handle(channel: string, listener: (event: InvokeEventLike, ...args: unknown[]) => Promise<unknown>): void {
    if (this.handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    this.handlers.set(channel, listener);
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }
  /** What ipcRenderer.invoke(channel, ...args) from `event`'s sender would resolve to. */
  async invoke(channel: string, event: InvokeEventLike, ...args: unknown[]): Promise<unknown> {
    const handler = this.handlers.get(channel);
    if (!handler) throw new Error(`No handler registered for '${channel}'`);
    // Electron structured-clones the arguments; do the same so no test passes a live object by accident.
    return handler(event, ...structuredClone(args));
  }
}

export class FakeApp extends EventEmitter {
  isPackaged = false;
  lockAvailable = true;
  readonly calls: string[] = [];
  exitCode: number | undefined;
  private readyResolve!: () => void;
  private readonly ready = new Promise<void>((resolve) => (this.readyResolve = resolve));

  constructor(private readonly userData: string) {
    super();
  }
  getName(): string {
    return 'Broadcast Lab';
  }
  getVersion(): string {
    return '0.1.0';
  }
  getPath(name: 'userData'): string {
    if (name !== 'userData') throw new Error(`unexpected getPath(${String(name)})`);
    return this.userData;
  }
  requestSingleInstanceLock(): boolean {
    this.calls.push('requestSingleInstanceLock');
    return this.lockAvailable;
  }
  whenReady(): Promise<void> {
    return this.ready;
  }
  /** Plays Electron's 'ready'. */
  becomeReady(): void {
    this.calls.push('ready');
    this.readyResolve();
  }
  quit(): void {
    this.calls.push('quit');
  }
  exit(exitCode = 0): void {
    this.calls.push('exit');
    this.exitCode = exitCode;
  }
}

export interface FakeElectron extends ShellElectron {
  app: FakeApp;
  ipcMain: FakeIpcMain;
  windows: FakeBrowserWindow[];
  privileged: CustomScheme[];
  protocolHandlers: Map<string, (request: Request) => Response | Promise<Response>>;
  menus: { template: MenuItemConstructorOptions[] }[];
  errorBoxes: { title: string; content: string }[];
  messageBoxes: MessageBoxOptions[];
  /** Every save dialog the shell opened, with the window it was parented to. */
  saveDialogs: { window: unknown; options: SaveDialogOptions }[];
  /** What the next save dialog answers: the path the user picks, or null for Cancel. */
  saveDialogAnswer: string | null;
  opened: string[];
  permissions: {
    request?: (contents: unknown, permission: string, callback: (granted: boolean) => void) => void;
    check?: (contents: unknown, permission: string) => boolean;
    device?: (details: unknown) => boolean;
  };
  displays: { workArea: Rect }[];
  /** Order in which the shell touched things, for before/after-ready checks. */
  log: string[];
}

export interface FakeBrowserWindow extends ShellWindow {
  readonly options: BrowserWindowConstructorOptions;
  readonly webContents: FakeWebContents;
  readonly loaded: string[];
  shown: boolean;
  focused: number;
  maximized: boolean;
  fullScreen: boolean;
  minimized: boolean;
  normalBounds: Rect;
  /** The user closes the window: 'close', then 'closed' and the webContents is destroyed. */
  close(): void;
}

export function createFakeElectron(options: { userData: string }): FakeElectron {
  const log: string[] = [];
  const app = new FakeApp(options.userData);
  const windows: FakeBrowserWindow[] = [];

  class BrowserWindow extends EventEmitter implements FakeBrowserWindow {
    readonly webContents = new FakeWebContents();
    readonly loaded: string[] = [];
    shown = false;
    focused = 0;
    maximized = false;
    fullScreen = false;
    minimized = false;
    normalBounds: Rect;
    private destroyed = false;

    constructor(readonly options: BrowserWindowConstructorOptions) {
      super();
      log.push('new BrowserWindow');
      this.normalBounds = {
        x: options.x ?? 10,
        y: options.y ?? 10,
        width: options.width ?? 800,
        height: options.height ?? 600,
      };
      windows.push(this);
      app.emit('web-contents-created', {}, this.webContents);
    }
    async loadURL(url: string): Promise<void> {
      this.loaded.push(url);
      this.webContents.mainFrame.url = url;
      this.emit('ready-to-show');
    }
    show(): void {
      this.shown = true;
    }
    focus(): void {
      this.focused++;
    }
    restore(): void {
      this.minimized = false;
    }
    maximize(): void {
      this.maximized = true;
    }
    isMinimized(): boolean {
      return this.minimized;
    }
    isMaximized(): boolean {
      return this.maximized;
    }
    isFullScreen(): boolean {
      return this.fullScreen;
    }
    getNormalBounds(): Rect {
      return this.normalBounds;
    }
    isDestroyed(): boolean {
      return this.destroyed;
    }
    close(): void {
      this.emit('close', new FakeEvent());
      this.destroyed = true;
      this.emit('closed');
      this.webContents.destroy();
    }
  }

  const fake: FakeElectron = {
    app,
    ipcMain: new FakeIpcMain(),
    BrowserWindow,
    windows,
    privileged: [],
    protocolHandlers: new Map(),
    menus: [],
    errorBoxes: [],
    messageBoxes: [],
    saveDialogs: [],
    saveDialogAnswer: null,
    opened: [],
    permissions: {},
    displays: [{ workArea: { x: 0, y: 0, width: 1920, height: 1080 } }],
    log,
    protocol: {
      registerSchemesAsPrivileged(schemes) {
        log.push('registerSchemesAsPrivileged');
        fake.privileged.push(...schemes);
      },
      handle(scheme, handler) {
        log.push(`protocol.handle ${scheme}`);
        fake.protocolHandlers.set(scheme, handler);
      },
    },
    Menu: {
      buildFromTemplate: (template) => ({ template }),
      setApplicationMenu(menu) {
        fake.menus.push(menu as { template: MenuItemConstructorOptions[] });
      },
    },
    dialog: {
      showErrorBox(title, content) {
        fake.errorBoxes.push({ title, content });
      },
      async showMessageBox(_window, messageOptions) {
        fake.messageBoxes.push(messageOptions);
        return { response: 0 };
      },
      async showSaveDialog(window, saveOptions) {
        fake.saveDialogs.push({ window, options: saveOptions });
        const answer = fake.saveDialogAnswer;
        return answer === null ? { canceled: true, filePath: '' } : { canceled: false, filePath: answer };
      },
    },
    shell: {
      async openExternal(url) {
        fake.opened.push(url);
      },
    },
    session: {
      defaultSession: {
        setPermissionRequestHandler: (handler) => (fake.permissions.request = handler),
        setPermissionCheckHandler: (handler) => (fake.permissions.check = handler),
        setDevicePermissionHandler: (handler) => (fake.permissions.device = handler),
      },
    },
    screen: { getAllDisplays: () => fake.displays },
  };
  return fake;
}

/** Lets queued promise callbacks run (the shell's work after whenReady). */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
