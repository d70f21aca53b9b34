/**
 * CorInfoMax's free phase and its local plasticity in float64 loops, written from the equations (docs/corinfomax.md),
 * not from the engine: the reference the engine's Ops version is checked against. Batch-first rows; W stored
 * fan-in × fan-out, F_k as N_k × N_{k−1}, M_k as N_k × N_k, all flat row-major.
 */
export interface NaiveCorInfoMax {
  sizes: number[];
  weights: Float64Array[];
  biases: Float64Array[];
  /** lateral[k − 1] = M_k, k = 1…L. */
  lateral: Float64Array[];
  /** predictors[k − 2] = F_k, k = 2…L. */
  predictors: Float64Array[];
  iterations: number;
  stepSize: number;
  leak: number;
  epsilon: number;
  lambda: number;
}

const clip = (v: number) => Math.min(Math.max(v, 0), 1);

/** r·A for r (batch × n) and A (n × m). */
function times(r: Float64Array, a: Float64Array, batch: number, n: number, m: number): Float64Array {
  const out = new Float64Array(batch * m);
  for (let b = 0; b < batch; b++)
    for (let i = 0; i < n; i++) {
      const v = r[b * n + i]!;
      if (v === 0) continue;
      for (let j = 0; j < m; j++) out[b * m + j]! += v * a[i * m + j]!;
    }
  return out;
}

/** The state u and output r of every layer after the iterations, and each layer's last change ‖Δu‖/‖u‖. */
export function naiveEquilibrium(net: NaiveCorInfoMax, x: Float64Array, batch: number) {
  const { sizes, leak: g, epsilon: eps, stepSize: eta } = net;
  const L = sizes.length - 1;
  const gamma = (1 - net.lambda) / net.lambda;
  const u: Float64Array[] = [x];
  const r: Float64Array[] = [x];
  for (let k = 1; k <= L; k++) {
    u[k] = new Float64Array(batch * sizes[k]!);
    r[k] = new Float64Array(batch * sizes[k]!);
  }
  const residual: number[] = [];
  for (let t = 0; t < net.iterations; t++) {
    for (let k = 1; k <= L; k++) {
      const n = sizes[k]!;
      const basal = times(r[k - 1]!, net.weights[k - 1]!, batch, sizes[k - 1]!, n);
      const lateral = times(r[k]!, net.lateral[k - 1]!, batch, n, n);
      const above = k < L ? times(r[k + 1]!, net.predictors[k - 1]!, batch, sizes[k + 1]!, n) : null;
      const next = new Float64Array(batch * n);
      let change = 0;
      let size = 0;
      for (let i = 0; i < batch * n; i++) {
        const b = basal[i]! + net.biases[k - 1]![i % n]!;
        const uk = u[k]![i]!;
        const rk = r[k]![i]!;
        let du: number;
        if (k < L) {
          const apical = eps * (2 * gamma * lateral[i]! + g * rk) + above![i]!;
          du = -g * uk + (b - uk) / eps + (apical - uk) / eps;
        } else {
          du = -g * uk + (b - uk) / eps + (gamma * lateral[i]! + g * rk - uk);
        }
        next[i] = uk + eta * du;
        change += (next[i]! - uk) ** 2;
        size += next[i]! ** 2;
      }
      u[k] = next;
      r[k] = k === L ? next : next.map(clip);
      residual[k] = Math.sqrt(change) / (Math.sqrt(size) + 1e-12);
    }
  }
  return { u, r, residual };
}

/** M_k and F_k after one step's plasticity at the equilibrium outputs r, with the predictors' (normalised) rates. */
export function naivePlasticity(net: NaiveCorInfoMax, r: Float64Array[], batch: number, rates: number[]) {
  const { sizes } = net;
  const L = sizes.length - 1;
  const gamma = (1 - net.lambda) / net.lambda;
  const lateral: Float64Array[] = [];
  const predictors: Float64Array[] = [];
  for (let k = 1; k <= L; k++) {
    const n = sizes[k]!;
    const m = net.lateral[k - 1]!;
    const z = times(r[k]!, m, batch, n, n);
    const next = new Float64Array(n * n);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        let outer = 0;
        for (let b = 0; b < batch; b++) outer += z[b * n + i]! * z[b * n + j]!;
        next[i * n + j] = (m[i * n + j]! - (gamma * outer) / batch) / net.lambda;
      }
    lateral.push(next);
    if (k === 1) continue;
    const below = sizes[k - 1]!;
    const f = net.predictors[k - 2]!;
    const prediction = times(r[k]!, f, batch, n, below);
    let power = 1e-6;
    for (let i = 0; i < batch * n; i++) power += r[k]![i]! ** 2;
    const updated = Float64Array.from(f);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < below; j++) {
        let s = 0;
        for (let b = 0; b < batch; b++)
          s += r[k]![b * n + i]! * (r[k - 1]![b * below + j]! - prediction[b * below + j]!);
        updated[i * below + j]! += (rates[k - 2]! * s) / power;
      }
    predictors.push(updated);
  }
  return { lateral, predictors };
}
