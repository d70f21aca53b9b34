import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_WINDOW_STATE,
  MIN_WIDTH,
  captureWindowState,
  fitToWorkAreas,
  loadWindowState,
  saveWindowState,
  trackWindowState,
  type WindowState,
} from '../../src-main/desktop/window-state';
import { createFakeElectron } from './fake-electron';

describe('window state file', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bl-window-state-'));
    file = path.join(dir, 'nested', 'window-state.json');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('round-trips bounds and maximized through the JSON file', () => {
    const state: WindowState = { version: 1, bounds: { x: -1200, y: 40, width: 1111, height: 777 }, maximized: true };
    saveWindowState(file, state);
    expect(loadWindowState(file)).toEqual(state);
    expect(fs.readdirSync(path.dirname(file))).toEqual(['window-state.json']); // no temporary file left behind
  });

  it('falls back to the defaults for a missing file, silently', () => {
    const logs: string[] = [];
    expect(loadWindowState(file, (m) => logs.push(m))).toEqual(DEFAULT_WINDOW_STATE);
    expect(logs).toEqual([]);
  });

  it.each([
    ['not JSON', '{"version": 1, "bounds": '],
    ['empty', ''],
    ['wrong types', '{"version": 1, "bounds": {"width": "wide", "height": 600}, "maximized": false}'],
    ['absurd size', '{"version": 1, "bounds": {"width": 5, "height": 600}, "maximized": false}'],
    ['unknown version', '{"version": 2, "bounds": {"width": 900, "height": 600}, "maximized": false}'],
    ['an array', '[1, 2, 3]'],
    ['binary junk', '\u0000\u0001\u00ff'],
  ])('falls back to the defaults for a corrupt file (%s) and logs why', (_name, content) => {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
    const logs: string[] = [];
    const state = loadWindowState(file, (m) => logs.push(m));
    expect(state).toEqual(DEFAULT_WINDOW_STATE);
    expect(logs.join('\n')).toContain(file);
    // The defaults are a copy: changing them must not change the next start's defaults.
    state.bounds.width = 1;
    expect(DEFAULT_WINDOW_STATE.bounds.width).not.toBe(1);
  });

  it('falls back to the defaults when the path is a folder', () => {
    fs.mkdirSync(file, { recursive: true });
    expect(loadWindowState(file)).toEqual(DEFAULT_WINDOW_STATE);
  });

  it('refuses to save a state outside the schema', () => {
    expect(() => saveWindowState(file, { version: 1, bounds: { width: 1, height: 1 }, maximized: false })).toThrow();
    expect(fs.existsSync(file)).toBe(false);
  });
});

describe('fitting saved bounds to the displays', () => {
  const primary = { x: 0, y: 0, width: 1920, height: 1080 };
  const right = { x: 1920, y: 0, width: 1280, height: 1024 };

  it('keeps a position that is on a display', () => {
    const state: WindowState = { version: 1, bounds: { x: 2000, y: 50, width: 1000, height: 800 }, maximized: false };
    expect(fitToWorkAreas(state, [primary, right])).toEqual(state);
  });

  it('centres a window whose display is gone', () => {
    const state: WindowState = { version: 1, bounds: { x: 2000, y: 50, width: 1000, height: 800 }, maximized: true };
    expect(fitToWorkAreas(state, [primary])).toEqual({
      version: 1,
      bounds: { width: 1000, height: 800 },
      maximized: true,
    });
  });

  it('shrinks a window larger than every display and grows one below the minimum', () => {
    const huge: WindowState = { version: 1, bounds: { width: 5000, height: 4000 }, maximized: false };
    expect(fitToWorkAreas(huge, [primary]).bounds).toEqual({ width: 1920, height: 1080 });
    const tiny: WindowState = { version: 1, bounds: { x: 0, y: 0, width: 200, height: 200 }, maximized: false };
    expect(fitToWorkAreas(tiny, [primary]).bounds.width).toBe(MIN_WIDTH);
  });

  it('leaves the state alone when no display is known', () => {
    const state: WindowState = { version: 1, bounds: { x: 99999, y: 0, width: 1000, height: 800 }, maximized: false };
    expect(fitToWorkAreas(state, [])).toBe(state);
  });
});

describe('tracking a window', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bl-window-track-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('saves normal bounds and maximized on close, and skips full screen', () => {
    const electron = createFakeElectron({ userData: dir });
    const file = path.join(dir, 'window-state.json');
    const win = new electron.BrowserWindow({ x: 5, y: 6, width: 1000, height: 700 });
    const fakeWin = electron.windows[0]!;
    trackWindowState(fakeWin, file);
    fakeWin.maximized = true;
    fakeWin.normalBounds = { x: 5.4, y: 6, width: 1000.2, height: 700 };
    expect(captureWindowState(fakeWin)).toEqual({
      version: 1,
      bounds: { x: 5, y: 6, width: 1000, height: 700 },
      maximized: true,
    });
    fakeWin.close();
    expect(loadWindowState(file)).toEqual({
      version: 1,
      bounds: { x: 5, y: 6, width: 1000, height: 700 },
      maximized: true,
    });
    expect(win).toBe(fakeWin);

    new electron.BrowserWindow({ width: 900, height: 600 });
    const fakeSecond = electron.windows[1]!;
    trackWindowState(fakeSecond, file);
    fakeSecond.fullScreen = true;
    fakeSecond.close();
    expect(loadWindowState(file).bounds.width).toBe(1000); // unchanged: full screen is not a place
  });
});
