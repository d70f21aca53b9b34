import fs from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

import { CHROMIUM, E2E_FLAGS } from '../../test/e2e/harness';

export { CHROMIUM, E2E_FLAGS };

/**
 * Timers and rAF of a page Chromium thinks is hidden get throttled; a headless page can count as one. These keep
 * the page at full rate so that what is measured is the app, not a power-saving policy.
 */
export const NO_THROTTLING_FLAGS = [
  '--disable-background-timer-throttling',
  '--disable-renderer-backgrounding',
  '--disable-backgrounding-occluded-windows',
];

/**
 * Instead of --disable-gpu: the canvas is drawn by the GPU process on SwiftShader (Chromium's CPU implementation of
 * the GPU APIs), so the renderer's main thread only records drawing commands, as with a real GPU.
 */
export const GPU_CANVAS_FLAGS = ['--use-angle=swiftshader', '--enable-unsafe-swiftshader'];

/** Extra flags from BENCH_CHROMIUM_FLAGS (space-separated), e.g. to try --disable-gpu-vsync on another build. */
export function extraFlags(): string[] {
  return (process.env.BENCH_CHROMIUM_FLAGS ?? '').split(/\s+/).filter(Boolean);
}

export interface BenchBrowser {
  browser: Browser;
  flags: string[];
  version: string;
}

export async function launchChromium(flags: readonly string[]): Promise<BenchBrowser> {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: [...flags] });
  return { browser, flags: [...flags], version: browser.version() };
}

/**
 * Intervals between requestAnimationFrame callbacks of an idle page. Headless Chromium drives frames from its own
 * begin-frame source; this says whether that is a 60 Hz clock or unthrottled, which decides how frame intervals
 * read. Passed as a string: page functions written in TypeScript would carry tsx's name helpers into the page.
 */
export async function idleFrameIntervals(page: Page, frames = 120): Promise<number[]> {
  const script = `new Promise((resolve) => {
    const stamps = [];
    const step = (t) => { stamps.push(t); if (stamps.length > ${frames}) resolve(stamps.slice(1).map((s, i) => s - stamps[i])); else requestAnimationFrame(step); };
    requestAnimationFrame(step);
  })`;
  return (await page.evaluate(script)) as number[];
}
