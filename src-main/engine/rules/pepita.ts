import type { Rng } from '../../common/random';
import { computeLoss } from '../losses';
import type { Ops } from '../ops';
import { numberParam, type LayerTerm, type Rerun, type Rule, type RuleFactory, type StepContext } from './rule';

/** The name of PEPITA's fixed input feedback F in the rule's state (`rule.inputFeedback` in a checkpoint). */
export const INPUT_FEEDBACK = 'inputFeedback';

/**
 * PEPITA (Dellaferrera & Kreiman 2022, ALGORITHMS.md §4): no backward pass. The first forward pass gives the error
 * e (the step's score s); a second forward pass runs on the modulated input x̃ = x + e·F (batch-first, F stored
 * C × d_in: the paper's x + F e with F d_in × C); each hidden layer ℓ descends Φ_ℓ = h_ℓ − h̃_ℓ with the modulated
 * pass's h̃_{ℓ−1} as presynaptic factor (x̃ for the first layer), and the readout descends the second pass's score
 * ẽ with h̃_{L−1}. No f'(U) factor anywhere, and every term is averaged over the batch. On a conv or locally
 * connected layer the same Φ goes through the layer's own gradient product (a sum over positions, as the engine's
 * other rules have it; the paper's conv code divides by the number of positions, which the learning rate absorbs).
 */
export const createPepita: RuleFactory = (params, { layers, classes }): Rule => {
  const scale = numberParam(params, 'feedbackScale');
  const L = layers.length;
  const inputs = layers[0]!.inputUnits;
  return {
    name: 'pepita',
    initialState: (rng) => [
      {
        name: INPUT_FEEDBACK,
        shape: [classes, inputs],
        values: inputFeedback(rng, classes, inputs, scale),
        learned: false,
      },
    ],
    layerTerms: <T>(ops: Ops<T>, ctx: StepContext<T>, rerun: Rerun<T>): LayerTerm<T>[] => {
      const modulated = ops.add(ctx.h[0]!, ops.matmul(ctx.score, ctx.state[INPUT_FEEDBACK]!));
      const second = rerun(modulated);
      const perSample = 1 / ctx.batchSize;
      const terms: LayerTerm<T>[] = [];
      for (let k = 1; k < L; k++) {
        const modulatory = ops.sub(ctx.h[k]!, second[k]!);
        terms[k] = { presynaptic: second[k - 1]!, modulatory, postsynaptic: null, scale: perSample };
      }
      // The readout learns from the modulated pass's own error, ẽ = ∂loss/∂z̃ (ŷ̃ − y for MSE, softmax − onehot).
      const error = computeLoss(ops, ctx.loss, second[L]!, ctx.target).score;
      terms[L] = { presynaptic: second[L - 1]!, modulatory: error, postsynaptic: null, scale: perSample };
      return terms;
    },
  };
};

/**
 * F, C × d_in, fixed for the run: uniform on ±scale·√(6/d_in) as the paper draws it (its scale 0.05), from a
 * stream of its own so that drawing it shifts no other rule's matrices or the weights. Drawn in the stored layout.
 */
export function inputFeedback(rng: Rng, classes: number, inputs: number, scale: number): Float32Array {
  const limit = scale * Math.sqrt(6 / inputs);
  return rng.fork('pepita-input-feedback').fillUniform(new Float32Array(classes * inputs), -limit, limit);
}
