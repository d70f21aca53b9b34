import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ExperimentSpecInput } from '../../shared/schemas/experiment';
import { openLab, screenshot, type Lab } from './harness';
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

describe('the Monitor says which regime a learned-broadcast run is in', () => {
  let lab: Lab;
  let runs: RunReply[] = [];

  beforeAll(async () => {
    lab = await openLab();
    const session = (await lab.invoke('sessions.create', { name: 'Regimes' })) as { id: number };
    const experiment = (await lab.invoke('experiments.create', { sessionId: session.id, spec: SPEC })) as {
      id: number;
    };
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
});
