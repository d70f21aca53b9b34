import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ExperimentSpecInput } from '../../shared/schemas/experiment';
import { openLab, screenshot, type Lab } from './harness';
import { ComparePage } from './pages/compare-page';

interface RunReply {
  id: number;
  rule: string;
  seed: number;
  status: string;
  error: string | null;
}
interface SeriesReply {
  points: { step: number; value: number }[];
  downsampled: boolean;
}

const SPEC: ExperimentSpecInput = {
  name: 'GM: EBD vs BP for Compare',
  dataset: { name: 'gaussian-mixture', trainSubset: 600 },
  network: { hidden: [{ units: 16 }] },
  rules: [{ rule: 'ebd' }, { rule: 'bp' }],
  seeds: [1, 2],
  epochs: 2,
  batchSize: 16,
};

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
const sampleStd = (values: number[]) => {
  const m = mean(values);
  return Math.sqrt(values.reduce((s, v) => s + (v - m) ** 2, 0) / (values.length - 1));
};

describe('Compare view against the real server and real training', () => {
  let lab: Lab;
  let compare: ComparePage;
  let experimentId = 0;
  let runs: RunReply[] = [];

  /** Every stored point of a run's metric, read the way the test trusts: straight from the API. */
  async function series(runId: number, split: string, name: string): Promise<number[]> {
    const reply = (await lab.invoke('metrics.series', { runId, name, split })) as SeriesReply;
    expect(reply.downsampled).toBe(false);
    return reply.points.map((p) => p.value);
  }

  /** Polls runs.list until every run completed; a run that ends otherwise fails at once, with its error. */
  async function waitForRuns(id: number, timeout: number): Promise<RunReply[]> {
    const deadline = Date.now() + timeout;
    for (;;) {
      const list = (await lab.invoke('runs.list', { experimentId: id })) as RunReply[];
      const broken = list.find((r) => ['failed', 'diverged', 'stopped', 'interrupted'].includes(r.status));
      if (broken) throw new Error(`run ${broken.id} (${broken.rule}) ended ${broken.status}: ${broken.error ?? ''}`);
      if (list.length === 4 && list.every((r) => r.status === 'completed')) return list;
      if (Date.now() > deadline) {
        throw new Error(`runs not completed in ${timeout} ms: ${list.map((r) => r.status).join(', ')}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }

  beforeAll(async () => {
    lab = await openLab();
    compare = new ComparePage(lab.page);
    await compare.shell.waitForConnection('connected');
    await lab.invoke('sessions.create', { name: 'Nothing here' });
    const session = (await lab.invoke('sessions.create', { name: 'Compare e2e' })) as { id: number };
    const experiment = (await lab.invoke('experiments.create', { sessionId: session.id, spec: SPEC })) as {
      id: number;
    };
    experimentId = experiment.id;
    await lab.invoke('experiments.start', { id: experimentId });
    runs = await waitForRuns(experimentId, 150_000);
  }, 180_000);

  afterAll(async () => {
    await lab?.close();
  });

  test('picking two groups shows mean final and best test accuracy over their seeds, as stored', async () => {
    await compare.open();
    await compare.page.getByTestId('compare-empty').waitFor();
    await compare.experiment(experimentId).waitFor();
    await compare.filterSession('Nothing here');
    await expect
      .poll(() => compare.page.getByTestId('compare-no-experiments').textContent())
      .toContain('This session has no experiments');
    await compare.filterSession('Compare e2e');
    await compare.expand(experimentId);
    await compare.selectGroup(experimentId, 'EBD');
    await compare.selectGroup(experimentId, 'BP');
    await expect.poll(() => compare.tables.count()).toBe(2);
    await compare.waitForSummaries();
    // Each group in its rule's colour (the table exported figures use), not the colour of its place in the list.
    await expect
      .poll(async () => JSON.parse((await compare.legendOf()) ?? '[]') as { label: string; color: string }[])
      .toEqual([expect.objectContaining({ color: '#E69F00' }), expect.objectContaining({ color: '#000000' })]);

    for (const rule of ['ebd', 'bp']) {
      const label = rule.toUpperCase();
      const ofRule = runs.filter((r) => r.rule === rule).sort((a, b) => a.seed - b.seed);
      expect(ofRule.map((r) => r.seed)).toEqual([1, 2]);
      const table = compare.table(label);
      expect(await table.getAttribute('data-n')).toBe('2');
      expect(await table.getAttribute('data-run-ids')).toBe(ofRule.map((r) => r.id).join(','));

      const stored = await Promise.all(ofRule.map((r) => series(r.id, 'test', 'accuracy')));
      const finals = stored.map((values) => values.at(-1) ?? NaN);
      const bests = stored.map((values) => Math.max(...values));

      const final = await compare.cell(label, 'test-accuracy', 'final');
      expect(final.n).toBe(2);
      expect(Math.abs(final.mean - mean(finals))).toBeLessThan(1e-9);
      expect(Math.abs(final.std - sampleStd(finals))).toBeLessThan(1e-9);
      expect(final.text).toBe(`${(mean(finals) * 100).toFixed(2)} ± ${(sampleStd(finals) * 100).toFixed(2)} %`);

      const best = await compare.cell(label, 'test-accuracy', 'best');
      expect(Math.abs(best.mean - mean(bests))).toBeLessThan(1e-9);
      expect(best.mean).toBeGreaterThanOrEqual(final.mean - 1e-12);

      // Losses take the minimum as best.
      const trainLoss = await Promise.all(ofRule.map((r) => series(r.id, 'train', 'loss')));
      const bestLoss = await compare.cell(label, 'train-loss', 'best');
      expect(Math.abs(bestLoss.mean - mean(trainLoss.map((v) => Math.min(...v))))).toBeLessThan(1e-9);
      expect(await table.getByTestId('summary-test-accuracy-n').textContent()).toBe('2');
    }
  }, 60_000);

  test('the config diff names the rule and only settings that differ', async () => {
    const diff = await compare.diff();
    const rule = diff.find((d) => d.path === 'rules.rule');
    expect(rule?.values).toEqual(['ebd', 'bp']);
    for (const row of diff) {
      // The two arms share everything outside their own rule settings.
      expect(row.path.startsWith('rules.')).toBe(true);
      expect(new Set(row.values).size).toBeGreaterThan(1);
    }
    expect(diff.map((d) => d.path)).toContain('rules.params.lambda');
  });

  test('switching the band to a 95% CI widens it by t(0.975, 1)/√2 for two seeds', async () => {
    // Test loss differs between seeds for sure (accuracy could tie), so the std band has a width to compare.
    await compare.chooseMetric('test', 'loss');
    await expect.poll(() => compare.band('EBD').getAttribute('data-mean')).not.toBe('');
    const std = await compare.bandWidth('EBD', 'std');
    expect(std).toBeGreaterThan(0);
    expect(await compare.page.getByTestId('compare-chart').getAttribute('data-band-kind')).toBe('std');

    await compare.setBand('ci95');
    const ci = await compare.bandWidth('EBD', 'ci95');
    expect(ci / std).toBeCloseTo(12.706204736 / Math.SQRT2, 6);
    expect(await compare.page.getByTestId('compare-chart').getAttribute('data-band-kind')).toBe('ci95');
    expect(Number(await compare.page.getByTestId('compare-chart-canvas').getAttribute('data-points'))).toBeGreaterThan(
      0,
    );
    await screenshot(compare.page, 'compare');
    expect(lab.errors).toEqual([]);
  }, 30_000);

  test('a picked run that is training grows its curve live', async () => {
    const session = (await lab.invoke('sessions.create', { name: 'Compare live' })) as { id: number };
    const live = (await lab.invoke('experiments.create', {
      sessionId: session.id,
      spec: {
        ...SPEC,
        name: 'GM: BP, long',
        dataset: { name: 'gaussian-mixture', trainSubset: 2000 },
        rules: [{ rule: 'bp' }],
        seeds: [1],
        epochs: 20_000,
        monitoring: { readEvery: 2, diagnosticsEvery: 0, checkpointEvery: 0 },
      },
    })) as { id: number };
    const [run] = (await lab.invoke('experiments.start', { id: live.id })) as RunReply[];
    if (!run) throw new Error('no run started');
    // Earlier tests may have picked groups; this one looks at the new run alone.
    const clear = compare.page.getByTestId('compare-clear');
    if (await clear.isVisible()) await clear.click();
    await compare.filterSession('Compare live');
    await compare.expand(live.id);
    await compare.selectGroup(live.id, 'BP');
    await compare.chooseMetric('train', 'loss');
    // The last step the curve reaches (the chart thins what it draws, so its point count saturates).
    const lastStep = () => compare.band('BP').getAttribute('data-step').then(Number);
    await expect.poll(lastStep, { timeout: 30_000 }).toBeGreaterThan(0);
    const before = await lastStep();
    // No reload, no status change: only the metrics.batch events can make the curve longer.
    await expect.poll(lastStep, { timeout: 30_000 }).toBeGreaterThan(before);
    expect((await lab.invoke('runs.get', { id: run.id })) as RunReply).toMatchObject({ status: 'running' });
    await lab.invoke('runs.stop', { id: run.id });
  }, 90_000);
});
