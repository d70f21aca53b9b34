import { layerMetric } from '../../../shared/diagnostics';
import type { Layer } from '../layers/layer';
import { cosine, type Ops } from '../ops';
import { predictorName } from './corinfomax';

/**
 * A CorInfoMax network's own diagnostics (docs/diagnostics.md):
 *  layerK.dynamics_residual          ‖uₖ(T) − uₖ(T−1)‖ / ‖uₖ(T)‖, the last iteration's relative change; layer L is the
 *                                    readout. Small: the free phase reached its equilibrium.
 *  layerK.backward_predictor_angle   angle in degrees between the backward predictor F_{k+1} and W_{k+1}ᵀ, the forward
 *                                    weights it mirrors (the CorInfoMax paper's forward–backward angle); hidden k.
 */
export function dynamicsDiagnostics<T>(
  ops: Ops<T>,
  layers: readonly Layer[],
  state: Readonly<Record<string, T>>,
  residuals: readonly T[],
): Record<string, T> {
  const out: Record<string, T> = {};
  for (const layer of layers) {
    const k = layer.index;
    out[layerMetric(k, 'dynamics_residual')] = residuals[k]!;
    if (k === 1) continue;
    // Fₖ is Nₖ × Nₖ₋₁, the layout of Wₖ's transpose (Wₖ is stored fan-in × fan-out, Nₖ₋₁ × Nₖ).
    const c = cosine(ops, state[predictorName(k)]!, ops.transpose(state[layer.weight.name]!));
    out[layerMetric(k - 1, 'backward_predictor_angle')] = ops.mul(180 / Math.PI, ops.acos(ops.clip(c, -1, 1)));
  }
  return out;
}
