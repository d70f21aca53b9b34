import { describe, expect, it } from 'vitest';
import {
  denyAllPermissions,
  hardenWebContents,
  isExternalWebUrl,
  mainWindowOptions,
  secureWebPreferences,
} from '../../src-main/desktop/window';
import { DEFAULT_WINDOW_STATE } from '../../src-main/desktop/window-state';
import { createFakeElectron, FakeEvent, FakeWebContents } from './fake-electron';

describe('window security settings', () => {
  it('isolates, sandboxes and denies Node to the renderer, with web security on', () => {
    const prefs = secureWebPreferences('/app/out/preload/preload.cjs');
    expect(prefs).toMatchObject({
      preload: '/app/out/preload/preload.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
    });
  });

  it('builds the main window from the saved state, hidden until ready', () => {
    const options = mainWindowOptions({
      preloadPath: '/p.cjs',
      title: 'Broadcast Lab',
      state: { version: 1, bounds: { x: 10, y: 20, width: 1000, height: 700 }, maximized: false },
    });
    expect(options).toMatchObject({ x: 10, y: 20, width: 1000, height: 700, show: false, title: 'Broadcast Lab' });
    expect(options.webPreferences).toEqual(secureWebPreferences('/p.cjs'));
    const centred = mainWindowOptions({ preloadPath: '/p.cjs', title: 't', state: DEFAULT_WINDOW_STATE });
    expect(centred).not.toHaveProperty('x');
    expect(centred).not.toHaveProperty('y');
  });
});

describe('navigation and new windows', () => {
  const harden = () => {
    const contents = new FakeWebContents();
    const opened: string[] = [];
    const logs: string[] = [];
    hardenWebContents(contents, { openExternal: async (url) => void opened.push(url), log: (m) => logs.push(m) });
    return { contents, opened, logs };
  };

  it('blocks every navigation, including to our own origin', () => {
    const { contents, opened } = harden();
    for (const url of [
      'app://broadcast-lab/other.html',
      'file:///etc/passwd',
      'https://example.com/',
      'javascript:alert(1)',
    ]) {
      expect(contents.navigate(url), url).toBe(true);
    }
    // A web link the user followed goes to the system browser instead; nothing else leaves the app.
    expect(opened).toEqual(['https://example.com/']);
  });

  it('denies window.open and hands only http(s) links to the system browser', async () => {
    const { contents, opened } = harden();
    expect(contents.open('https://arxiv.org/abs/1234.5678')).toBe('deny');
    expect(contents.open('http://example.org/')).toBe('deny');
    expect(contents.open('app://broadcast-lab/index.html')).toBe('deny');
    expect(contents.open('file:///etc/passwd')).toBe('deny');
    expect(contents.open('smb://server/share')).toBe('deny');
    expect(opened).toEqual(['https://arxiv.org/abs/1234.5678', 'http://example.org/']);
  });

  it('blocks redirects and <webview>', () => {
    const { contents } = harden();
    const redirect = new FakeEvent();
    contents.emit('will-redirect', redirect, 'https://example.com/');
    expect(redirect.defaultPrevented).toBe(true);
    const webview = new FakeEvent();
    contents.emit('will-attach-webview', webview, {}, {});
    expect(webview.defaultPrevented).toBe(true);
  });

  it('logs instead of throwing when the browser cannot be opened', async () => {
    const contents = new FakeWebContents();
    const logs: string[] = [];
    hardenWebContents(contents, {
      openExternal: () => Promise.reject(new Error('no browser')),
      log: (m) => logs.push(m),
    });
    expect(contents.open('https://example.com/')).toBe('deny');
    await new Promise((resolve) => setImmediate(resolve));
    expect(logs.join('\n')).toMatch(/could not open https:\/\/example.com\/.*no browser/);
  });

  it('knows which URLs are plain web links', () => {
    expect(isExternalWebUrl('https://a.b/')).toBe(true);
    expect(isExternalWebUrl('http://a.b/')).toBe(true);
    for (const url of ['file:///x', 'app://broadcast-lab/', 'javascript:void 0', 'mailto:a@b', 'garbage'])
      expect(isExternalWebUrl(url)).toBe(false);
  });
});

describe('permissions', () => {
  it('denies every permission request, check and device', () => {
    const electron = createFakeElectron({ userData: '/tmp/unused' });
    denyAllPermissions(electron.session.defaultSession);
    const answers: boolean[] = [];
    for (const permission of [
      'media',
      'geolocation',
      'notifications',
      'clipboard-read',
      'openExternal',
      'fullscreen',
    ]) {
      electron.permissions.request?.(null, permission, (granted) => answers.push(granted));
      expect(electron.permissions.check?.(null, permission)).toBe(false);
    }
    expect(answers).toEqual([false, false, false, false, false, false]);
    expect(electron.permissions.device?.({ deviceType: 'usb' })).toBe(false);
  });
});
