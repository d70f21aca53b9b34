import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { MetricSeries, Run, Session } from '../../shared/schemas/records';
import { openLab, screenshot, type Lab } from './harness';
import { ComparePage } from './pages/compare-page';

/**
 * The parallel-coordinates view of Compare against the real server: a small finished sweep (learning rate on a log
 * range × optimiser kind, EBD and BP, one seed), every group picked; one line per run, each arm's marked best is
 * the run with the best stored final test accuracy, a focused line is named, and brushing an axis filters.
 */
describe('the parallel-coordinates view of a sweep', () => {
  let lab: Lab;

  beforeAll(async () => {
    lab = await openLab();
  });

  afterAll(async () => {
    await lab?.close();
  });

  test('draws a line per run, marks each arm’s best, names a focused run and filters by a brush', async () => {
    const session = (await lab.invoke('sessions.create', { name: 'Parallel e2e' })) as Session;
    const sweep = {
      experiment: {
        name: 'GM parallel',
        dataset: { name: 'gaussian-mixture', trainSubset: 300 },
        network: { hidden: [{ units: 8 }] },
        rules: [{ rule: 'ebd' }, { rule: 'bp' }],
        seeds: [1],
        epochs: 1,
        batchSize: 16,
      },
      axes: [
        { field: 'optimizer.learningRate', values: [0.001, 0.1] },
        { field: 'optimizer.kind', values: ['sgd', 'adam'] },
      ],
    };
    await lab.invoke('sweeps.start', { sessionId: session.id, sweep });
    const runs = async () => (await lab.invoke('runs.list', {})) as Run[];
    const ended = new Set(['completed', 'stopped', 'failed', 'diverged', 'interrupted']);
    await expect
      .poll(async () => (await runs()).filter((r) => ended.has(r.status)).length, { timeout: 120_000 })
      .toBe(8);
    const all = await runs();
    expect(all.map((r) => `${r.status}${r.error ? `: ${r.error}` : ''}`)).toEqual(Array(8).fill('completed'));

    // The stored final test accuracy of every run, read through the API, not through the view.
    const final = new Map<number, number>();
    for (const run of all) {
      const series = (await lab.invoke('metrics.series', {
        runId: run.id,
        name: 'accuracy',
        split: 'test',
      })) as MetricSeries;
      final.set(run.id, series.points.at(-1)!.value);
    }

    const page = lab.page;
    const compare = new ComparePage(page);
    await compare.open();
    for (const id of new Set(all.map((r) => r.experimentId))) {
      await compare.expand(id);
      for (const arm of ['EBD', 'BP']) await compare.selectGroup(id, arm);
    }
    const lines = page.getByTestId('compare-parallel-line');
    try {
      await expect.poll(() => lines.count(), { timeout: 30_000 }).toBe(8);
    } finally {
      await page.getByTestId('compare-parallel').scrollIntoViewIfNeeded();
      await screenshot(page, 'compare-parallel');
    }
    const ids = await lines.evaluateAll((els) => els.map((el) => Number(el.getAttribute('data-run-id'))));
    expect(new Set(ids)).toEqual(new Set(all.map((r) => r.id)));
    expect(await page.getByTestId('compare-parallel-axis').allTextContents()).toEqual([
      'optimizer.learningRate',
      'optimizer.kind',
      'final test accuracy',
    ]);

    // One marked best per arm, each a run whose stored final is its arm's highest (one seed: setting = run).
    const marked = await page
      .getByTestId('compare-parallel-best')
      .evaluateAll((els) => els.map((el) => Number(el.getAttribute('data-run-id'))));
    expect(marked).toHaveLength(2);
    for (const rule of ['ebd', 'bp']) {
      const ofRule = all.filter((r) => r.rule === rule);
      const top = Math.max(...ofRule.map((r) => final.get(r.id)!));
      const best = marked.filter((id) => ofRule.some((r) => r.id === id));
      expect(best).toHaveLength(1);
      expect(final.get(best[0]!)).toBe(top);
    }

    // Focus names the run and its values.
    const one = all.find((r) => r.rule === 'ebd' && r.sweepValues?.['optimizer.kind'] === 'sgd')!;
    await page.locator(`[data-testid="compare-parallel-line"][data-run-id="${one.id}"]`).focus();
    const readout = page.getByTestId('compare-parallel-readout');
    await expect.poll(() => readout.textContent()).toContain(`(run ${one.id})`);
    expect(await readout.textContent()).toContain('optimizer.kind = sgd');

    // A brush over the top half of the learning rate's axis (0.1 on a log axis from 0.001) keeps its 4 runs.
    const handle = page.getByTestId('compare-parallel-brush').first();
    const box = (await handle.boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2, { steps: 4 });
    await page.mouse.up();
    const shown = async () =>
      await lines.evaluateAll((els) =>
        els
          .filter((el) => el.getAttribute('data-shown') === 'true')
          .map((el) => Number(el.getAttribute('data-run-id'))),
      );
    await expect
      .poll(async () => new Set(await shown()))
      .toEqual(new Set(all.filter((r) => r.sweepValues?.['optimizer.learningRate'] === 0.1).map((r) => r.id)));
    expect(await readout.textContent()).toContain('4 of 8 runs shown');
    await screenshot(page, 'compare-parallel-brushed');
    expect(lab.errors).toEqual([]);
  }, 240_000);
});
