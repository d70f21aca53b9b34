import type { Experiment } from '../../shared/schemas/records';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openLab, screenshot, type Lab } from './harness';
import { DesignPage } from './pages/design-page';
import { ComparePage } from './pages/compare-page';
import { MonitorPage } from './pages/monitor-page';
import { SessionsPage } from './pages/sessions-page';

/** Exists in the page, where waitForFunction's callback runs; this file compiles without the DOM library. */
declare const window: { location: { hash: string } };

interface SeriesReply {
  points: { step: number; value: number }[];
}

describe('Design and Monitor views against the real server and real training', () => {
  let lab: Lab;
  let design: DesignPage;
  let monitor: MonitorPage;
  let experimentId = 0;

  beforeAll(async () => {
    lab = await openLab();
    design = new DesignPage(lab.page);
    monitor = new MonitorPage(lab.page);
    const sessions = new SessionsPage(lab.page);
    await sessions.shell.waitForConnection('connected');
    await sessions.waitForList();
    await sessions.create('Design e2e');
  });

  afterAll(async () => {
    await lab?.close();
  });

  test('designs a tiny experiment; an out-of-range hyperparameter is named inline and blocks Run', async () => {
    await design.open();
    await design.chooseDataset('gaussian-mixture');
    await design.fill('design-name', 'GM: EBD vs BP');
    await design.fill('design-train-subset', 1200);
    await design.fill('design-layer-units', 16);
    await design.fill('design-seeds', '1, 2');
    // Long enough (2,400 steps, several seconds) that the first run can't finish between the test seeing it run and
    // clicking Pause, even on a fast machine: with 4 epochs it once did, and the pause found it completed.
    await design.fill('design-epochs', 32);
    await design.fill('design-batchSize', 16);
    expect(await design.arm(0).getAttribute('data-rule')).toBe('ebd');
    expect(await design.arm(1).getAttribute('data-rule')).toBe('bp');
    // Every catalogue parameter shows its default, range and paper.
    expect(await design.param(0, 'lambda').getByTestId('rule-param-input').inputValue()).toBe('0.99');
    expect(await design.param(0, 'lambda').textContent()).toContain('range 0–0.99999999');
    expect(await design.arm(0).getByTestId('rule-paper').getAttribute('href')).toContain('arxiv.org');
    await expect.poll(() => design.runButton.isEnabled()).toBe(true);

    await design.setParam(0, 'lambda', 2);
    const issue = design.param(0, 'lambda').getByTestId('field-issue');
    await issue.waitFor();
    expect(await issue.textContent()).toContain('must be between 0 and 0.99999999, got 2');
    expect(await design.runButton.isDisabled()).toBe(true);
    // Named as the form labels it, not by the schema's path.
    expect(await design.runReason.textContent()).toContain(
      'Rule 1 (EBD) · Forgetting factor λ must be between 0 and 0.99999999, got 2',
    );
    // zod's own messages in words, next to the field: an emptied number field asks for a number.
    await design.fill('design-epochs', '');
    const epochsIssue = design.page.getByTestId('design-training').getByTestId('field-issue');
    await expect.poll(() => epochsIssue.first().textContent()).toBe('enter a number');
    await design.fill('design-epochs', 32);
    await screenshot(lab.page, 'design-invalid');

    await design.setParam(0, 'lambda', 0.99);
    await issue.waitFor({ state: 'detached' });
    await expect.poll(() => design.runButton.isEnabled()).toBe(true);
  });

  test('importing a malformed spec file names the problem and keeps the form', async () => {
    await design.importFile('broken.json', '{ "name": "half a file",');
    await design.importError.waitFor();
    expect(await design.importError.textContent()).toContain('broken.json is not valid JSON');

    await design.importFile('incomplete.json', JSON.stringify({ name: 'no data', rules: [{ rule: 'ebd' }] }));
    await expect
      .poll(() => design.importError.textContent())
      .toContain('incomplete.json is not a valid experiment spec');
    expect(await design.importError.textContent()).toContain('dataset');
    expect(await lab.page.getByTestId('design-name').inputValue()).toBe('GM: EBD vs BP');
    await screenshot(lab.page, 'design');
  });

  test('Run starts training and the monitor shows live progress and curves; pause and resume work', async () => {
    // Until it starts, the design is kept as a draft (a reload or a crash would bring it back).
    await expect.poll(() => design.storedDraft()).toContain('"name":"GM: EBD vs BP"');
    await design.runButton.click();
    await monitor.shell.panel('monitor').waitFor();
    await lab.page.waitForFunction(() => /^#monitor\/\d+$/.test(window.location.hash));
    experimentId = Number(new URL(lab.page.url()).hash.split('/')[1]);
    // Started, the design is no longer a draft to bring back.
    expect(await design.storedDraft()).toBeNull();
    await expect.poll(() => monitor.rows.count()).toBe(4);
    const ids = await monitor.runIds();
    const [first] = ids;
    const last = ids.at(-1);
    if (first === undefined || last === undefined) throw new Error('no run rows');

    await monitor.waitForStatus(first, 'running', 30_000);
    await monitor.waitForPoints('chart-train-loss', 1);
    await monitor.rowById(first).getByTestId('run-pause').click();
    await monitor.waitForStatus(first, 'paused', 10_000);
    // The status event can arrive before the pause call returns; the row's controls wait for the call.
    await expect.poll(() => monitor.rowById(first).getByTestId('run-resume').isEnabled()).toBe(true);
    expect(await monitor.rowById(first).getByTestId('run-pause').isDisabled()).toBe(true);
    const pausedPoints = await monitor.pointsPlotted('chart-train-loss');

    await monitor.rowById(first).getByTestId('run-resume').click();
    await monitor.waitForStatus(first, /^(running|completed)$/, 10_000);
    await monitor.waitForPoints('chart-train-loss', pausedPoints + 1);
    // True progress: the epoch counted from 1 of the design's 32, the step, the rate and the time left.
    await expect
      .poll(async () => (await monitor.progressText(first)) ?? '')
      .toMatch(
        /^(epoch ([1-9]|[12]\d|3[0-2])\/32 · step \d+\/\d+ · [\d.]+k? samples\/s · .+ left|epoch 32\/32 · done)$/,
      );

    // Stop takes a queued run off the queue; Resume queues it again (from its checkpoint, if it had one).
    await monitor.rowById(last).getByTestId('run-stop').click();
    await monitor.waitForStatus(last, 'stopped', 10_000);
    await monitor.rowById(last).getByTestId('run-resume').click();
    await monitor.waitForStatus(last, /^(queued|running|completed)$/, 10_000);
    // Nothing stale from before the stop: waiting in the queue, or where the resumed attempt is.
    expect(await monitor.progressText(last)).toMatch(/^(waiting|starting…|epoch ([1-9]|[12]\d|3[0-2])\/32 · .*)$/);

    // Diagnostics and the three factors arrive while it trains (every 100 steps by default).
    await monitor.waitForPoints('chart-diagnostic-layer1', 1, 60_000);
    await monitor.waitForPoints('chart-factor-mod', 3, 60_000);
    expect(await lab.page.getByTestId('diagnostic-definition').textContent()).toMatch(/backpropagation|Rₖ|power/);
  }, 120_000);

  test('runs finish; after a reload the monitor shows the stored values', async () => {
    const ids = await monitor.runIds();
    for (const id of ids) await monitor.waitForStatus(id, 'completed', 60_000);
    await monitor.waitForPoints('chart-test-accuracy', 2);
    await lab.page.getByTestId('event-item').first().waitFor();
    await screenshot(lab.page, 'monitor');

    await lab.page.reload();
    await monitor.shell.panel('monitor').waitFor();
    expect(new URL(lab.page.url()).hash).toBe(`#monitor/${experimentId}`);
    await expect.poll(() => monitor.rows.count()).toBe(4);
    for (const id of ids) {
      const stored = (await lab.invoke('metrics.series', {
        runId: id,
        name: 'accuracy',
        split: 'test',
        maxPoints: 2000,
      })) as SeriesReply;
      const last = stored.points.at(-1)?.value;
      expect(last).toBeTypeOf('number');
      await expect.poll(() => monitor.testAccuracy(id)).toBe(last);
    }
    await monitor.waitForPoints('chart-train-loss', 2);
    expect(await lab.page.getByTestId('event-item').count()).toBeGreaterThan(0);
    for (const id of ids) expect(await monitor.progressText(id)).toBe('epoch 32/32 · done');

    // Each seed drawn raw: the chart holds exactly the stored points, and their values sum to the stored ones.
    await lab.page.getByTestId('monitor-seed-view').selectOption('seeds');
    let total = 0;
    let sum = 0;
    for (const id of ids) {
      const stored = (await lab.invoke('metrics.series', { runId: id, name: 'loss', split: 'train' })) as SeriesReply;
      total += stored.points.length;
      for (const p of stored.points) sum += p.value;
    }
    await expect.poll(() => monitor.pointsPlotted('chart-train-loss')).toBe(total);
    expect(Number(await monitor.chart('chart-train-loss').getAttribute('data-sum'))).toBeCloseTo(sum, 6);
    // Mean ± 95% CI and smoothing are display only, and say so.
    await lab.page.getByTestId('monitor-seed-view').selectOption('ci95');
    await lab.page.getByTestId('monitor-smoothing').selectOption('10');
    expect(await lab.page.getByTestId('monitor-smoothing-note').textContent()).toContain(
      'smoothed: trailing mean of 10 points',
    );
    await screenshot(lab.page, 'monitor-bands');
    await lab.page.getByTestId('three-factor-panel').scrollIntoViewIfNeeded();
    await screenshot(lab.page, 'monitor-diagnostics');
    expect(lab.errors).toEqual([]);
  }, 90_000);

  test('the finished experiment compares in the Compare view: one group per rule, N = 2 seeds', async () => {
    const compare = new ComparePage(lab.page);
    await compare.open();
    await compare.expand(experimentId);
    await compare.selectGroup(experimentId, 'EBD');
    await compare.selectGroup(experimentId, 'BP');
    await compare.waitForSummaries(30_000);
    for (const rule of ['EBD', 'BP']) {
      const cell = await compare.cell(rule, 'test-accuracy', 'final');
      expect(cell.n).toBe(2);
      expect(cell.mean).toBeGreaterThan(0);
    }
    expect((await compare.diff()).map((d) => d.path)).toContain('rules.rule');
    await screenshot(lab.page, 'compare-designed');
    expect(lab.errors).toEqual([]);
  }, 60_000);

  test('the session shows each arm’s final and best test accuracy over its seeds, sortable', async () => {
    const sessions = new SessionsPage(lab.page);
    await sessions.open();
    await sessions.openSession('Design e2e');
    const rows = sessions.detail.getByTestId('arm-row');
    await expect.poll(() => rows.count()).toBe(2);
    const runs = (await lab.invoke('runs.list', { experimentId })) as { id: number; environment: { label: string } }[];
    for (const label of ['EBD', 'BP']) {
      const finals: number[] = [];
      const bests: number[] = [];
      for (const run of runs.filter((r) => r.environment.label.includes(label === 'BP' ? 'Backprop' : 'EBD'))) {
        const series = (await lab.invoke('metrics.series', { runId: run.id, name: 'accuracy', split: 'test' })) as {
          points: { value: number }[];
        };
        finals.push(series.points.at(-1)!.value);
        bests.push(Math.max(...series.points.map((p) => p.value)));
      }
      expect(finals).toHaveLength(2);
      const row = sessions.detail.locator(
        `[data-testid="arm-row"][data-label*="${label === 'BP' ? 'Backprop' : 'EBD'}"]`,
      );
      await expect.poll(() => row.getAttribute('data-n')).toBe('2');
      expect(Number(await row.getAttribute('data-final'))).toBeCloseTo((finals[0]! + finals[1]!) / 2, 9);
      expect(Number(await row.getAttribute('data-final-std'))).toBeCloseTo(
        Math.abs(finals[0]! - finals[1]!) / Math.SQRT2,
        9,
      );
      expect(Number(await row.getAttribute('data-best'))).toBeCloseTo((bests[0]! + bests[1]!) / 2, 9);
      expect(await row.textContent()).toMatch(/2 completed.*\d+\.\d+ ± \d+\.\d+ %/);
    }
    // Sorted by final accuracy, best first; a click turns the order round.
    const finalsShown = async () => rows.evaluateAll((r) => r.map((row) => Number(row.getAttribute('data-final'))));
    const descending = await finalsShown();
    expect(descending).toEqual([...descending].sort((a, b) => b - a));
    await sessions.detail.getByTestId('arm-sort-final').click();
    expect(await finalsShown()).toEqual([...descending].reverse());
    await screenshot(lab.page, 'sessions-arm-summary');
    expect(lab.errors).toEqual([]);
  });

  test('a finished experiment re-runs with new seeds, linked to its origin, and opens in Design as a copy', async () => {
    const original = (await lab.invoke('experiments.get', { id: experimentId })) as Experiment;
    await lab.page.goto(`${lab.server.url}#monitor/${experimentId}`);
    await lab.page.getByTestId('rerun-fresh').click();
    await lab.page.waitForFunction(
      (id) => /^#monitor\/\d+$/.test(window.location.hash) && window.location.hash !== `#monitor/${id}`,
      experimentId,
    );
    const rerunId = Number(new URL(lab.page.url()).hash.split('/')[1]);
    const rerun = (await lab.invoke('experiments.get', { id: rerunId })) as Experiment;
    // The same design on seeds the original did not use, in the same session, saying where it came from.
    expect(rerun.spec.seeds).toEqual([3, 4]);
    expect(rerun.spec.rules).toEqual(original.spec.rules);
    expect(rerun.sessionId).toBe(original.sessionId);
    expect(rerun.spec.description.split('\n')[0]).toBe(`Re-run of experiment #${experimentId} “${original.name}”.`);
    const link = lab.page.getByTestId('monitor-origin-link');
    expect(await link.textContent()).toBe(`#${experimentId} ${original.name}`);
    // Its runs are not needed here: stopped (queued ones leave the queue untrained).
    for (const run of (await lab.invoke('runs.list', { experimentId: rerunId })) as { id: number; status: string }[]) {
      await lab.invoke('runs.stop', { id: run.id }).catch(() => undefined);
    }
    await link.click();
    await lab.page.waitForFunction((id) => window.location.hash === `#monitor/${id}`, experimentId);

    await lab.page.getByTestId('open-in-design').click();
    await design.page.getByTestId('design-form').waitFor();
    expect(await design.page.getByTestId('design-name').inputValue()).toBe(`${original.name} (copy)`);
    expect(await design.page.getByTestId('design-seeds').inputValue()).toBe('1, 2');
    expect(await design.storedDraft()).toContain(`Copy of experiment #${experimentId}`);
    expect(lab.errors).toEqual([]);
  });
});
