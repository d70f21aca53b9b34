import type { Rng } from '../../common/random';

/**
 * Fixed random matrices for broadcast rules (DFA, DRTP, DKP, and the start of EBD/SBD's correlation). Drawn per
 * layer from a named stream of the run's seed, so that rules compared under one seed get the same matrices: EBD's
 * initial R is exactly DFA's B, which is what makes "EBD with frozen R = DFA" testable. Entries are uniform on
 * ±scale·√(3/rows): unit variance per output row before the scale. Row-major rows × cols.
 */
export function broadcastInit(rng: Rng, layer: number, rows: number, cols: number, scale: number): Float32Array {
  const stream = rng.fork(`broadcast-${layer}`);
  const limit = scale * Math.sqrt(3 / rows);
  return stream.fillUniform(new Float32Array(rows * cols), -limit, limit);
}
