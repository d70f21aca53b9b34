import { numberParam, type Rule, type RuleFactory } from './rule';

/**
 * Feedback alignment (Lillicrap et al. 2016): BP's backward pass with each W_{k+1} replaced by a fixed random
 * matrix of the same shape, `feedback{k+1}`, stored in W_{k+1}'s own layout so the layer's backward product
 * serves both. Drawn as the (N_{k+1} × Nₖ) matrix F (uniform, Glorot limit × scale) and stored transposed.
 */
export const createFa: RuleFactory = (params, { layers }): Rule => {
  const scale = numberParam(params, 'feedbackScale');
  const L = layers.length;
  return {
    name: 'fa',
    initialState: (rng) => {
      const entries = [];
      for (let k = 2; k <= L; k++) {
        const layer = layers[k - 1]!;
        const { shape } = layer.weight;
        const limit = scale * Math.sqrt(6 / (layer.fanIn + layer.fanOut));
        const size = shape.reduce((a, b) => a * b, 1);
        const drawn = rng.fork(`feedback-${k}`).fillUniform(new Float32Array(size), -limit, limit);
        // A dense layer's F is drawn as N_{k+1} × Nₖ (the published layout) and stored transposed; a conv or
        // local layer's is drawn in its stored layout, whose structure (shared kernel, per-position) it keeps.
        const values = layer.kind === 'dense' ? transposed(drawn, shape[1]!, shape[0]!) : drawn;
        entries.push({ name: `feedback${k}`, shape, values, learned: false });
      }
      return entries;
    },
    hiddenSignal: (ops, k, ctx, phiAbove) => ({
      modulatory: ctx.layers[k]!.backward(ops, ctx.state[`feedback${k + 1}`]!, phiAbove, ctx.h[k]!),
      postsynaptic: null,
      scale: 1 / ctx.batchSize,
    }),
    feedbackMatrix: (k, ctx) => ctx.state[`feedback${k + 1}`] ?? null,
  };
};

/** The transpose of a row-major rows × cols matrix. */
export function transposed(values: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(values.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = values[r * cols + c]!;
  return out;
}
