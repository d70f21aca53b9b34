import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Preset } from '../../shared/api/contract';
import { withDefaults } from '../../shared/rules/catalogue';
import { ExperimentSpec } from '../../shared/schemas/experiment';
import { openLab, screenshot, type Lab } from './harness';
import { DesignPage } from './pages/design-page';

/** The network editor's layer kinds on a real dataset: shapes as the layers change, a misfit named at its layer. */
describe('Design view: convolutional layers and their shapes', () => {
  let lab: Lab;
  let design: DesignPage;

  beforeAll(async () => {
    lab = await openLab({ viewport: { width: 800, height: 600 }, acceptDownloads: true });
    design = new DesignPage(lab.page);
    await design.shell.waitForConnection('connected');
    await design.open();
    await design.chooseDataset('fashion-mnist');
  });

  afterAll(async () => {
    await lab?.close();
  });

  test('a conv layer with pooling shows its shapes, and a kernel too large is named at its layer with Run off', async () => {
    const first = design.layer(0);
    await first.getByTestId('design-layer-kind').selectOption('conv');
    await first.getByTestId('design-layer-channels').fill('4');
    await first.getByTestId('design-layer-kernel').fill('3');
    await first.getByTestId('design-layer-stride').fill('1');
    await first.getByTestId('design-layer-padding').fill('1');
    const shapes = first.getByTestId('design-layer-shapes');
    await expect.poll(() => shapes.textContent()).toContain('28×28×1 → 28×28×4 · 40 parameters');
    // The default arms, EBD and BP: only EBD broadcasts, R and its start: 10 classes × each channel and position.
    expect(await shapes.textContent()).toContain('Broadcast: EBD 2 × 10 × 28×28×4 (251 kB)');

    await first.getByTestId('design-layer-pool').selectOption('avg');
    await expect.poll(() => shapes.textContent()).toContain('28×28×1 → 28×28×4 → avgpool2 → 14×14×4');
    await expect
      .poll(() => design.page.getByTestId('design-readout-shapes').textContent())
      .toContain('14×14×4 → 10 · 7,850 parameters');
    await design.page.getByTestId('design-biases').uncheck();
    await expect.poll(() => shapes.textContent()).toContain('· 36 parameters');
    await expect.poll(() => design.runButton.isEnabled()).toBe(true);
    // Every field of the new kinds fits the small window.
    expect(await design.fieldsCutOff()).toEqual([]);
    await first.scrollIntoViewIfNeeded();
    await screenshot(lab.page, 'design-network-shapes');

    // A second layer like the first, then a kernel larger than its 14×14 input.
    await design.page.getByTestId('design-layer-add').click();
    const second = design.layer(1);
    await second.getByTestId('design-layer-pool').selectOption('none');
    await second.getByTestId('design-layer-kernel').fill('15');
    await second.getByTestId('design-layer-padding').fill('0');
    const misfit = second.getByTestId('design-layer-misfit');
    await expect
      .poll(() => misfit.textContent())
      .toBe('layer 2: a 15×15 kernel with padding 0 does not fit its 14×14×4 input');
    expect(await design.runButton.isDisabled()).toBe(true);
    expect(await design.runReason.textContent()).toContain(
      'Hidden layer 2: a 15×15 kernel with padding 0 does not fit its 14×14×4 input',
    );
    expect(await first.getByTestId('design-layer-misfit').count()).toBe(0);
    expect(await shapes.textContent()).toContain('28×28×4 → avgpool2 → 14×14×4');
    await screenshot(lab.page, 'design-network-misfit');

    await second.getByTestId('design-layer-kernel').fill('5');
    await expect.poll(() => second.getByTestId('design-layer-shapes').textContent()).toContain('14×14×4 → 10×10×4');
    await expect.poll(() => design.runButton.isEnabled()).toBe(true);

    // A table dataset has no image for a conv layer to take patches of.
    await design.chooseDataset('spirals');
    await expect
      .poll(() => first.getByTestId('design-layer-misfit').textContent())
      .toMatch(/^layer 1: a convolutional layer needs an image input .*\[2\]/);
    expect(await design.runButton.isDisabled()).toBe(true);
    expect(lab.errors).toEqual([]);
  });

  test("the EBD paper's CIFAR-10 CNN preset shows its shapes and leaves the form as the preset, nothing lost", async () => {
    const presets = (await lab.invoke('presets.list', {})) as Preset[];
    const preset = presets.find((p) => p.id === 'ebd-paper-cifar10-cnn-quick')!;
    await design.choosePreset(preset.id);
    const shapes = (i: number) => design.layer(i).getByTestId('design-layer-shapes').textContent();
    await expect.poll(() => shapes(0)).toContain('32×32×3 → 32×32×128 → avgpool2 → 16×16×128');
    expect(await shapes(2)).toContain('8×8×64 → 4×4×64');
    expect(await shapes(3)).toContain('4×4×64 → 1024 · 1,048,576 parameters');
    expect(await design.page.getByTestId('design-biases').isChecked()).toBe(false);
    expect(await design.page.getByTestId('design-standardise-over').inputValue()).toBe('channel');
    await design.layer(0).scrollIntoViewIfNeeded();
    await screenshot(lab.page, 'design-network-cnn-preset');

    const download = lab.page.waitForEvent('download');
    await design.page.getByTestId('design-export').click();
    const exported = ExperimentSpec.parse(JSON.parse(fs.readFileSync(await (await download).path(), 'utf8')));
    expect(exported).toEqual({
      ...preset.spec,
      rules: preset.spec.rules.map((r) => ({ ...r, params: withDefaults(r.rule, r.params) })),
    });
    expect(lab.errors).toEqual([]);
  });
});
