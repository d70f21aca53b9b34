/**
 * The README's screenshots, taken from the real app: serve mode on a fresh data folder, a real experiment (EBD, DFA
 * and BP presets × 3 seeds on 6,000 Fashion-MNIST images, MLP 784-256-10, 3 epochs; a few minutes on wasm), then
 * the Design, Monitor and Compare views in Chromium. `npx electron-vite build --config electron.config.ts` first, then
 * `npx tsx scripts/readme-screenshots.ts` writes docs/*.png.
 */
import path from 'node:path';
import type { Page } from 'playwright-core';
import type { Experiment, Run, Session } from '../shared/schemas/records';
import { presetArm, presetLoss } from '../src-main/engine/presets';
import { openLab, REPO_ROOT } from '../test/e2e/harness';
import { ComparePage } from '../test/e2e/pages/compare-page';
import { DesignPage } from '../test/e2e/pages/design-page';

const DOCS = path.join(REPO_ROOT, 'docs');

async function shoot(page: Page, name: string): Promise<void> {
  await page.waitForTimeout(500);
  await page.screenshot({ path: path.join(DOCS, `${name}.png`) });
  console.log(`wrote docs/${name}.png`);
}

const lab = await openLab({ viewport: { width: 1440, height: 900 } });
try {
  const call = <T>(method: string, payload: unknown) => lab.invoke(method, payload) as Promise<T>;
  const session = await call<Session>('sessions.create', { name: 'Fashion-MNIST: EBD vs DFA vs BP' });
  const experiment = await call<Experiment>('experiments.create', {
    sessionId: session.id,
    spec: {
      name: 'EBD vs DFA vs BP, 3 seeds',
      dataset: { name: 'fashion-mnist', trainSubset: 6000, validationFraction: 0.1 },
      network: {
        hidden: [{ units: 256, activation: 'relu' }],
        init: { scheme: 'kaiming_uniform', gain: 1 / Math.sqrt(3) },
      },
      loss: presetLoss('ebd'),
      rules: (['ebd', 'dfa', 'bp'] as const).map((k) => presetArm(k, 1)),
      seeds: [0, 1, 2],
      epochs: 3,
      batchSize: 32,
      monitoring: { readEvery: 10, diagnosticsEvery: 20 },
    },
  });
  await call<Run[]>('experiments.start', { id: experiment.id });
  for (;;) {
    const runs = await call<Run[]>('runs.list', { experimentId: experiment.id });
    if (runs.every((r) => ['completed', 'failed', 'diverged', 'stopped'].includes(r.status))) break;
    await new Promise((resolve) => setTimeout(resolve, 3000));
  }

  const page = lab.page;
  await page.goto(`${lab.server.url}#monitor/${experiment.id}`);
  await page.getByTestId('three-factor-panel').waitFor();
  await page.waitForTimeout(2000);
  await shoot(page, 'monitor');
  await page.getByTestId('diagnostics-panel').scrollIntoViewIfNeeded();
  await shoot(page, 'diagnostics');

  const compare = new ComparePage(page);
  await compare.open();
  await compare.expand(experiment.id);
  for (const label of ['EBD', 'DFA', 'BP']) await compare.selectGroup(experiment.id, label);
  await compare.waitForSummaries(60_000);
  await shoot(page, 'compare');

  const design = new DesignPage(page);
  await design.open();
  await design.choosePreset('fashion-mlp-ebd');
  await page.getByTestId('design-estimate').getByText('per epoch').waitFor({ timeout: 60_000 });
  await shoot(page, 'design');
} finally {
  await lab.close();
}
