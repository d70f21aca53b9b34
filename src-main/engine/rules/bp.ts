import type { Rule, RuleFactory } from './rule';

/** Backpropagation: Φₖ's modulatory factor is Φ_{k+1} carried back through W_{k+1}. The reference. */
export const createBp: RuleFactory = (): Rule => ({
  name: 'bp',
  initialState: () => [],
  hiddenSignal: (ops, k, ctx, phiAbove) => ({
    modulatory: ctx.layers[k]!.backward(ops, ctx.weights[k + 1]!, phiAbove, ctx.h[k]!),
    postsynaptic: null,
    scale: 1 / ctx.batchSize,
  }),
});
