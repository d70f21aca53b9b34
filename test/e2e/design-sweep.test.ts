import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Run } from '../../shared/schemas/records';
import { openLab, screenshot, type Lab } from './harness';
import { ComparePage } from './pages/compare-page';
import { DesignPage } from './pages/design-page';
import { SessionsPage } from './pages/sessions-page';

/** The designer's sweep section against the real server: a 2-axis sweep counted, refused when wrong, and run. */
describe('a sweep designed in the Design view', () => {
  let lab: Lab;
  let design: DesignPage;

  beforeAll(async () => {
    lab = await openLab();
    design = new DesignPage(lab.page);
    const sessions = new SessionsPage(lab.page);
    await sessions.shell.waitForConnection('connected');
    await sessions.waitForList();
    await sessions.create('Sweep e2e');
  });

  afterAll(async () => {
    await lab?.close();
  });

  test('counts the runs of a 2-axis sweep, names a wrong field, and runs it with each run given its values', async () => {
    await design.open();
    await design.chooseDataset('gaussian-mixture');
    await design.fill('design-name', 'GM sweep');
    await design.fill('design-train-subset', 300);
    await design.fill('design-layer-units', 8);
    await design.fill('design-seeds', '1');
    await design.fill('design-epochs', 1);
    await design.fill('design-batchSize', 16);
    const page = lab.page;
    const axes = page.getByTestId('sweep-axis');

    await page.getByTestId('sweep-add-axis').click();
    await axes.nth(0).getByTestId('sweep-field').fill('netwrk.depth');
    await axes.nth(0).getByTestId('sweep-values').fill('2');
    await expect.poll(() => page.getByTestId('sweep-issues').textContent()).toContain('axes.0.field');

    await axes.nth(0).getByTestId('sweep-field').fill('optimizer.learningRate');
    await axes.nth(0).getByTestId('sweep-values').fill('0.001, 0.01');
    await page.getByTestId('sweep-add-axis').click();
    await axes.nth(1).getByTestId('sweep-field').fill('rules.0.params.lambda');
    await axes.nth(1).getByTestId('sweep-kind').selectOption('log');
    await axes.nth(1).getByTestId('sweep-from').fill('0.9');
    await axes.nth(1).getByTestId('sweep-to').fill('0.99');
    await axes.nth(1).getByTestId('sweep-count').fill('2');
    // 2 × 2 points, each with the experiment's 2 arms and 1 seed.
    await expect.poll(() => page.getByTestId('sweep-summary').textContent()).toMatch(/^4 points, 8 runs/);
    await screenshot(page, 'design-sweep');

    await page.getByTestId('sweep-run').click();
    await page.waitForFunction(() => /^#monitor\/\d+$/.test(window.location.hash));
    const runs = async () => (await lab.invoke('runs.list', {})) as Run[];
    const ended = new Set(['completed', 'stopped', 'failed', 'diverged', 'interrupted']);
    await expect
      .poll(async () => (await runs()).filter((r) => ended.has(r.status)).length, { timeout: 120_000 })
      .toBe(8);
    expect((await runs()).map((r) => `${r.status}${r.error ? `: ${r.error}` : ''}`)).toEqual(
      Array(8).fill('completed'),
    );
    const values = (await runs()).map((r) => JSON.stringify(r.sweepValues));
    expect(new Set(values)).toEqual(
      new Set(
        [0.001, 0.01].flatMap((lr) =>
          [0.9, 0.99].map((lambda) =>
            JSON.stringify({ 'optimizer.learningRate': lr, 'rules.0.params.lambda': lambda }),
          ),
        ),
      ),
    );

    // Compare: every group of the sweep picked, the final test accuracy against the learning rate, a line per arm
    // and value of λ (BP's runs are one group per rate: λ is EBD's), each line's best setting ringed.
    const compare = new ComparePage(page);
    await compare.open();
    const experiments = [...new Set((await runs()).map((r) => r.experimentId))];
    expect(experiments).toHaveLength(4);
    for (const id of experiments) {
      await compare.expand(id);
      for (const arm of ['EBD', 'BP']) await compare.selectGroup(id, arm);
    }
    try {
      await expect.poll(() => page.getByTestId('compare-sweep-point').count(), { timeout: 30_000 }).toBe(6);
    } finally {
      await screenshot(page, 'compare-sweep-lr');
    }
    expect(await page.getByTestId('compare-sweep-best').count()).toBe(3);
    expect(await page.getByTestId('compare-sweep-field').inputValue()).toBe('optimizer.learningRate');
    await page.getByTestId('compare-sweep-field').selectOption('rules.0.params.lambda');
    await expect.poll(() => page.getByTestId('compare-sweep-point').count()).toBe(4);
    expect(await page.getByTestId('compare-sweep-best').count()).toBe(2);
    await page.getByTestId('compare-sweep').scrollIntoViewIfNeeded();
    await screenshot(page, 'compare-sweep');
    expect(lab.errors).toEqual([]);
  }, 240_000);
});

/** Exists in the page, where waitForFunction's callback runs; this file compiles without the DOM library. */
declare const window: { location: { hash: string } };
