import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

/** Where the main window was and how big, kept in userData between starts. */
export const WINDOW_STATE_FILE = 'window-state.json';

export const MIN_WIDTH = 800;
export const MIN_HEIGHT = 560;

const Dimension = z.number().int().min(100).max(100_000);
const Coordinate = z.number().int().min(-100_000).max(100_000);

export const WindowState = z.object({
  version: z.literal(1),
  bounds: z.object({
    x: Coordinate.optional(),
    y: Coordinate.optional(),
    width: Dimension,
    height: Dimension,
  }),
  maximized: z.boolean(),
});
export type WindowState = z.infer<typeof WindowState>;

export const DEFAULT_WINDOW_STATE: WindowState = {
  version: 1,
  bounds: { width: 1280, height: 820 },
  maximized: false,
};

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * Reads the saved state. A missing, unreadable, corrupt or out-of-schema file gives the defaults: losing
 * a window position is harmless, refusing to start over it is not. The bad file is left for the next save
 * to replace.
 */
export function loadWindowState(file: string, log: (message: string) => void = () => {}): WindowState {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
      log(`window state ${file} unreadable, using defaults: ${String(error)}`);
    return structuredClone(DEFAULT_WINDOW_STATE);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    log(`window state ${file} is not JSON, using defaults`);
    return structuredClone(DEFAULT_WINDOW_STATE);
  }
  const parsed = WindowState.safeParse(json);
  if (!parsed.success) {
    log(`window state ${file} does not match its schema, using defaults`);
    return structuredClone(DEFAULT_WINDOW_STATE);
  }
  return parsed.data;
}

/** Writes through a temporary file and a rename, so a crash mid-write leaves the old file, not half a new one. */
export function saveWindowState(file: string, state: WindowState): void {
  const checked = WindowState.parse(state);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, JSON.stringify(checked, null, 2) + '\n', 'utf8');
  fs.renameSync(temporary, file);
}

/**
 * Makes saved bounds usable on today's displays: a window whose saved position is no longer (mostly) on
 * any display, say after unplugging a monitor, is centred instead, and no window is larger than the
 * largest work area or smaller than the minimum size.
 */
export function fitToWorkAreas(state: WindowState, workAreas: readonly Rect[]): WindowState {
  if (workAreas.length === 0) return state;
  const maxWidth = Math.max(...workAreas.map((a) => a.width));
  const maxHeight = Math.max(...workAreas.map((a) => a.height));
  const width = clamp(state.bounds.width, Math.min(MIN_WIDTH, maxWidth), maxWidth);
  const height = clamp(state.bounds.height, Math.min(MIN_HEIGHT, maxHeight), maxHeight);
  const { x, y } = state.bounds;
  const placed = x !== undefined && y !== undefined;
  const visible = placed && workAreas.some((area) => overlap({ x, y, width, height }, area) >= 0.5 * width * height);
  return {
    ...state,
    bounds: visible ? { x, y, width, height } : { width, height },
  };
}

function overlap(a: Rect, b: Rect): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  return w > 0 && h > 0 ? w * h : 0;
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(Math.max(value, low), high);
}

/** The parts of a BrowserWindow that state tracking needs. */
export interface StatefulWindow {
  isMaximized(): boolean;
  isFullScreen(): boolean;
  getNormalBounds(): Rect;
  on(event: 'close', listener: () => void): unknown;
}

/** What to save for this window now: its normal (unmaximized) bounds and whether it is maximized. */
export function captureWindowState(win: StatefulWindow): WindowState {
  const b = win.getNormalBounds();
  return {
    version: 1,
    bounds: {
      x: Math.round(b.x),
      y: Math.round(b.y),
      width: Math.max(100, Math.round(b.width)),
      height: Math.max(100, Math.round(b.height)),
    },
    maximized: win.isMaximized(),
  };
}

/** Saves the window's state when it closes. Full screen is not remembered: it is a mode, not a place. */
export function trackWindowState(win: StatefulWindow, file: string, log: (message: string) => void = () => {}): void {
  win.on('close', () => {
    if (win.isFullScreen()) return;
    try {
      saveWindowState(file, captureWindowState(win));
    } catch (error) {
      log(`could not save window state to ${file}: ${String(error)}`);
    }
  });
}
