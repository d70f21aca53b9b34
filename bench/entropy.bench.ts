// The entropy term's tracked inverse against a direct (R_h + εI)⁻¹ after 3,000 steps on a 512-unit ReLU layer fed
// by 64 inputs, for B 16/20/32/128 and λ_E 0.99/0.99999 (issue: within 1%). The CI test runs the same at 128 units.
// `npx tsx bench/entropy.bench.ts [--units 512] [--steps 3000]` (or `npm run bench entropy`).
import { floorRowsPerStep } from '../src-main/engine/regularizers/entropy';
import { trackerError } from '../test/support/entropy-tracker';
import { option, positiveInt } from './lib/options';

const units = positiveInt(option('units', 'UNITS'), 512, 'units');
const steps = positiveInt(option('steps', 'STEPS'), 3000, 'steps');
console.log(`entropy inverse: ${units} ReLU units on 64 inputs, ${steps} steps, ε = 0.01, onnx-cpu 1 thread`);
console.log('B     λ_E       floor rows/step  relative error  time     within 1%');
for (const lambda of [0.99, 0.99999]) {
  for (const batch of [16, 20, 32, 128]) {
    const started = performance.now();
    const error = await trackerError({ units, inputs: 64, batch, lambda, steps });
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `${String(batch).padEnd(6)}${String(lambda).padEnd(10)}${String(floorRowsPerStep(units, lambda)).padEnd(17)}` +
        `${error.toExponential(2).padEnd(16)}${`${seconds.toFixed(0)} s`.padEnd(9)}${error < 0.01 ? 'PASS' : 'MISS'}`,
    );
  }
}
