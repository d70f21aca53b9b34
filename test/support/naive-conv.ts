import type { LayerSpec } from '../../shared/schemas/experiment';

/*
 * A reference for image networks written as plain loops in float64, sharing no code with the engine: its own shape
 * arithmetic, its own patch indexing, its own pooling and its own backward products. The only thing it takes from
 * the engine is the documented storage layout (shared/network/geometry.ts): images channel-last, flattened
 * (y·W + x)·C + c; a conv weight [k·k·C_in, C_out] with patch entries in (ki, kj, c) order; a local weight
 * [positions, k·k·C_in, C_out] with positions row-major (oy, ox); a conv bias [C_out], a local one [positions·C_out];
 * a dense weight [fan-in, fan-out]. Batches are row-major B × units.
 */

export interface Shape {
  height: number;
  width: number;
  channels: number;
}

export interface NaivePool {
  kind: 'avg' | 'max';
  size: number;
  from: Shape;
  to: Shape;
}

export type NaiveActivation = 'tanh' | 'relu' | 'linear';

export interface NaiveLayer {
  kind: 'dense' | 'conv' | 'local';
  activation: NaiveActivation;
  /** Pooling of the layer's input (the previous layer's `pool`), or null. */
  pool: NaivePool | null;
  /** Units of the input as it arrives, before the pool. */
  arriving: number;
  /** Units after the pool: what the weights see. */
  inputUnits: number;
  input: Shape | null;
  output: Shape | null;
  units: number;
  kernel: number;
  stride: number;
  padding: number;
  weightSize: number;
  biasSize: number;
}

export interface NaiveParams {
  /** Layer k's weight at index k − 1, in the engine's stored layout. */
  weights: Float64Array[];
  biases: (Float64Array | null)[];
}

const size = (s: Shape) => s.height * s.width * s.channels;

/** Every weight layer of a network on images of `input`, the dense linear readout last. */
export function naiveNetwork(input: Shape, hidden: readonly LayerSpec[], classes: number): NaiveLayer[] {
  const layers: NaiveLayer[] = [];
  let image: Shape | null = input;
  let units = size(input);
  let pool: { kind: 'avg' | 'max'; size: number } | undefined;
  const specs: LayerSpec[] = [...hidden, { kind: 'dense', units: classes, activation: 'linear' }];
  for (const spec of specs) {
    let naivePool: NaivePool | null = null;
    const arriving = units;
    if (pool) {
      const from: Shape = image!;
      const to: Shape = {
        height: Math.floor(from.height / pool.size),
        width: Math.floor(from.width / pool.size),
        channels: from.channels,
      };
      naivePool = { kind: pool.kind, size: pool.size, from, to };
      image = to;
      units = size(to);
    }
    const activation = spec.activation as NaiveActivation;
    if (spec.kind === 'conv' || spec.kind === 'local') {
      const from: Shape = image!;
      const { kernel, stride = 1, padding = 0, channels } = spec;
      const out: Shape = {
        height: Math.floor((from.height + 2 * padding - kernel) / stride) + 1,
        width: Math.floor((from.width + 2 * padding - kernel) / stride) + 1,
        channels,
      };
      const patch = kernel * kernel * from.channels;
      const positions = out.height * out.width;
      layers.push({
        kind: spec.kind,
        activation,
        pool: naivePool,
        arriving,
        inputUnits: units,
        input: from,
        output: out,
        units: size(out),
        kernel,
        stride,
        padding,
        weightSize: spec.kind === 'conv' ? patch * channels : positions * patch * channels,
        biasSize: spec.kind === 'conv' ? channels : positions * channels,
      });
      image = out;
      units = size(out);
      pool = spec.pool;
    } else {
      const dense = spec as Extract<LayerSpec, { units: number }>;
      layers.push({
        kind: 'dense',
        activation,
        pool: naivePool,
        arriving,
        inputUnits: units,
        input: image,
        output: null,
        units: dense.units,
        kernel: 0,
        stride: 0,
        padding: 0,
        weightSize: units * dense.units,
        biasSize: dense.units,
      });
      image = null;
      units = dense.units;
      pool = undefined;
    }
  }
  return layers;
}

/** Input pixel (y, x, c) of sample b, or 0 in the padding. */
function pixel(x: Float64Array, b: number, s: Shape, y: number, xx: number, c: number): number {
  if (y < 0 || y >= s.height || xx < 0 || xx >= s.width) return 0;
  return x[b * size(s) + (y * s.width + xx) * s.channels + c]!;
}

/**
 * Visits every (output position, kernel offset, input channel) of a patch layer with the input pixel it reads
 * (flat index within the sample, or −1 in the padding) and its patch entry e = (ki·k + kj)·C + c.
 */
function forEachTap(
  layer: NaiveLayer,
  visit: (oy: number, ox: number, e: number, y: number, x: number, c: number) => void,
): void {
  const { input, output, kernel, stride, padding } = layer;
  for (let oy = 0; oy < output!.height; oy++)
    for (let ox = 0; ox < output!.width; ox++)
      for (let ki = 0; ki < kernel; ki++)
        for (let kj = 0; kj < kernel; kj++)
          for (let c = 0; c < input!.channels; c++)
            visit(
              oy,
              ox,
              (ki * kernel + kj) * input!.channels + c,
              oy * stride + ki - padding,
              ox * stride + kj - padding,
              c,
            );
}

/** Non-overlapping pooling; a remainder row or column is dropped. */
export function naivePool(pool: NaivePool, x: Float64Array, batch: number): Float64Array {
  const { from, to, size: s } = pool;
  const out = new Float64Array(batch * size(to));
  for (let b = 0; b < batch; b++)
    for (let oy = 0; oy < to.height; oy++)
      for (let ox = 0; ox < to.width; ox++)
        for (let c = 0; c < to.channels; c++) {
          let acc = pool.kind === 'avg' ? 0 : -Infinity;
          for (let i = 0; i < s; i++)
            for (let j = 0; j < s; j++) {
              const v = pixel(x, b, from, oy * s + i, ox * s + j, c);
              acc = pool.kind === 'avg' ? acc + v / (s * s) : Math.max(acc, v);
            }
          out[b * size(to) + (oy * to.width + ox) * to.channels + c] = acc;
        }
  return out;
}

/** ∂/∂x of Σ⟨g, pool(x)⟩: evenly over the window for avg, onto the window's maximum for max. */
function poolAdjoint(pool: NaivePool, g: Float64Array, x: Float64Array, batch: number): Float64Array {
  const { from, to, size: s } = pool;
  const out = new Float64Array(batch * size(from));
  const at = (b: number, y: number, xx: number, c: number) =>
    b * size(from) + (y * from.width + xx) * from.channels + c;
  for (let b = 0; b < batch; b++)
    for (let oy = 0; oy < to.height; oy++)
      for (let ox = 0; ox < to.width; ox++)
        for (let c = 0; c < to.channels; c++) {
          const gv = g[b * size(to) + (oy * to.width + ox) * to.channels + c]!;
          let max = -Infinity;
          for (let i = 0; i < s; i++)
            for (let j = 0; j < s; j++) max = Math.max(max, x[at(b, oy * s + i, ox * s + j, c)]!);
          for (let i = 0; i < s; i++)
            for (let j = 0; j < s; j++) {
              const index = at(b, oy * s + i, ox * s + j, c);
              if (pool.kind === 'avg') out[index]! += gv / (s * s);
              else if (x[index] === max) out[index]! += gv;
            }
        }
  return out;
}

/** The smallest gap between a max-pool window's largest and second largest value: finite differences need it > eps. */
export function maxPoolMargin(pool: NaivePool, x: Float64Array, batch: number): number {
  const { from, to, size: s } = pool;
  let margin = Infinity;
  for (let b = 0; b < batch; b++)
    for (let oy = 0; oy < to.height; oy++)
      for (let ox = 0; ox < to.width; ox++)
        for (let c = 0; c < to.channels; c++) {
          const values: number[] = [];
          for (let i = 0; i < s; i++)
            for (let j = 0; j < s; j++) values.push(pixel(x, b, from, oy * s + i, ox * s + j, c));
          values.sort((p, q) => q - p);
          margin = Math.min(margin, values[0]! - values[1]!);
        }
  return margin;
}

/** The pre-activation U of one layer for its (already pooled) input. */
export function naiveLayerForward(
  layer: NaiveLayer,
  w: Float64Array,
  bias: Float64Array | null,
  x: Float64Array,
  batch: number,
): Float64Array {
  const out = new Float64Array(batch * layer.units);
  if (layer.kind === 'dense') {
    for (let b = 0; b < batch; b++)
      for (let o = 0; o < layer.units; o++) {
        let acc = bias ? bias[o]! : 0;
        for (let i = 0; i < layer.inputUnits; i++) acc += x[b * layer.inputUnits + i]! * w[i * layer.units + o]!;
        out[b * layer.units + o] = acc;
      }
    return out;
  }
  const { output } = layer;
  const channels = output!.channels;
  const patch = layer.kernel * layer.kernel * layer.input!.channels;
  for (let b = 0; b < batch; b++) {
    forEachTap(layer, (oy, ox, e, y, xx, c) => {
      const v = pixel(x, b, layer.input!, y, xx, c);
      const p = oy * output!.width + ox;
      for (let o = 0; o < channels; o++) {
        const weight = layer.kind === 'conv' ? w[e * channels + o]! : w[(p * patch + e) * channels + o]!;
        out[b * layer.units + p * channels + o]! += v * weight;
      }
    });
    if (bias)
      for (let p = 0; p < output!.height * output!.width; p++)
        for (let o = 0; o < channels; o++)
          out[b * layer.units + p * channels + o]! += layer.kind === 'conv' ? bias[o]! : bias[p * channels + o]!;
  }
  return out;
}

/** ∂/∂x of Σ_batch ⟨Φ, U(x)⟩ with `m` (W or a feedback matrix of W's layout) as the weights: x the pooled input. */
function layerInputAdjoint(layer: NaiveLayer, m: Float64Array, phi: Float64Array, batch: number): Float64Array {
  const out = new Float64Array(batch * layer.inputUnits);
  if (layer.kind === 'dense') {
    for (let b = 0; b < batch; b++)
      for (let i = 0; i < layer.inputUnits; i++) {
        let acc = 0;
        for (let o = 0; o < layer.units; o++) acc += phi[b * layer.units + o]! * m[i * layer.units + o]!;
        out[b * layer.inputUnits + i] = acc;
      }
    return out;
  }
  const { input, output } = layer;
  const channels = output!.channels;
  const patch = layer.kernel * layer.kernel * input!.channels;
  for (let b = 0; b < batch; b++)
    forEachTap(layer, (oy, ox, e, y, xx, c) => {
      if (y < 0 || y >= input!.height || xx < 0 || xx >= input!.width) return;
      const p = oy * output!.width + ox;
      let acc = 0;
      for (let o = 0; o < channels; o++) {
        const weight = layer.kind === 'conv' ? m[e * channels + o]! : m[(p * patch + e) * channels + o]!;
        acc += phi[b * layer.units + p * channels + o]! * weight;
      }
      out[b * layer.inputUnits + (y * input!.width + xx) * input!.channels + c]! += acc;
    });
  return out;
}

/** ∂/∂(the layer's input as it arrives, before its pool) of Σ⟨Φ, U⟩, with `m` as the weights. */
export function naiveBackward(
  layer: NaiveLayer,
  m: Float64Array,
  phi: Float64Array,
  arriving: Float64Array,
  batch: number,
): Float64Array {
  const pooledGrad = layerInputAdjoint(layer, m, phi, batch);
  return layer.pool ? poolAdjoint(layer.pool, pooledGrad, arriving, batch) : pooledGrad;
}

/** ∂/∂W and ∂/∂b of Σ_batch ⟨Φ, U⟩ for the layer's pooled input x: patchesᵀΦ, per position for a local layer. */
export function naiveParamGradients(
  layer: NaiveLayer,
  x: Float64Array,
  phi: Float64Array,
  batch: number,
): { weight: Float64Array; bias: Float64Array } {
  const weight = new Float64Array(layer.weightSize);
  const bias = new Float64Array(layer.biasSize);
  if (layer.kind === 'dense') {
    for (let b = 0; b < batch; b++)
      for (let o = 0; o < layer.units; o++) {
        const g = phi[b * layer.units + o]!;
        bias[o]! += g;
        for (let i = 0; i < layer.inputUnits; i++) weight[i * layer.units + o]! += x[b * layer.inputUnits + i]! * g;
      }
    return { weight, bias };
  }
  const { output } = layer;
  const channels = output!.channels;
  const patch = layer.kernel * layer.kernel * layer.input!.channels;
  for (let b = 0; b < batch; b++) {
    forEachTap(layer, (oy, ox, e, y, xx, c) => {
      const v = pixel(x, b, layer.input!, y, xx, c);
      const p = oy * output!.width + ox;
      for (let o = 0; o < channels; o++) {
        const g = phi[b * layer.units + p * channels + o]!;
        if (layer.kind === 'conv') weight[e * channels + o]! += v * g;
        else weight[(p * patch + e) * channels + o]! += v * g;
      }
    });
    for (let p = 0; p < output!.height * output!.width; p++)
      for (let o = 0; o < channels; o++)
        bias[layer.kind === 'conv' ? o : p * channels + o]! += phi[b * layer.units + p * channels + o]!;
  }
  return { weight, bias };
}

export interface NaivePass {
  /** h[0] = x, h[k] = f(U_k), h[L] = z. */
  h: Float64Array[];
  /** f'(U_k) for hidden k. */
  fprime: Float64Array[];
  /** Layer k's pooled input at index k (what its weights multiply). */
  pooled: Float64Array[];
}

export function naiveForward(layers: NaiveLayer[], params: NaiveParams, x: Float64Array, batch: number): NaivePass {
  const h = [x];
  const fprime: Float64Array[] = [new Float64Array(0)];
  const pooled: Float64Array[] = [new Float64Array(0)];
  layers.forEach((layer, i) => {
    const arriving = h[i]!;
    const input = layer.pool ? naivePool(layer.pool, arriving, batch) : arriving;
    pooled.push(input);
    const u = naiveLayerForward(layer, params.weights[i]!, params.biases[i] ?? null, input, batch);
    const act = i === layers.length - 1 ? 'linear' : layer.activation;
    h.push(u.map((v) => (act === 'tanh' ? Math.tanh(v) : act === 'relu' ? Math.max(v, 0) : v)));
    fprime.push(u.map((v) => (act === 'tanh' ? 1 - Math.tanh(v) ** 2 : act === 'relu' ? (v > 0 ? 1 : 0) : 1)));
  });
  return { h, fprime, pooled };
}

/** The batch-mean loss and the score s = ∂loss_b/∂z_b, as ALGORITHMS.md §1 defines them. */
export function naiveLoss(
  loss: 'mse' | 'cross_entropy',
  z: Float64Array,
  y: ArrayLike<number>,
  batch: number,
): { loss: number; score: Float64Array } {
  const classes = z.length / batch;
  const score = new Float64Array(z.length);
  let total = 0;
  for (let b = 0; b < batch; b++) {
    const row = Array.from(z.subarray(b * classes, (b + 1) * classes));
    if (loss === 'mse') {
      row.forEach((v, c) => {
        const e = v - y[b * classes + c]!;
        score[b * classes + c] = e;
        total += 0.5 * e * e;
      });
    } else {
      const max = Math.max(...row);
      const logSum = max + Math.log(row.reduce((acc, v) => acc + Math.exp(v - max), 0));
      row.forEach((v, c) => {
        const t = y[b * classes + c]!;
        score[b * classes + c] = Math.exp(v - logSum) - t;
        total -= t * (v - logSum);
      });
    }
  }
  return { loss: total / batch, score };
}

/** The row-major product a (n × k) · b (k × m). */
export function matmul(a: ArrayLike<number>, b: ArrayLike<number>, n: number, k: number, m: number): Float64Array {
  const out = new Float64Array(n * m);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < m; j++) {
      let acc = 0;
      for (let l = 0; l < k; l++) acc += a[i * k + l]! * b[l * m + j]!;
      out[i * m + j] = acc;
    }
  return out;
}

/** aᵀ·b for a (rows × n) and b (rows × m): the n × m sum over rows of a_rowᵀ b_row. */
export function matmulTransposeA(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  rows: number,
  n: number,
  m: number,
): Float64Array {
  const out = new Float64Array(n * m);
  for (let r = 0; r < rows; r++)
    for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) out[i * m + j]! += a[r * n + i]! * b[r * m + j]!;
  return out;
}

export function norm(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! ** 2;
  return Math.sqrt(s);
}
