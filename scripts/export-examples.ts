/**
 * Writes the engine's presets as experiment files in assets/examples/ (npx tsx scripts/export-examples.ts), so that
 * `broadcast-lab run assets/examples/<id>.json` runs exactly what the designer's presets run.
 */
import fs from 'node:fs';
import path from 'node:path';
import prettier from 'prettier';
import {
  PRESETS,
  presetArm,
  presetLoss,
  PRESET_BATCH_SIZE,
  PRESET_INIT,
  PRESET_OPTIMIZER,
} from '../src-main/engine/presets';
import { ExperimentSpec } from '../shared/schemas/experiment';

const dir = path.resolve('assets/examples');
fs.mkdirSync(dir, { recursive: true });
/** The file as the repository's prettier writes it, so that CI's format check passes on freshly exported examples. */
async function write(file: string, value: unknown): Promise<void> {
  const options = (await prettier.resolveConfig(file)) ?? {};
  fs.writeFileSync(file, await prettier.format(JSON.stringify(value), { ...options, parser: 'json' }));
}
for (const preset of PRESETS) await write(path.join(dir, `${preset.id}.json`), ExperimentSpec.parse(preset.spec));
// A few minutes on a laptop CPU: three rules of the MSE family with their preset settings, on a smaller network.
const quick = ExperimentSpec.parse({
  name: 'Quick look: BP, DFA and EBD on Fashion-MNIST',
  description:
    'Two epochs on 5,000 training images with a 256-128 MLP and each rule’s preset settings (see src-main/engine/presets.ts): enough to see every rule learn and compare their curves in a few minutes on a CPU.',
  dataset: { name: 'fashion-mnist', trainSubset: 5000, validationFraction: 0.1 },
  network: { hidden: [{ units: 256 }, { units: 128 }], init: PRESET_INIT },
  loss: presetLoss('ebd'),
  rules: [presetArm('bp', 2, 2), presetArm('dfa', 2, 2), presetArm('ebd', 2, 2)],
  optimizer: PRESET_OPTIMIZER,
  seeds: [1],
  epochs: 2,
  batchSize: PRESET_BATCH_SIZE,
  monitoring: { readEvery: 20, diagnosticsEvery: 50, checkpointEvery: 200 },
});
await write(path.join(dir, 'quick-fashion-mnist.json'), quick);
console.log(`wrote ${PRESETS.length + 1} examples to ${dir}`);
