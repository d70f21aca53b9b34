import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Preset } from '../../shared/api/contract';
import { withDefaults } from '../../shared/rules/catalogue';
import { ExperimentSpec } from '../../shared/schemas/experiment';
import { openLab, screenshot, type Lab } from './harness';
import { DesignPage } from './pages/design-page';

describe('Design view: presets, per-rule settings and the time estimate', () => {
  let lab: Lab;
  let design: DesignPage;

  beforeAll(async () => {
    lab = await openLab({ acceptDownloads: true });
    design = new DesignPage(lab.page);
    await design.shell.waitForConnection('connected');
    await design.open();
  });

  afterAll(async () => {
    await lab?.close();
  });

  test('a preset loads with its per-rule optimiser, and the exported spec is the preset, nothing lost', async () => {
    const presets = (await lab.invoke('presets.list', {})) as Preset[];
    const preset = presets.find((p) => p.id === 'fashion-mlp-ebd')!;
    await design.choosePreset(preset.id);
    await design.page.getByTestId('design-preset-why').waitFor();
    expect(await design.page.getByTestId('design-preset-why').textContent()).toContain('λ = 0.999');
    expect(await design.arm(0).getAttribute('data-rule')).toBe('ebd');
    expect(await design.arm(0).getByTestId('rule-arm-own-optimizer').isChecked()).toBe(true);
    expect(await design.arm(0).getByTestId('arm-0-layerRates').inputValue()).toBe('0.3, 0.3, 1');
    expect(Number(await design.page.getByTestId('design-init-gain').inputValue())).toBeCloseTo(1 / Math.sqrt(3), 6);
    // The preset's large start makes a DFA-like run, and the arm says so before Run (without blocking it).
    const warnings = design.arm(0).getByTestId('rule-arm-warning');
    const said = async () => (await warnings.allTextContents()).join(' | ');
    await expect.poll(said).toContain('DFA-like');
    expect(await design.runButton.isEnabled()).toBe(true);
    // A small start is no longer DFA-like, but at λ = 0.9999 its ~1e-8 gradient is Adam's ε: the arm says that instead.
    await design.setParam(0, 'initScale', 0.001);
    await expect.poll(said).not.toContain('DFA-like');
    expect(await said()).toContain('Adam');
    await design.setParam(0, 'initScale', 1);
    await expect.poll(said).toContain('DFA-like');
    await screenshot(lab.page, 'design-preset');

    const download = lab.page.waitForEvent('download');
    await design.page.getByTestId('design-export').click();
    const file = await (await download).path();
    const exported = ExperimentSpec.parse(JSON.parse(fs.readFileSync(file, 'utf8')));
    const expected = {
      ...preset.spec,
      rules: preset.spec.rules.map((r) => ({ ...r, params: withDefaults(r.rule, r.params) })),
    };
    expect(exported).toEqual(expected);
  });

  test('an arm can take its own optimiser; a bad layer rate is named at its index', async () => {
    await design.fill('design-train-subset', 2000);
    await design.arm(0).getByTestId('arm-0-layerRates').fill('0.3, fast, 1');
    const issue = design.arm(0).getByTestId('field-issue');
    await issue.waitFor();
    expect(await design.runReason.textContent()).toContain('Rule 1 (EBD) · optimiser layer rates (layer 2): ');
    expect(await design.runButton.isDisabled()).toBe(true);
    await design.arm(0).getByTestId('arm-0-layerRates').fill('0.3, 0.3, 1');
    await issue.waitFor({ state: 'detached' });
    await design.arm(0).getByTestId('rule-arm-own-optimizer').uncheck();
    expect(await design.arm(0).getByTestId('arm-0-layerRates').count()).toBe(0);
  });

  test('the estimate times the step on the chosen backend and scales it to the data', async () => {
    await design.fill('design-batchSize', 50);
    const backends = design.page.getByTestId('design-backend');
    // What cannot run here says why: no CUDA provider is installed on this machine.
    expect(await backends.locator('option[value="onnx-cuda"]').textContent()).toMatch(/unavailable — .*not installed/);
    expect(await backends.locator('option[value="onnx-cpu"]').isDisabled()).toBe(false);
    await backends.selectOption('onnx-cpu');
    await expect
      .poll(async () => (await design.page.getByTestId('design-backend-detail').textContent()) ?? '')
      .toContain('ONNX Runtime');
    const estimate = design.page.getByTestId('design-estimate');
    await expect
      .poll(async () => (await estimate.textContent()) ?? '', { timeout: 60_000 })
      .toMatch(/per epoch per run on onnx-cpu|Could not estimate/);
    expect(await estimate.textContent()).toMatch(/per epoch per run on onnx-cpu/);
    // 2,000 training samples in batches of 50.
    expect(await estimate.textContent()).toContain('40 steps');
    expect(Number(await estimate.getAttribute('data-seconds-per-epoch'))).toBeGreaterThan(0);
    await screenshot(lab.page, 'design-estimate');
  }, 90_000);
});
