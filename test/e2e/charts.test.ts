import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ExperimentSpecInput } from '../../shared/schemas/experiment';
import { collectErrors, openLab, type Lab } from './harness';
import { MonitorPage } from './pages/monitor-page';

interface SeriesReply {
  points: { step: number; value: number }[];
}
interface HoverItem {
  label: string;
  x: number;
  y: number;
}

const SPEC: ExperimentSpecInput = {
  name: 'GM: one BP run to plot',
  dataset: { name: 'gaussian-mixture', trainSubset: 600 },
  network: { hidden: [{ units: 8 }] },
  rules: [{ rule: 'bp' }],
  seeds: [1],
  epochs: 2,
  batchSize: 16,
  monitoring: { readEvery: 1 },
};

/** Four arms, BP second and two EBD arms: colours must follow the rule, not the arm's place. */
const MIXED: ExperimentSpecInput = {
  name: 'GM: rules in another order',
  dataset: { name: 'gaussian-mixture', trainSubset: 200 },
  network: { hidden: [{ units: 8 }] },
  rules: [
    { rule: 'dfa', label: 'DFA' },
    { rule: 'bp', label: 'BP' },
    { rule: 'ebd', label: 'EBD' },
    { rule: 'ebd', label: 'EBD slow', params: { lambda: 0.9 } },
  ],
  seeds: [1],
  epochs: 1,
  batchSize: 16,
};

/** Removes OffscreenCanvas handover before the app loads, as in a browser without it. */
const WITHOUT_OFFSCREEN = 'delete HTMLCanvasElement.prototype.transferControlToOffscreen;';

describe('live charts: chart.js in the chart worker, on the page where the worker is unavailable', () => {
  let lab: Lab;
  let experimentId = 0;
  let runId = 0;
  let stored: SeriesReply['points'] = [];
  /** What the chart plotted when drawn in the worker: the seed, the band's edges and the mean, every point. */
  let plottedInWorker = 0;

  beforeAll(async () => {
    lab = await openLab();
    const session = (await lab.invoke('sessions.create', { name: 'Charts' })) as { id: number };
    const experiment = (await lab.invoke('experiments.create', { sessionId: session.id, spec: SPEC })) as {
      id: number;
    };
    experimentId = experiment.id;
    const [run] = (await lab.invoke('experiments.start', { id: experimentId })) as { id: number }[];
    runId = run!.id;
    // expect.poll is for tests only; beforeAll waits by hand.
    for (let waited = 0; ; waited += 200) {
      const { status } = (await lab.invoke('runs.get', { id: runId })) as { status: string };
      if (status === 'completed') break;
      if (waited > 60_000 || !['queued', 'running'].includes(status)) throw new Error(`the run is ${status}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    stored = ((await lab.invoke('metrics.series', { runId, name: 'loss', split: 'train' })) as SeriesReply).points;
  });

  afterAll(async () => {
    await lab?.close();
  });

  /** Opens the finished experiment in the Monitor of a fresh page and waits for its loss curve. */
  async function monitorPage(prepare: (page: Page) => Promise<unknown> = async () => undefined) {
    const page = await lab.context.newPage();
    const errors = collectErrors(page);
    await prepare(page);
    await page.goto(`${lab.server.url}#monitor/${experimentId}`);
    const monitor = new MonitorPage(page);
    await monitor.waitForPoints('chart-train-loss', stored.length);
    return { page, errors, chart: monitor.chart('chart-train-loss') };
  }

  /** Moves the pointer across the plot until the chart reports what its tooltip shows. */
  async function hover(page: Page, chart: ReturnType<MonitorPage['chart']>): Promise<HoverItem[]> {
    const box = await chart.locator('canvas').boundingBox();
    if (!box) throw new Error('the chart has no canvas on screen');
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.5);
    const spans = chart.getByTestId('chart-hover').locator('span');
    await expect.poll(() => spans.count(), { timeout: 10_000 }).toBeGreaterThan(0);
    return spans.evaluateAll((nodes) =>
      nodes.map((n) => ({
        label: n.getAttribute('data-label') ?? '',
        x: Number(n.getAttribute('data-x')),
        y: Number(n.getAttribute('data-y')),
      })),
    );
  }

  /** Moving the pointer off the chart clears what it reported. */
  async function leave(page: Page, chart: ReturnType<MonitorPage['chart']>): Promise<void> {
    await page.mouse.move(1, 1);
    await expect.poll(() => chart.getByTestId('chart-hover').locator('span').count()).toBe(0);
  }

  /**
   * The hovered points are ones the run stored, near the middle of the step axis. With one seed its line, the
   * band's edges and the mean coincide, so the tooltip lists the same point for each.
   */
  function expectStoredPoint(items: HoverItem[]) {
    expect(items.length).toBeGreaterThan(0);
    const steps = stored.map((p) => p.step);
    const middle = (Math.min(...steps) + Math.max(...steps)) / 2;
    const span = Math.max(...steps) - Math.min(...steps);
    for (const item of items) {
      expect(stored.find((p) => p.step === item.x)?.value).toBe(item.y);
      expect(Math.abs(item.x - middle)).toBeLessThan(span * 0.15);
    }
    expect(items.map((i) => i.label)).toEqual(expect.arrayContaining(['Backpropagation · seed 1', 'Backpropagation']));
  }

  test('by default chart.js draws in the worker, and the tooltip follows the pointer forwarded from the page', async () => {
    const { page, errors, chart } = await monitorPage();
    expect(await chart.getAttribute('data-renderer')).toBe('worker');
    plottedInWorker = Number(await chart.getAttribute('data-points'));
    expect(plottedInWorker).toBeGreaterThanOrEqual(stored.length);
    // The page no longer owns a 2D context on the canvas: it was handed to the worker.
    expect(
      await chart.locator('canvas').evaluate((c: { getContext(kind: string): unknown }) => {
        try {
          c.getContext('2d');
          return 'page';
        } catch {
          return 'transferred';
        }
      }),
    ).toBe('transferred');
    expectStoredPoint(await hover(page, chart));
    await leave(page, chart);

    // A click reaches chart.js too: the legend's one item (the mean, centred above the plot) hides its line,
    // which the tooltip then leaves out.
    const box = (await chart.locator('canvas').boundingBox())!;
    await page.mouse.click(box.x + box.width / 2, box.y + 16);
    const labels = (await hover(page, chart)).map((item) => item.label);
    expect(labels).toContain('Backpropagation · seed 1');
    expect(labels).not.toContain('Backpropagation');
    expect(errors).toEqual([]);
    await page.close();
  });

  /** Polls until the drawn canvas matches its box (within the rounding of one CSS pixel) and returns the sizes. */
  async function expectUndistorted(monitor: MonitorPage) {
    const matches = async () => {
      const { drawn, shown } = await monitor.canvasSizes('chart-train-loss');
      const ratio = await monitor.page.evaluate('window.devicePixelRatio');
      const near = (a: number, b: number) => Math.abs(a - b) <= Number(ratio) + 0.5;
      return drawn.height > 0 && near(drawn.width, shown.width) && near(drawn.height, shown.height);
    };
    await expect.poll(matches, { timeout: 10_000 }).toBe(true);
    return monitor.canvasSizes('chart-train-loss');
  }

  test('a two-epoch run has a curve of test accuracy, not two dots: at least 20 points, plotted', async () => {
    const tested = ((await lab.invoke('metrics.series', { runId, name: 'accuracy', split: 'test' })) as SeriesReply)
      .points;
    expect(tested.length).toBeGreaterThanOrEqual(20);
    const { page, errors } = await monitorPage();
    await new MonitorPage(page).waitForPoints('chart-test-accuracy', tested.length);
    expect(errors).toEqual([]);
    await page.close();
  });

  test('the canvas is drawn at the size it is shown, on resize and at a device pixel ratio of 2', async () => {
    const { page, errors } = await monitorPage();
    const monitor = new MonitorPage(page);
    const wide = await expectUndistorted(monitor);
    await page.setViewportSize({ width: 1600, height: 900 });
    // Charts this wide are far from chart.js's default 2:1 shape, which the box used to stretch or squash.
    const wider = await expectUndistorted(monitor);
    expect(wider.drawn.width).toBeGreaterThan(wide.drawn.width);
    expect(Math.abs(wider.drawn.height - wider.drawn.width / 2)).toBeGreaterThan(40);
    await page.setViewportSize({ width: 800, height: 600 });
    const narrow = await expectUndistorted(monitor);
    expect(narrow.drawn.width).not.toBe(wider.drawn.width);
    await page.close();

    const sharp = await lab.browser.newContext({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 2 });
    const retina = await sharp.newPage();
    await retina.goto(`${lab.server.url}#monitor/${experimentId}`);
    const retinaMonitor = new MonitorPage(retina);
    await retinaMonitor.waitForPoints('chart-train-loss', stored.length);
    const doubled = await expectUndistorted(retinaMonitor);
    expect(doubled.drawn.width).toBeGreaterThan(wide.drawn.width * 1.5);
    await sharp.close();
    expect(errors).toEqual([]);
  });

  test('every rule has its own colour and dash wherever its arm is, BP light on the dark theme', async () => {
    const session = (await lab.invoke('sessions.create', { name: 'Colours' })) as { id: number };
    const mixed = (await lab.invoke('experiments.create', { sessionId: session.id, spec: MIXED })) as { id: number };
    const runs = (await lab.invoke('experiments.start', { id: mixed.id })) as { id: number; rule: string }[];
    const page = await lab.context.newPage();
    const errors = collectErrors(page);
    await page.goto(`${lab.server.url}#monitor/${mixed.id}`);
    const monitor = new MonitorPage(page);
    for (const run of runs) await monitor.waitForStatus(run.id, 'completed', 60_000);
    await monitor.waitForPoints('chart-train-loss', 4);
    const legend = async () => new Map((await monitor.legend('chart-train-loss')).map((e) => [e.label, e]));

    const light = await legend();
    // DFA's dash is 2 line widths on, 2 off; a mean is 3 px wide.
    expect(light.get('DFA')).toMatchObject({ color: '#0072B2', dash: '6 6' });
    // BP is the second arm here and the first in the other experiment: the same black, solid, in both.
    expect(light.get('BP')).toMatchObject({ color: '#000000', dash: '' });
    expect(light.get('EBD')).toMatchObject({ color: '#E69F00', dash: '' });
    // A second EBD arm keeps EBD's colour and takes a dash of its own.
    expect(light.get('EBD slow')?.color).toBe('#E69F00');
    expect(light.get('EBD slow')?.dash).not.toBe('');
    const bpRun = runs.find((r) => r.rule === 'bp')!;
    expect(await monitor.swatchColour(bpRun.id)).toBe('rgb(0, 0, 0)');

    const first = await lab.context.newPage();
    await first.goto(`${lab.server.url}#monitor/${experimentId}`);
    const firstMonitor = new MonitorPage(first);
    await firstMonitor.waitForPoints('chart-train-loss', stored.length);
    expect(await firstMonitor.legend('chart-train-loss')).toEqual([
      { label: 'Backpropagation', color: '#000000', dash: '' },
    ]);
    await first.close();

    await monitor.shell.toggleTheme();
    expect(await monitor.shell.theme()).toBe('dark');
    await expect.poll(async () => (await legend()).get('BP')?.color).toBe('#E8E8E8');
    expect((await legend()).get('DFA')?.color).toBe('#0072B2');
    expect(await monitor.swatchColour(bpRun.id)).toBe('rgb(232, 232, 232)');
    await monitor.shell.toggleTheme();
    expect(errors).toEqual([]);
    await page.close();
  });

  test('without OffscreenCanvas the same chart draws on the page, with the same tooltip', async () => {
    const { page, errors, chart } = await monitorPage((p) => p.addInitScript(WITHOUT_OFFSCREEN));
    expect(await chart.getAttribute('data-renderer')).toBe('page');
    expect(Number(await chart.getAttribute('data-points'))).toBe(plottedInWorker);
    await expectUndistorted(new MonitorPage(page));
    expectStoredPoint(await hover(page, chart));
    await leave(page, chart);
    expect(errors).toEqual([]);
    await page.close();
  });

  test('when the worker cannot load, every chart falls back to the page and still draws', async () => {
    const { page, chart } = await monitorPage((p) =>
      p.route(/chart\.worker[^/]*\.js/, (route) => route.fulfill({ status: 404, body: 'gone' })),
    );
    await expect.poll(() => chart.getAttribute('data-renderer'), { timeout: 10_000 }).toBe('page');
    expect(Number(await chart.getAttribute('data-points'))).toBe(plottedInWorker);
    expectStoredPoint(await hover(page, chart));
    await page.close();
  });
});
