/**
 * Writes the engine's presets as experiment files in assets/examples/ (npx tsx scripts/export-examples.ts), so that
 * `broadcast-lab run assets/examples/<id>.json` runs exactly what the designer's presets run.
 */
import fs from 'node:fs';
import path from 'node:path';
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
for (const preset of PRESETS) {
  fs.writeFileSync(
    path.join(dir, `${preset.id}.json`),
    JSON.stringify(ExperimentSpec.parse(preset.spec), null, 2) + '\n',
  );
}
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
fs.writeFileSync(path.join(dir, 'quick-fashion-mnist.json'), JSON.stringify(quick, null, 2) + '\n');
console.log(`wrote ${PRESETS.length + 1} examples to ${dir}`);
