import type { LayerGeometry } from '../../../shared/network/geometry';
import type { Activation } from '../../../shared/schemas/experiment';
import { denseLayer } from './dense';
import { withInputMask } from './dropout';
import type { Layer } from './layer';
import { patchLayer } from './patch-layer';
import { withInputPool } from './pool';

/**
 * The engine's layer for one layer of the network's geometry (shared/network/geometry.ts): its own kind, then this
 * step's dropout mask on its (pooled) input when it has one, then the pooling of the previous layer's output.
 */
export function buildLayer<T>(geometry: LayerGeometry, activation: Activation, mask: T | null = null): Layer {
  const own = geometry.kind === 'dense' ? denseLayer(geometry, activation) : patchLayer(geometry, activation);
  const dropped = mask === null ? own : withInputMask(own, mask);
  return geometry.inputPool === null ? dropped : withInputPool(dropped, geometry.inputPool);
}
