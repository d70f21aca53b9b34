/**
 * Input latency while a run streams metrics (issue #4): the real serve-mode server on a temporary data folder, an
 * experiment started through the API that streams metrics the whole time (synthetic gaussian-mixture, a small MLP,
 * many epochs, a loss read every few steps), the Monitor view open on it in Debian's Chromium, and three user
 * actions repeated: switching the diagnostic (keyboard on the select), the theme toggle, and the Monitor ↔ Sessions
 * tabs. Each is timed in the page from the input event's timeStamp to the first requestAnimationFrame callback
 * after the DOM shows the response (bench/browser/latency-probe.ts). The same again with the runs stopped, for
 * contrast. Target: median ≤ 100 ms while streaming.
 *
 *   npx tsx bench/latency.bench.ts [--samples 30] [--build]     (or `npm run bench latency`)
 *
 * Uses out/ (the serve build); builds it when missing or with --build, and says when sources are newer.
 * Exits non-zero only when it could not measure; a missed target prints MISSED.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Page } from 'playwright-core';
import { makeDataDir, REPO_ROOT, SERVER_JS, startServer, type ServerHandle } from '../test/e2e/harness';
import { E2E_FLAGS, extraFlags, launchChromium, NO_THROTTLING_FLAGS } from './browser/chromium';
import type { ProbeCondition, ProbeTiming } from './browser/latency-types';
import { pageScript } from './browser/page-script';
import { machineLine, ms, printTable, type Row } from './browser/report';
import { median, percentile } from './browser/stats';

/**
 * Exists in the page, where waitForFunction's callbacks run (inline arrows, so that tsx adds no helpers to them;
 * the app's CSP forbids the eval that string predicates would need). This file compiles without the DOM library.
 */
declare const document: {
  querySelectorAll(selector: string): { length: number };
  querySelector(selector: string): { disabled: boolean; options: { length: number } } | null;
};

const TARGET_MEDIAN_MS = 100;
const SAMPLE_TIMEOUT_MS = 10_000;
/** Fewer metric batches than this per second while "streaming" would not be the situation the bench is about. */
const MIN_BATCHES_PER_S = 2;
const PROBE = path.join(REPO_ROOT, 'bench', 'browser', 'latency-probe.ts');
const RENDERER_HTML = path.join(REPO_ROOT, 'out', 'renderer', 'index.html');

const { values } = parseArgs({
  options: {
    samples: { type: 'string', default: '30' },
    build: { type: 'boolean', default: false },
  },
});
const samples = Number(values.samples);

/** Many epochs of a small problem, with the loss read every 5 steps: metric batches arrive all the time. */
const SPEC = {
  name: 'latency bench: streaming',
  dataset: { name: 'gaussian-mixture', trainSubset: 4000, validationFraction: 0.1 },
  network: { hidden: [{ units: 64, activation: 'tanh' }] },
  rules: [{ rule: 'ebd' }, { rule: 'bp' }],
  seeds: [1],
  epochs: 1000,
  batchSize: 16,
  monitoring: { readEvery: 5, diagnosticsEvery: 20, checkpointEvery: 0 },
};

interface RunRecord {
  id: number;
  status: string;
}

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(full) : fs.statSync(full).mtimeMs);
  }
  return newest;
}

function ensureServeBuild(): void {
  if (values.build || !fs.existsSync(SERVER_JS) || !fs.existsSync(RENDERER_HTML)) {
    console.log('building the app (electron-vite build) …');
    const built = spawnSync('npx', ['electron-vite', 'build', '--config', 'electron.config.ts'], {
      cwd: REPO_ROOT,
      stdio: 'inherit',
    });
    if (built.status !== 0) throw new Error('electron-vite build failed');
    return;
  }
  const builtAt = fs.statSync(RENDERER_HTML).mtimeMs;
  const sources = Math.max(...['src-renderer', 'src-main', 'shared'].map((d) => newestSource(path.join(REPO_ROOT, d))));
  console.log(
    `serve build from ${new Date(builtAt).toISOString()}` +
      (sources > builtAt ? ' — sources are newer; pass --build to measure them' : ' (up to date)'),
  );
}

function invoker(server: ServerHandle) {
  return async <T>(method: string, payload: unknown): Promise<T> => {
    const response = await fetch(`${server.origin}/api/invoke/${method}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${server.token}` },
      body: JSON.stringify(payload),
    });
    const outcome = (await response.json()) as { ok: boolean; result?: T; error?: { message: string } };
    if (!outcome.ok) throw new Error(`${method} failed: ${outcome.error?.message ?? response.status}`);
    return outcome.result as T;
  };
}

interface Action {
  name: string;
  /** Run before arming: moves focus or view into place without causing the response. */
  prepare?(page: Page, i: number): Promise<void>;
  condition(i: number): ProbeCondition;
  perform(page: Page, i: number): Promise<void>;
}

const DIAGNOSTIC = '[data-testid="monitor-diagnostic"]';

const ACTIONS: Action[] = [
  {
    name: 'diagnostic select (keyboard)',
    async prepare(page) {
      await page.locator(DIAGNOSTIC).focus();
    },
    // Another metric re-creates the per-layer charts, titled "Layer k · metric".
    condition: () => ({ selector: '[data-testid^="chart-diagnostic-layer"] figcaption', text: true }),
    // Arrow keys change a closed <select> at once on Linux and Windows; alternate so as not to stick at an end.
    perform: (page, i) => page.keyboard.press(i % 2 === 0 ? 'ArrowDown' : 'ArrowUp'),
  },
  {
    name: 'theme toggle (click)',
    condition: () => ({ selector: 'html', attribute: 'data-theme' }),
    perform: (page) => page.getByTestId('theme-toggle').click(),
  },
  {
    name: 'tab Monitor → Sessions (click)',
    condition: () => ({ selector: '[data-testid="view-sessions"]' }),
    perform: (page) => page.getByTestId('nav-sessions').click(),
  },
  {
    name: 'tab Sessions → Monitor (click)',
    condition: () => ({ selector: '[data-testid="view-monitor"]' }),
    perform: (page) => page.getByTestId('nav-monitor').click(),
  },
];

interface Latency {
  toFrame: number;
  toPaint: number;
}

async function sample(page: Page, action: Action, i: number): Promise<Latency> {
  await action.prepare?.(page, i);
  await page.evaluate(`window.__latencyProbe.arm(${JSON.stringify(action.condition(i))})`);
  await action.perform(page, i);
  const timing = (await Promise.race([
    page.evaluate('window.__latencyProbe.result()'),
    page.waitForTimeout(SAMPLE_TIMEOUT_MS).then(async () => {
      const seen = (await page.evaluate('window.__latencyProbe.state()')) as string;
      throw new Error(`${action.name}: no response within ${SAMPLE_TIMEOUT_MS} ms (${seen})`);
    }),
  ])) as ProbeTiming;
  return { toFrame: timing.frame - timing.input, toPaint: timing.painted - timing.input };
}

async function waitForMonitor(page: Page, runs: number): Promise<void> {
  await page.getByTestId('view-monitor').waitFor();
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid="run-row"]').length >= n, runs);
  await page.waitForFunction(
    (selector) => {
      const select = document.querySelector(selector);
      return select !== null && !select.disabled && select.options.length >= 2;
    },
    DIAGNOSTIC,
    { timeout: 60_000 },
  );
}

/** Every action `samples` times; the tab actions alternate, so the view ends where it began (the Monitor). */
async function measure(page: Page, runs: number): Promise<Map<string, Latency[]>> {
  const results = new Map<string, Latency[]>(ACTIONS.map((a) => [a.name, []]));
  const pause = () => page.waitForTimeout(200 + Math.random() * 200);
  const [diagnostic, theme, toSessions, toMonitor] = ACTIONS as [Action, Action, Action, Action];
  for (let i = 0; i < samples; i++) {
    results.get(diagnostic.name)!.push(await sample(page, diagnostic, i));
    await pause();
  }
  // An even count leaves the theme as it was.
  for (let i = 0; i < samples + (samples % 2); i++) {
    results.get(theme.name)!.push(await sample(page, theme, i));
    await pause();
  }
  for (let i = 0; i < samples; i++) {
    results.get(toSessions.name)!.push(await sample(page, toSessions, i));
    await pause();
    results.get(toMonitor.name)!.push(await sample(page, toMonitor, i));
    await pause();
  }
  await waitForMonitor(page, runs);
  return results;
}

function rows(results: Map<string, Latency[]>, judged: boolean): Row[] {
  const out: Row[] = [];
  for (const [name, list] of results) {
    const toFrame = list.map((l) => l.toFrame);
    const toPaint = list.map((l) => l.toPaint);
    const mid = median(toFrame);
    out.push({
      label: `${name}, n=${list.length}: median / p95`,
      value: `${ms(mid)} / ${ms(percentile(toFrame, 95))}`,
      ...(judged ? { target: `median ≤ ${TARGET_MEDIAN_MS} ms`, pass: mid <= TARGET_MEDIAN_MS } : {}),
    });
    out.push({
      label: '  to the end of that frame: median / p95',
      value: `${ms(median(toPaint))} / ${ms(percentile(toPaint, 95))}`,
    });
  }
  return out;
}

async function main(): Promise<number> {
  console.log(machineLine());
  ensureServeBuild();
  const dataDir = makeDataDir();
  const server = await startServer({ dataDir });
  const flags = [...E2E_FLAGS, ...NO_THROTTLING_FLAGS, ...extraFlags()];
  const { browser, version } = await launchChromium(flags);
  try {
    const invoke = invoker(server);
    const session = await invoke<{ id: number }>('sessions.create', { name: 'latency bench' });
    const experiment = await invoke<{ id: number }>('experiments.create', { sessionId: session.id, spec: SPEC });
    const runs = await invoke<RunRecord[]>('experiments.start', { id: experiment.id });
    const statuses = () => Promise.all(runs.map((r) => invoke<RunRecord>('runs.get', { id: r.id })));

    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.addInitScript({ content: await pageScript(PROBE) });
    let batches = 0;
    page.on('websocket', (socket) =>
      socket.on('framereceived', (frame) => {
        if (typeof frame.payload === 'string' && frame.payload.includes('"metrics.batch"')) batches += 1;
      }),
    );
    await page.goto(`${server.url}#monitor/${experiment.id}`);
    await waitForMonitor(page, runs.length);

    const streamStart = performance.now();
    const batchesBefore = batches;
    const streaming = await measure(page, runs.length);
    const batchesPerS = (batches - batchesBefore) / ((performance.now() - streamStart) / 1000);
    const finalStatuses = await statuses();
    const stillRunning = finalStatuses.filter((r) => r.status === 'running').length;
    const loadStreaming = machineLine();

    for (const run of runs) await invoke('runs.stop', { id: run.id }).catch(() => undefined);
    for (let waited = 0; (await statuses()).some((r) => r.status === 'running'); waited += 250) {
      if (waited > 30_000) throw new Error('runs did not stop within 30 s');
      await page.waitForTimeout(250);
    }
    await page.waitForTimeout(1000);
    const idleStart = batches;
    const idle = await measure(page, runs.length);

    console.log(`Chromium ${version}; flags: ${flags.join(' ')}`);
    console.log(
      `streaming: ${runs.length} runs (${SPEC.rules.map((r) => r.rule).join(', ')}), ${batchesPerS.toFixed(1)} metrics.batch ` +
        `events/s reached the page, run statuses at the end: ${finalStatuses.map((r) => r.status).join(', ')}; idle: ${batches - idleStart} batches`,
    );
    printTable('Input → first frame showing the response, while runs stream metrics', [
      ...rows(streaming, true),
      { label: 'machine during this part', value: loadStreaming.replace(/.*load average/, 'load') },
    ]);
    printTable('The same with the runs stopped', rows(idle, false));
    console.log(machineLine());

    const complete = [...streaming.values(), ...idle.values()].every((l) => l.length >= samples);
    if (errors.length > 0) console.error(`page errors:\n${errors.join('\n')}`);
    if (!complete) console.error('could not measure: some actions have fewer samples than asked');
    if (batchesPerS < MIN_BATCHES_PER_S || stillRunning === 0) {
      console.error(
        `could not measure while streaming: ${batchesPerS.toFixed(1)} batches/s, ${stillRunning} runs running`,
      );
      return 1;
    }
    return complete && errors.length === 0 ? 0 : 1;
  } finally {
    await browser.close();
    await server.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
  },
);
