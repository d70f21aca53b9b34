import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ExperimentSpec } from '../../shared/schemas/experiment';
import { openLab, screenshot, type Lab } from './harness';
import { DesignPage } from './pages/design-page';

/** CorInfoMax's recurrent dynamics in the designer: set in the small window, a BP arm refused, kept in the export. */
describe('Design view: recurrent dynamics', () => {
  let lab: Lab;
  let design: DesignPage;

  beforeAll(async () => {
    lab = await openLab({ viewport: { width: 800, height: 600 }, acceptDownloads: true });
    design = new DesignPage(lab.page);
    await design.shell.waitForConnection('connected');
    await design.open();
    await design.chooseDataset('spirals');
  });

  afterAll(async () => {
    await lab?.close();
  });

  test('dynamics on refuse the BP arm at its rule; with EBD instead the exported spec holds them', async () => {
    await design.page.getByTestId('design-dynamics').check();
    await design.fill('design-dynamics-iterations', 12);
    // The default arms are EBD and BP: BP needs the backward pass the equilibrium does not have.
    const bpRule = design.arm(1).getByTestId('field-issue');
    await expect.poll(() => bpRule.textContent()).toMatch(/^BP needs a backward pass .*use EBD, SBD, DFA, DRTP, DKP$/);
    expect(await design.runButton.isDisabled()).toBe(true);
    expect(await design.page.getByTestId('design-dynamics-note').textContent()).toContain('dense layers');
    expect(await design.fieldsCutOff()).toEqual([]);
    await design.page.getByTestId('design-dynamics-fields').scrollIntoViewIfNeeded();
    await screenshot(lab.page, 'design-dynamics');

    // A conv layer is refused at its kind.
    const layer = design.layer(0);
    await layer.getByTestId('design-layer-kind').selectOption('conv');
    await expect
      .poll(() => layer.getByTestId('field-issue').first().textContent())
      .toBe('CorInfoMax dynamics run on dense layers; layer 1 is conv');
    await layer.getByTestId('design-layer-kind').selectOption('dense');

    await design.arm(1).getByTestId('rule-arm-rule').selectOption('ebd');
    await expect.poll(() => design.runButton.isEnabled()).toBe(true);
    const download = lab.page.waitForEvent('download');
    await design.page.getByTestId('design-export').click();
    const exported = ExperimentSpec.parse(JSON.parse(fs.readFileSync(await (await download).path(), 'utf8')));
    expect(exported.network.dynamics).toMatchObject({ kind: 'corinfomax', iterations: 12 });
    expect(exported.rules.map((r) => r.rule)).toEqual(['ebd', 'ebd']);
    expect(lab.errors).toEqual([]);
  });
});
