import type { BrowserWindowConstructorOptions, WebPreferences } from 'electron';
import { isAppUrl } from './origin';
import { MIN_HEIGHT, MIN_WIDTH, type WindowState } from './window-state';

/**
 * The renderer's web preferences (Electron's security checklist): an isolated, sandboxed page without
 * Node, with web security on, that reaches the main process only through the preload's bridge.
 */
export function secureWebPreferences(preloadPath: string): WebPreferences {
  return {
    preload: preloadPath,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    experimentalFeatures: false,
    navigateOnDragDrop: false,
    spellcheck: false,
  };
}

export function mainWindowOptions(input: {
  preloadPath: string;
  state: WindowState;
  title: string;
  icon?: string;
}): BrowserWindowConstructorOptions {
  const { bounds } = input.state;
  return {
    ...(bounds.x !== undefined && bounds.y !== undefined ? { x: bounds.x, y: bounds.y } : {}),
    width: bounds.width,
    height: bounds.height,
    minWidth: MIN_WIDTH,
    minHeight: MIN_HEIGHT,
    title: input.title,
    ...(input.icon ? { icon: input.icon } : {}),
    show: false,
    backgroundColor: '#101418',
    webPreferences: secureWebPreferences(input.preloadPath),
  };
}

interface PreventableEvent {
  preventDefault(): void;
}

/** The parts of a webContents that hardening needs. */
export interface HardenableContents {
  on(event: 'will-navigate', listener: (event: PreventableEvent, url: string) => void): unknown;
  on(event: 'will-frame-navigate', listener: (event: PreventableEvent & { url: string }) => void): unknown;
  on(event: 'will-redirect', listener: (event: PreventableEvent, url: string) => void): unknown;
  on(event: 'will-attach-webview', listener: (event: PreventableEvent) => void): unknown;
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' }): void;
}

export interface HardenOptions {
  /** Opens a web link in the user's browser (shell.openExternal). */
  openExternal: (url: string) => unknown;
  log?: (message: string) => void;
}

/** Only plain web links leave the app, and only to the system browser. */
export function isExternalWebUrl(url: string): boolean {
  try {
    const { protocol } = new URL(url);
    return protocol === 'https:' || protocol === 'http:';
  } catch {
    return false;
  }
}

/**
 * No page of ours navigates or opens windows: the app is one document. Every navigation, redirect, popup
 * and <webview> is refused; http(s) links the user clicks go to the system browser instead.
 */
export function hardenWebContents(contents: HardenableContents, options: HardenOptions): void {
  const log = options.log ?? (() => {});
  const leave = (url: string) => {
    if (isExternalWebUrl(url)) {
      void Promise.resolve(options.openExternal(url)).catch((error: unknown) =>
        log(`could not open ${url}: ${String(error)}`),
      );
    } else {
      log(`blocked navigation to ${url}`);
    }
  };
  contents.on('will-navigate', (event, url) => {
    event.preventDefault();
    leave(url);
  });
  contents.on('will-frame-navigate', (event) => {
    event.preventDefault();
    if (!isAppUrl(event.url)) log(`blocked frame navigation to ${event.url}`);
  });
  contents.on('will-redirect', (event, url) => {
    event.preventDefault();
    log(`blocked redirect to ${url}`);
  });
  contents.on('will-attach-webview', (event) => {
    event.preventDefault();
    log('blocked a <webview>');
  });
  contents.setWindowOpenHandler(({ url }) => {
    leave(url);
    return { action: 'deny' };
  });
}

/** The parts of a session that permission handling needs. */
export interface PermissionSession {
  setPermissionRequestHandler(
    handler: (contents: unknown, permission: string, callback: (granted: boolean) => void) => void,
  ): void;
  setPermissionCheckHandler(handler: (contents: unknown, permission: string) => boolean): void;
  setDevicePermissionHandler(handler: (details: unknown) => boolean): void;
}

/** The lab needs no camera, location, notifications, devices or anything else a page may ask for. */
export function denyAllPermissions(session: PermissionSession, log: (message: string) => void = () => {}): void {
  session.setPermissionRequestHandler((_contents, permission, callback) => {
    log(`denied permission request: ${permission}`);
    callback(false);
  });
  session.setPermissionCheckHandler(() => false);
  session.setDevicePermissionHandler(() => false);
}
