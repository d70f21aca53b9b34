/**
 * Every view of the app at 1280×800 and 800×600, light and dark, from a real (small) experiment: EBD, DFA and BP ×
 * 2 seeds on a Gaussian mixture, and one run that fails (its dataset is absent), so that the failure's reason is on
 * screen. `npx electron-vite build --config electron.config.ts` first, then `npx tsx scripts/view-screenshots.ts`
 * writes test-results/screenshots/views/<view>-<width>x<height>-<theme>.png (git-ignored) in about a minute.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Experiment, Run, Session } from '../shared/schemas/records';
import { openLab, SCREENSHOT_DIR } from '../test/e2e/harness';
import { ComparePage } from '../test/e2e/pages/compare-page';
import { DesignPage } from '../test/e2e/pages/design-page';
import { SessionsPage } from '../test/e2e/pages/sessions-page';

const OUT = path.join(SCREENSHOT_DIR, 'views');
const SIZES = [
  { width: 1280, height: 800 },
  { width: 800, height: 600 },
] as const;
const THEMES = ['light', 'dark'] as const;

fs.mkdirSync(OUT, { recursive: true });
const lab = await openLab();
try {
  const call = <T>(method: string, payload: unknown) => lab.invoke(method, payload) as Promise<T>;
  const session = await call<Session>('sessions.create', { name: 'Gaussian mixture: EBD vs DFA vs BP' });
  const base = {
    network: { hidden: [{ units: 32 }] },
    seeds: [1, 2],
    epochs: 6,
    batchSize: 16,
    monitoring: { readEvery: 5, diagnosticsEvery: 20 },
  };
  const experiment = await call<Experiment>('experiments.create', {
    sessionId: session.id,
    spec: {
      ...base,
      name: 'EBD vs DFA vs BP, 2 seeds',
      dataset: { name: 'gaussian-mixture', trainSubset: 1500 },
      rules: [
        { rule: 'ebd', label: 'EBD' },
        { rule: 'dfa', label: 'DFA' },
        { rule: 'bp', label: 'BP' },
      ],
    },
  });
  const failing = await call<Experiment>('experiments.create', {
    sessionId: session.id,
    spec: { ...base, name: 'CIFAR-100, not downloaded', dataset: { name: 'cifar-100' }, rules: [{ rule: 'dfa' }] },
  });
  await call<Run[]>('experiments.start', { id: experiment.id });
  await call<Run[]>('experiments.start', { id: failing.id });
  for (;;) {
    const runs = await call<Run[]>('runs.list', { sessionId: session.id });
    if (runs.every((r) => ['completed', 'failed', 'diverged', 'stopped'].includes(r.status))) break;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }

  const page = lab.page;
  const written: string[] = [];
  for (const theme of THEMES) {
    await page.evaluate(`localStorage.setItem('broadcast-lab.theme', '${theme}')`);
    for (const size of SIZES) {
      await page.setViewportSize(size);
      const shoot = async (view: string) => {
        await page.waitForTimeout(600);
        const file = path.join(OUT, `${view}-${size.width}x${size.height}-${theme}.png`);
        await page.screenshot({ path: file });
        written.push(path.relative(process.cwd(), file));
      };
      await page.goto(`${lab.server.url}#sessions`);
      await page.reload();
      const sessions = new SessionsPage(page);
      await sessions.open();
      await sessions.openSession(session.name);
      await shoot('sessions');

      const design = new DesignPage(page);
      await design.open();
      await design.chooseDataset('gaussian-mixture');
      await shoot('design');

      await page.goto(`${lab.server.url}#monitor/${experiment.id}`);
      await page.getByTestId('chart-train-loss').waitFor();
      await page.waitForTimeout(1500);
      await shoot('monitor');

      await page.goto(`${lab.server.url}#monitor/${failing.id}`);
      await page.getByTestId('run-error').first().waitFor();
      await shoot('monitor-failed-run');

      const compare = new ComparePage(page);
      await compare.open();
      await compare.expand(experiment.id);
      for (const label of ['EBD', 'DFA', 'BP']) await compare.selectGroup(experiment.id, label);
      await compare.waitForSummaries(60_000);
      await shoot('compare');

      await page.getByTestId('nav-export').click();
      await page.getByTestId('view-export').waitFor();
      await shoot('export');
    }
  }
  console.log(written.join('\n'));
} finally {
  await lab.close();
}
