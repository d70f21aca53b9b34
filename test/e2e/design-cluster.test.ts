import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openLab, screenshot, type Lab } from './harness';
import { DesignPage } from './pages/design-page';
import { SessionsPage } from './pages/sessions-page';

/**
 * The designer's "Run on cluster" against the real server (no cluster needed until submission): its fields are
 * checked as typed, and the sbatch script the host writes for them is shown, editable, and marked stale when a field
 * changes after it was written. Nothing is written to the results folder before submission.
 */
describe('a sweep sent to a SLURM cluster from the Design view', () => {
  let lab: Lab;
  let design: DesignPage;
  let results: string;

  beforeAll(async () => {
    lab = await openLab();
    design = new DesignPage(lab.page);
    const sessions = new SessionsPage(lab.page);
    await sessions.shell.waitForConnection('connected');
    await sessions.waitForList();
    await sessions.create('Cluster e2e');
    results = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bl-e2e-cluster-')), 'sweep');
  });

  afterAll(async () => {
    await lab?.close();
    fs.rmSync(path.dirname(results), { recursive: true, force: true });
  });

  test('shows the script of a 2-point sweep for the fields given, and marks it stale when they change', async () => {
    await design.open();
    await design.chooseDataset('gaussian-mixture');
    await design.fill('design-name', 'GM cluster');
    await design.fill('design-train-subset', 300);
    await design.fill('design-seeds', '1');
    const page = lab.page;
    await page.getByTestId('sweep-add-axis').click();
    const axis = page.getByTestId('sweep-axis').nth(0);
    await axis.getByTestId('sweep-field').fill('optimizer.learningRate');
    await axis.getByTestId('sweep-values').fill('0.001, 0.01');
    await expect.poll(() => page.getByTestId('sweep-summary').textContent()).toMatch(/^2 points, \d+ runs/);
    const runs = Number(/(\d+) runs/.exec((await page.getByTestId('sweep-summary').textContent()) ?? '')![1]);

    await page.getByTestId('sweep-where-cluster').check();
    const panel = page.getByTestId('cluster-run');
    await panel.getByTestId('cluster-results').fill(results);
    await panel.getByTestId('cluster-partition').fill('debug');
    await panel.getByTestId('cluster-time').fill('0:10:00');
    await panel.getByTestId('cluster-gpus').fill('one');
    await expect
      .poll(() => panel.getByTestId('cluster-issues').textContent())
      .toContain('GPUs per task: must be a whole number');
    expect(await panel.getByTestId('cluster-show-script').isDisabled()).toBe(true);
    await panel.getByTestId('cluster-gpus').fill('');

    await panel.getByTestId('cluster-show-script').click();
    const script = panel.getByTestId('cluster-script');
    await expect.poll(() => script.inputValue()).toMatch(/^#!\/bin\/bash/);
    const text = await script.inputValue();
    expect(text).toMatch(new RegExp(`^#SBATCH --array=0-${runs - 1}$`, 'm'));
    expect(text).toMatch(/^#SBATCH --partition=debug$/m);
    expect(text).toMatch(/^#SBATCH --time=0:10:00$/m);
    expect(text).toMatch(/^#SBATCH --cpus-per-task=1$/m);
    expect(text).toContain(`${results}/plan.json`);
    expect(text).toMatch(/cli\.js task /);
    await screenshot(page, 'design-cluster-script');
    // The script is the user's to edit; a field changed since it was written makes it stale until written again.
    await script.fill(`${text}\n# edited\n`);
    expect(await panel.getByTestId('cluster-submit').isDisabled()).toBe(false);
    await panel.getByTestId('cluster-time').fill('0:20:00');
    await expect.poll(() => panel.getByTestId('cluster-stale').isVisible()).toBe(true);
    expect(await panel.getByTestId('cluster-submit').isDisabled()).toBe(true);
    // Planning wrote nothing, and the app follows no sweep yet.
    expect(fs.existsSync(results)).toBe(false);
    expect(await lab.invoke('cluster.list', {})).toEqual([]);
    expect(lab.errors).toEqual([]);
  });
});
