import type { LayerGeometry } from '../../../shared/network/geometry';
import type { Activation } from '../../../shared/schemas/experiment';
import { denseLayer } from './dense';
import type { Layer } from './layer';
import { patchLayer } from './patch-layer';
import { withInputPool } from './pool';

/** The engine's layer for one layer of the network's geometry (shared/network/geometry.ts). */
export function buildLayer(geometry: LayerGeometry, activation: Activation): Layer {
  const layer = geometry.kind === 'dense' ? denseLayer(geometry, activation) : patchLayer(geometry, activation);
  return geometry.inputPool === null ? layer : withInputPool(layer, geometry.inputPool);
}
