import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openLab, screenshot, type Lab } from './harness';
import { DesignPage } from './pages/design-page';

/** The designer at a small window and a usual one: no label or input of any field may be cut off. */
describe('Design view at narrow widths', () => {
  let lab: Lab;
  let design: DesignPage;

  beforeAll(async () => {
    lab = await openLab();
    design = new DesignPage(lab.page);
    await design.shell.waitForConnection('connected');
    await design.open();
    // A preset with an arm of its own optimiser and the learned-broadcast rule's long parameter labels.
    await design.choosePreset('fashion-mlp-ebd');
    await design.arm(0).waitFor();
  });

  afterAll(async () => {
    await lab?.close();
  });

  test.each([
    [800, 600],
    [1280, 800],
  ])('at %i×%i every field shows its whole label and its input inside its card', async (width, height) => {
    await lab.page.setViewportSize({ width, height });
    const problems = await design.fieldsCutOff();
    await screenshot(lab.page, `design-fields-${width}x${height}`);
    expect(await lab.page.locator('[data-testid="design-form"] .field').count()).toBeGreaterThan(30);
    expect(problems).toEqual([]);
    expect(lab.errors).toEqual([]);
  });
});
