import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ExperimentSpecInput } from '../../shared/schemas/experiment';
import { axisMap, elements, hasClass, parseSvg, pathVertices, textsIn } from '../support/svg-figure';
import { openLab, screenshot, type Lab } from './harness';
import { ComparePage } from './pages/compare-page';
import { ExportPage } from './pages/export-page';

interface RunReply {
  id: number;
  rule: string;
  seed: number;
  status: string;
  error: string | null;
}

/** 2 rules × 2 seeds on a small synthetic set: seconds of training, a train-loss point every 4 steps. */
const SPEC: ExperimentSpecInput = {
  name: 'GM: EBD vs BP for Export',
  dataset: { name: 'gaussian-mixture', trainSubset: 256 },
  network: { hidden: [{ units: 8 }] },
  rules: [{ rule: 'ebd' }, { rule: 'bp' }],
  seeds: [1, 2],
  epochs: 1,
  batchSize: 16,
  monitoring: { readEvery: 4 },
};

const SESSION = 'Export e2e';

/** The rows of a Markdown table (header and rule line left out), split into trimmed cells. */
function markdownRows(text: string): string[][] {
  const lines = text.split('\n').filter((l) => l.startsWith('|'));
  return lines.slice(2).map((line) =>
    line
      .slice(1, -1)
      .split(/(?<!\\)\|/)
      .map((cell) => cell.trim().replaceAll('\\|', '|')),
  );
}

describe('Export view against the real server and real training', () => {
  let lab: Lab;
  let exporter: ExportPage;
  let experimentId = 0;
  let runs: RunReply[] = [];

  async function waitForRuns(id: number, timeout: number): Promise<RunReply[]> {
    const deadline = Date.now() + timeout;
    for (;;) {
      const list = (await lab.invoke('runs.list', { experimentId: id })) as RunReply[];
      const broken = list.find((r) => ['failed', 'diverged', 'stopped', 'interrupted'].includes(r.status));
      if (broken) throw new Error(`run ${broken.id} (${broken.rule}) ended ${broken.status}: ${broken.error ?? ''}`);
      if (list.length === 4 && list.every((r) => r.status === 'completed')) return list;
      if (Date.now() > deadline) throw new Error(`runs not completed: ${list.map((r) => r.status).join(', ')}`);
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
  }

  beforeAll(async () => {
    lab = await openLab({ acceptDownloads: true });
    exporter = new ExportPage(lab.page);
    await exporter.shell.waitForConnection('connected');
    const session = (await lab.invoke('sessions.create', { name: SESSION })) as { id: number };
    const experiment = (await lab.invoke('experiments.create', { sessionId: session.id, spec: SPEC })) as {
      id: number;
    };
    experimentId = experiment.id;
    await lab.invoke('experiments.start', { id: experimentId });
    runs = await waitForRuns(experimentId, 120_000);
  }, 150_000);

  afterAll(async () => {
    await lab?.close();
  });

  test('a learning-curve figure previews live and downloads as an SVG whose marks are the stored means', async () => {
    await exporter.open();
    await exporter.chooseExperiment(experimentId);
    await exporter.setKind('learning-curves');
    await exporter.setSplit('train');
    await exporter.setMetrics(['loss']);
    await exporter.setError('sem');
    await exporter.setFormat('svg');
    await expect
      .poll(() => exporter.previewImage.getAttribute('data-runs'), { timeout: 20_000 })
      .toBe(
        runs
          .map((r) => r.id)
          .sort((a, b) => a - b)
          .join(','),
      );
    await expect.poll(() => exporter.previewCaption.textContent()).toContain('standard error');
    await screenshot(lab.page, 'export-figure');

    const download = await exporter.download();
    expect(download.suggestedFilename()).toBe('learning-curves-loss.svg');
    const svg = fs.readFileSync(await download.path(), 'utf8');
    const root = parseSvg(svg);
    expect(textsIn(root, 'role-axis-title')).toEqual(['Step', 'Train loss']);
    expect(textsIn(root, 'role-legend-label')).toEqual(['EBD (N=2)', 'BP (N=2)']);
    expect(textsIn(root, 'role-axis-label').length).toBeGreaterThanOrEqual(4);

    // Every vertex of each mean line maps back, through the figure's own axes, to the mean of the stored values.
    const x = axisMap(root, 'X-axis', 'x');
    const y = axisMap(root, 'Y-axis', 'y');
    const lines = elements(root, 'g')
      .filter((g) => hasClass(g, 'mark-line'))
      .flatMap((g) => elements(g, 'path'));
    for (const [rule, colour] of [
      ['ebd', '#E69F00'],
      ['bp', '#000000'],
    ] as const) {
      const seeds = await Promise.all(
        runs
          .filter((r) => r.rule === rule)
          .map(async (r) => {
            const reply = (await lab.invoke('metrics.series', { runId: r.id, name: 'loss', split: 'train' })) as {
              points: { step: number; value: number }[];
            };
            return new Map(reply.points.map((p) => [p.step, p.value]));
          }),
      );
      const steps = [...seeds[0]!.keys()].filter((s) => seeds.every((m) => m.has(s))).sort((a, b) => a - b);
      const line = lines.find((p) => p.getAttribute('stroke')?.toUpperCase() === colour);
      const vertices = pathVertices(line!);
      expect(vertices.length).toBe(steps.length);
      const yPixel = Math.abs(y.toValue(1) - y.toValue(0));
      const xPixel = Math.abs(x.toValue(1) - x.toValue(0));
      vertices.forEach(([px, py], i) => {
        const mean = seeds.reduce((s, m) => s + m.get(steps[i]!)!, 0) / seeds.length;
        expect(Math.abs(x.toValue(px) - steps[i]!)).toBeLessThanOrEqual(xPixel);
        expect(Math.abs(y.toValue(py) - mean)).toBeLessThanOrEqual(yPixel);
      });
    }
    expect(lab.errors).toEqual([]);
  });

  test('a table downloads with exactly the text its preview shows', async () => {
    await exporter.open();
    await exporter.chooseExperiment(experimentId);
    await exporter.setDataFormat('table-markdown');
    await expect.poll(() => exporter.dataFile.textContent(), { timeout: 20_000 }).toMatch(/table\.md$/);
    const preview = (await exporter.dataPreview.textContent()) ?? '';
    expect(preview).toContain('EBD');
    await screenshot(lab.page, 'export-table');
    const download = await exporter.downloadData();
    expect(download.suggestedFilename()).toBe(await exporter.dataFile.textContent());
    expect(fs.readFileSync(await download.path(), 'utf8')).toBe(preview);
    expect(lab.errors).toEqual([]);
  });

  test("Compare's Export… exports the picked groups: the table's labels and N are Compare's", async () => {
    const compare = new ComparePage(lab.page);
    await compare.open();
    await compare.filterSession(SESSION);
    await compare.expand(experimentId);
    await compare.selectGroup(experimentId, 'EBD');
    await compare.selectGroup(experimentId, 'BP');
    await compare.waitForSummaries();
    const shown = await compare.summaryGroups();
    expect(shown.map((g) => g.n)).toEqual([2, 2]);

    await compare.exportSelection();
    expect(await exporter.groups()).toEqual(shown);
    // The figure preview draws the groups' runs too.
    await expect
      .poll(() => exporter.previewImage.getAttribute('data-runs'), { timeout: 20_000 })
      .toBe(
        runs
          .map((r) => r.id)
          .sort((a, b) => a - b)
          .join(','),
      );
    await exporter.setDataFormat('table-markdown');
    await expect.poll(() => exporter.dataFile.textContent(), { timeout: 20_000 }).toBe('groups-2-table.md');
    await screenshot(lab.page, 'export-compare-groups');
    const download = await exporter.downloadData();
    const table = fs.readFileSync(await download.path(), 'utf8');
    expect(markdownRows(table).map((row) => row[0])).toEqual(shown.map((g) => g.label));
    // Every cell has the same N here, so the caption states it once: Compare's N.
    expect(table).toMatch(new RegExp(`N = ${shown[0]!.n} seeds\\.`));
    expect(lab.errors).toEqual([]);
  });
});
