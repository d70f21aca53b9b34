import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ExperimentSpecInput } from '../../shared/schemas/experiment';
import { openLab, screenshot, type Lab } from './harness';
import { ComparePage } from './pages/compare-page';
import { MonitorPage } from './pages/monitor-page';

interface RunReply {
  id: number;
  rule: string;
  status: string;
}

/**
 * The same network three ways: EBD whose large random start carries R (DFA-like), EBD from a tiny start with a
 * short memory (its learned correlation takes over within the run), and BP (no learned broadcast).
 */
const SPEC: ExperimentSpecInput = {
  name: 'GM: EBD regimes in the Monitor',
  dataset: { name: 'gaussian-mixture', trainSubset: 600 },
  network: { hidden: [{ units: 16 }, { units: 8 }] },
  rules: [
    { rule: 'ebd', label: 'EBD large start', params: { initScale: 1, lambda: 0.99999 } },
    { rule: 'ebd', label: 'EBD learned', params: { initScale: 0.001, lambda: 0.99 } },
    { rule: 'bp' },
  ],
  seeds: [1],
  epochs: 2,
  batchSize: 16,
  monitoring: { diagnosticsEvery: 10 },
};

describe('the Monitor and Compare say which regime a learned-broadcast run is in', () => {
  let lab: Lab;
  let runs: RunReply[] = [];
  let experimentId = 0;

  beforeAll(async () => {
    lab = await openLab();
    const session = (await lab.invoke('sessions.create', { name: 'Regimes' })) as { id: number };
    const experiment = (await lab.invoke('experiments.create', { sessionId: session.id, spec: SPEC })) as {
      id: number;
    };
    experimentId = experiment.id;
    await lab.invoke('experiments.start', { id: experiment.id });
    for (let waited = 0; ; waited += 250) {
      runs = (await lab.invoke('runs.list', { experimentId: experiment.id })) as RunReply[];
      if (runs.length === 3 && runs.every((r) => r.status === 'completed')) break;
      const broken = runs.find((r) => !['queued', 'running', 'completed'].includes(r.status));
      if (broken || waited > 90_000) throw new Error(`runs: ${runs.map((r) => r.status).join(', ')}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    await lab.page.goto(`${lab.server.url}#monitor/${experiment.id}`);
  }, 120_000);

  afterAll(async () => {
    await lab?.close();
  });

  test('DFA-like for the large start, learned for the small one, nothing for BP — as the stored shares say', async () => {
    const monitor = new MonitorPage(lab.page);
    const [large, learned, bp] = runs.sort((a, b) => a.id - b.id);
    await expect.poll(() => monitor.regime(large!.id), { timeout: 20_000 }).toBe('dfa-like');
    await expect.poll(() => monitor.regime(learned!.id), { timeout: 20_000 }).toBe('learned');
    expect(await monitor.regime(bp!.id)).toBe('');
    // The label follows the stored diagnostics, not a guess from the settings.
    const lastShare = async (runId: number, layer: number) => {
      const reply = (await lab.invoke('metrics.series', {
        runId,
        name: `layer${layer}.learned_share`,
        split: 'diagnostic',
      })) as { points: { value: number }[] };
      return Math.max(...reply.points.map((p) => p.value));
    };
    for (const layer of [1, 2]) {
      expect(await lastShare(large!.id, layer)).toBeLessThan(0.5);
      expect(await lastShare(learned!.id, layer)).toBeGreaterThanOrEqual(0.5);
    }
    const title = await monitor.rowById(large!.id).getByTestId('run-regime').getAttribute('title');
    expect(title).toContain('layer 1 share ≤ 0.');
    await screenshot(lab.page, 'monitor-regime');
    expect(lab.errors).toEqual([]);
  }, 60_000);

  test('Compare gives each group its regime, the same as the Monitor, and none to BP', async () => {
    const compare = new ComparePage(lab.page);
    await compare.open();
    await compare.expand(experimentId);
    const groups = compare.experiment(experimentId).getByTestId('compare-group');
    await expect.poll(() => groups.count()).toBe(3);
    for (let i = 0; i < 3; i++) await groups.nth(i).getByTestId('compare-group-select').check();
    await expect.poll(() => compare.tables.count()).toBe(3);
    await compare.waitForSummaries();
    // The two EBD groups' labels differ by the settings that tell them apart (grouping.ts's disambiguation).
    const byKey = async () => {
      const out: Record<string, { text: string; uphill: string } | null> = {};
      for (let i = 0; i < 3; i++) {
        const label = (await compare.tables.nth(i).getAttribute('data-group-label')) ?? '';
        const key = label.startsWith('BP') ? 'bp' : label.includes('initScale 1') ? 'large' : 'learned';
        out[key] = await compare.regime(label);
      }
      return out;
    };
    await expect.poll(async () => Object.keys(await byKey()).length, { timeout: 20_000 }).toBe(3);
    await expect.poll(async () => (await byKey()).learned?.text ?? '', { timeout: 20_000 }).toMatch(/^learned/);
    const regimes = await byKey();
    const [large, learned] = runs.sort((a, b) => a.id - b.id);
    // The uphill layers are those whose last stored feedback_cosine is negative, as the Monitor reads them.
    const uphill = async (runId: number) => {
      const layers: number[] = [];
      for (const layer of [1, 2]) {
        const reply = (await lab.invoke('metrics.series', {
          runId,
          name: `layer${layer}.feedback_cosine`,
          split: 'diagnostic',
        })) as { points: { value: number }[] };
        if (reply.points.at(-1)!.value <= 0) layers.push(layer);
      }
      return layers.join(',');
    };
    expect(regimes.large?.text).toMatch(/^DFA-like \(1 of 1 run\)/);
    expect(regimes.large?.uphill).toBe(await uphill(large!.id));
    expect(regimes.learned?.text).toMatch(/^learned \(1 of 1 run\)/);
    expect(regimes.learned?.uphill).toBe(await uphill(learned!.id));
    expect(regimes.bp).toBeNull();
    expect(lab.errors).toEqual([]);
  }, 60_000);
});
