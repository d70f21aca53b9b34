import type { ScoreExpansion } from '../../shared/rules/score-expansion';
import type { Ops } from './ops';

/**
 * Score vector expansion for SBD: more decorrelation directions than the C (for cross-entropy, C−1) that the score
 * alone offers. Each form keeps zero conditional mean at the optimum, which is what the decorrelation principle needs:
 *  - 'outer_probs':  s̃ = [s ; s ⊗ p], p = the network's own detached prediction. E[s|x] = 0 and p is a function of
 *    x, so E[s ⊗ p | x] = 0. Dimension C + C².
 *  - 'second_order': s̃ = [s ; vech(s sᵀ − (diag p − p pᵀ))], for cross-entropy only: at the optimum p is the true
 *    class probability, and E[s sᵀ | x] = Cov(y | x) = diag p − p pᵀ. The matrix is symmetric, so only its C(C+1)/2
 *    entries on and above the diagonal are kept: with all C² every off-diagonal pair would count twice in ‖R‖².
 *    Dimension C + C(C+1)/2.
 * Raw powers of score components, or anything multiplied by a function of the target, would break the zero mean
 * and are not offered.
 */
export { expandedSize, type ScoreExpansion } from '../../shared/rules/score-expansion';

/** Positions (i·C + j, i ≤ j) of the entries on and above the diagonal of a flattened C × C matrix. */
export function upperTriangle(classes: number): Int32Array {
  const out: number[] = [];
  for (let i = 0; i < classes; i++) for (let j = i; j < classes; j++) out.push(i * classes + j);
  return Int32Array.from(out);
}

export function expandScore<T>(ops: Ops<T>, expansion: ScoreExpansion, score: T, prediction: T): T {
  if (expansion === 'none') return score;
  const [batch, classes] = ops.shape(score) as [number, number];
  const column = (x: T) => ops.reshape(x, [batch, classes, 1]);
  const row = (x: T) => ops.reshape(x, [batch, 1, classes]);
  const flat = (x: T) => ops.reshape(x, [batch, classes * classes]);
  if (expansion === 'outer_probs') return ops.concat([score, flat(ops.mul(column(score), row(prediction)))], 1);
  const ssT = ops.mul(column(score), row(score));
  const ppT = ops.mul(column(prediction), row(prediction));
  const eye = new Float32Array(classes * classes);
  for (let c = 0; c < classes; c++) eye[c * classes + c] = 1;
  const diagP = ops.mul(column(prediction), ops.constant(eye, [1, classes, classes]));
  const centred = flat(ops.sub(ssT, ops.sub(diagP, ppT)));
  return ops.concat([score, ops.gather(centred, ops.indices(upperTriangle(classes)), 1)], 1);
}
