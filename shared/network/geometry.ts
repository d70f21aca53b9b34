import {
  isPatchLayer,
  type DenseLayerSpec,
  type LayerSpec,
  type PatchLayerSpec,
  type PoolSpec,
} from '../schemas/experiment';

/** An image as the engine holds it: channel-last (HWC), flattened row-major to (y·width + x)·channels + c. */
export interface ImageShape {
  height: number;
  width: number;
  channels: number;
}

export type LayerKind = 'dense' | 'conv' | 'local';

/** The pooling a layer applies to its input: the previous layer's `pool`, from its output image to a smaller one. */
export interface InputPool {
  kind: PoolSpec['kind'];
  size: number;
  from: ImageShape;
  to: ImageShape;
}

/**
 * One weight layer's shapes, worked out once from the spec and the dataset: the engine builds its layers from
 * these, the designer shows them, and validation names the layer whose shapes do not fit.
 */
export interface LayerGeometry {
  /** 1-based, the readout last. */
  index: number;
  kind: LayerKind;
  /** Flat units of the input as it arrives (before `inputPool`). */
  inputUnits: number;
  inputPool: InputPool | null;
  /** Dropout probability of the layer's input (after inputPool) while training; 0 for none. */
  inputDropout: number;
  /** Units the dropout mask covers: the input after inputPool. */
  maskedUnits: number;
  /** The input image the layer's patches are taken from (after `inputPool`); null for a dense layer. */
  input: ImageShape | null;
  /** The output image (conv, local); null for a dense layer. */
  output: ImageShape | null;
  /** Flat output units: a dense layer's width, or height × width × channels. */
  units: number;
  kernel: number;
  stride: number;
  padding: number;
  /** Stored layouts: dense [in, out]; conv [k·k·C, O]; local [positions, k·k·C, O]. */
  weightShape: number[];
  biasShape: number[] | null;
  /** Inputs and outputs each weight connects, for the initialisation schemes (PyTorch's convention for conv). */
  fanIn: number;
  fanOut: number;
  params: number;
}

export class NetworkShapeError extends Error {
  constructor(
    /** 1-based layer number (the readout is hidden + 1). */
    readonly layer: number,
    message: string,
  ) {
    super(`layer ${layer}: ${message}`);
    this.name = 'NetworkShapeError';
  }
}

/** The dataset's sample shape as an image, or null when it is not [height, width, channels]. */
export function imageShape(inputShape: readonly number[]): ImageShape | null {
  if (inputShape.length !== 3) return null;
  const [height, width, channels] = inputShape as [number, number, number];
  return { height, width, channels };
}

export function imageUnits(image: ImageShape): number {
  return image.height * image.width * image.channels;
}

export function formatImage(image: ImageShape): string {
  return `${image.height}×${image.width}×${image.channels}`;
}

/**
 * Every weight layer's shapes for a network on a dataset's samples, hidden layers then the dense readout.
 * Throws NetworkShapeError naming the first layer that does not fit.
 */
export function networkGeometry(
  inputShape: readonly number[],
  network: { hidden: readonly LayerSpec[]; biases?: boolean },
  outputSize: number,
): LayerGeometry[] {
  const biases = network.biases ?? true;
  const layers: LayerGeometry[] = [];
  let image = imageShape(inputShape);
  let units = inputShape.reduce((a, b) => a * b, 1);
  let pool: PoolSpec | undefined;
  const specs: LayerSpec[] = [...network.hidden, { kind: 'dense', units: outputSize, activation: 'linear' }];
  specs.forEach((spec, i) => {
    const index = i + 1;
    let inputPool: InputPool | null = null;
    if (pool !== undefined) {
      if (image === null) throw new NetworkShapeError(index - 1, 'pooling needs an image output');
      const to = pooled(image, pool.size);
      if (to.height === 0 || to.width === 0)
        throw new NetworkShapeError(
          index - 1,
          `a ${pool.size}×${pool.size} pool does not fit its ${formatImage(image)} output`,
        );
      inputPool = { kind: pool.kind, size: pool.size, from: image, to };
      image = to;
    }
    const inputUnits = units;
    if (isPatchLayer(spec)) {
      const patchSpec: PatchLayerSpec = spec;
      if (image === null)
        throw new NetworkShapeError(
          index,
          `a ${spec.kind === 'conv' ? 'convolutional' : 'locally connected'} layer needs an image input (height × width × channels), and ${index === 1 ? `the dataset's samples are [${inputShape.join(', ')}]` : 'a dense layer comes before it'}`,
        );
      const { kernel, stride, padding, channels } = patchSpec;
      const height = Math.floor((image.height + 2 * padding - kernel) / stride) + 1;
      const width = Math.floor((image.width + 2 * padding - kernel) / stride) + 1;
      if (height < 1 || width < 1)
        throw new NetworkShapeError(
          index,
          `a ${kernel}×${kernel} kernel with padding ${padding} does not fit its ${formatImage(image)} input`,
        );
      const output = { height, width, channels };
      const patch = kernel * kernel * image.channels;
      const positions = height * width;
      const weightShape = spec.kind === 'conv' ? [patch, channels] : [positions, patch, channels];
      const biasShape = biases ? (spec.kind === 'conv' ? [channels] : [positions * channels]) : null;
      layers.push({
        index,
        kind: spec.kind,
        inputUnits,
        inputPool,
        inputDropout: patchSpec.dropout ?? 0,
        maskedUnits: imageUnits(image),
        input: image,
        output,
        units: imageUnits(output),
        kernel,
        stride,
        padding,
        weightShape,
        biasShape,
        fanIn: patch,
        fanOut: kernel * kernel * channels,
        params: size(weightShape) + (biasShape ? size(biasShape) : 0),
      });
      image = output;
      units = imageUnits(output);
      pool = patchSpec.pool;
      return;
    }
    const denseSpec = spec as DenseLayerSpec;
    // A dense layer after a pooled image sees the pooled units (flattened in the engine's HWC order).
    const weightShape = [inputPool ? imageUnits(inputPool.to) : inputUnits, denseSpec.units];
    const biasShape = biases ? [denseSpec.units] : null;
    layers.push({
      index,
      kind: 'dense',
      inputUnits,
      inputPool,
      inputDropout: denseSpec.dropout ?? 0,
      maskedUnits: weightShape[0]!,
      input: inputPool ? image : null,
      output: null,
      units: denseSpec.units,
      kernel: 0,
      stride: 0,
      padding: 0,
      weightShape,
      biasShape,
      fanIn: weightShape[0]!,
      fanOut: denseSpec.units,
      params: size(weightShape) + (biasShape ? size(biasShape) : 0),
    });
    image = null;
    units = denseSpec.units;
    pool = undefined;
  });
  return layers;
}

/** Non-overlapping windows; a remainder row or column is dropped, as PyTorch's pooling does. */
export function pooled(image: ImageShape, window: number): ImageShape {
  return {
    height: Math.floor(image.height / window),
    width: Math.floor(image.width / window),
    channels: image.channels,
  };
}

function size(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
