import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ExperimentSpec } from '../../shared/schemas/experiment';
import type { Template } from '../../shared/schemas/records';
import { openLab, screenshot, type Lab } from './harness';
import { DesignPage } from './pages/design-page';

const NAME = 'EBD with its own Adam';

describe('Design view: saving the spec as a template', () => {
  let lab: Lab;
  let design: DesignPage;

  const templates = async () => (await lab.invoke('templates.list', {})) as Template[];

  async function exportedSpec(): Promise<ExperimentSpec> {
    const download = lab.page.waitForEvent('download');
    await design.page.getByTestId('design-export').click();
    const file = await (await download).path();
    return ExperimentSpec.parse(JSON.parse(fs.readFileSync(file, 'utf8')));
  }

  beforeAll(async () => {
    lab = await openLab({ acceptDownloads: true });
    design = new DesignPage(lab.page);
    await design.shell.waitForConnection('connected');
    await design.open();
  });

  afterAll(async () => {
    await lab?.close();
  });

  test('a template saved from the form loads back after a reload, exactly as saved', async () => {
    const save = design.page.getByTestId('design-save-template');
    await expect.poll(() => save.isEnabled()).toBe(true);
    await design.fill('design-name', NAME);
    await design.fill('design-epochs', 7);
    await design.setParam(0, 'lambda', 0.95);
    await design.arm(0).getByTestId('rule-arm-own-optimizer').check();
    await design.arm(0).getByTestId('arm-0-optimizer').selectOption('adam');
    await design.fill('arm-0-learningRate', 0.0025);

    const dialog = await design.openSaveTemplate();
    expect(await dialog.getByTestId('save-template-name').inputValue()).toBe(NAME);
    await dialog.getByTestId('save-template-confirm').click();
    await dialog.waitFor({ state: 'hidden' });
    expect(await design.page.getByTestId('design-template-saved').textContent()).toContain(`Saved template “${NAME}”`);

    const [saved] = await templates();
    expect(saved).toMatchObject({ name: NAME, problem: null });
    const spec = saved!.spec!;
    expect(spec.epochs).toBe(7);
    expect(spec.rules[0]).toMatchObject({
      rule: 'ebd',
      params: { lambda: 0.95 },
      optimizer: { kind: 'adam', learningRate: 0.0025 },
    });
    expect(spec.rules[1]?.optimizer).toBeUndefined();

    // A reload keeps the design, not started yet, as it was (a draft in the browser's storage), and says so.
    await lab.page.reload();
    await design.shell.waitForConnection('connected');
    await design.open();
    await design.draftNotice.waitFor();
    expect(await design.page.getByTestId('design-name').inputValue()).toBe(NAME);
    expect(await design.page.getByTestId('design-epochs').inputValue()).toBe('7');
    expect(await design.arm(0).getByTestId('rule-arm-own-optimizer').isChecked()).toBe(true);
    expect(await design.arm(0).getByTestId('arm-0-learningRate').inputValue()).toBe('0.0025');
    await screenshot(lab.page, 'design-draft-restored');
    // Discarded, the form is the default one, and stays so over the next reload: only the template brings it back.
    await design.discardDraft();
    expect(await design.page.getByTestId('design-epochs').inputValue()).not.toBe('7');
    await lab.page.reload();
    await design.shell.waitForConnection('connected');
    await design.open();
    expect(await design.page.getByTestId('design-epochs').inputValue()).not.toBe('7');
    expect(await design.draftNotice.count()).toBe(0);
    await design.chooseTemplate(NAME);
    expect(await design.page.getByTestId('design-template-loaded').textContent()).toContain(NAME);
    expect(await design.page.getByTestId('design-epochs').inputValue()).toBe('7');
    expect(await design.arm(0).getByTestId('rule-arm-own-optimizer').isChecked()).toBe(true);
    expect(await exportedSpec()).toEqual(spec);
  });

  test('saving under a name already taken (in any case) asks before replacing that template', async () => {
    const [before] = await templates();
    await design.fill('design-epochs', 9);

    let dialog = await design.openSaveTemplate();
    await dialog.getByTestId('save-template-name').fill(NAME.toUpperCase());
    await dialog.getByTestId('save-template-confirm').click();
    const clash = dialog.getByTestId('save-template-clash');
    await clash.waitFor();
    expect(await clash.textContent()).toContain(`A template named “${NAME}” already exists`);
    // Declining leaves the template as it was.
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    expect(await templates()).toEqual([before]);

    dialog = await design.openSaveTemplate();
    await dialog.getByTestId('save-template-confirm').click();
    await dialog.getByTestId('save-template-replace').click();
    await dialog.waitFor({ state: 'hidden' });
    const after = await templates();
    expect(after).toHaveLength(1);
    expect(after[0]).toMatchObject({ id: before!.id, name: NAME, spec: { epochs: 9 } });
    expect(await design.page.getByTestId('design-template-saved').textContent()).toContain(NAME);
  });

  test('deleting a template asks first, then it is gone from the store and the picker', async () => {
    const list = design.page.getByTestId('design-templates');
    await list.locator('summary').click();
    await screenshot(lab.page, 'design-templates');
    await list.getByRole('button', { name: `Delete template ${NAME}` }).click();
    const confirm = design.page.getByTestId('delete-template-dialog');
    await confirm.waitFor();
    expect(await confirm.textContent()).toContain(NAME);
    expect(await templates()).toHaveLength(1);

    await confirm.getByTestId('delete-template-dialog-confirm').click();
    await confirm.waitFor({ state: 'hidden' });
    expect(await templates()).toEqual([]);
    await list.waitFor({ state: 'detached' });
    expect(await design.page.locator('[data-testid="design-preset"] optgroup[label="Your templates"]').count()).toBe(0);
    expect(lab.errors).toEqual([]);
  });
});
