import { isPatchLayer, type DenseLayerSpec, type LayerSpec } from '../schemas/experiment';

/**
 * A layer as the papers write it: a dense layer by its width ("1024"), a patch layer as
 * conv(channels, kernel, stride, padding) or local(…), followed by its pooling ("+avgpool2").
 */
export function layerLabel(layer: LayerSpec): string {
  if (isPatchLayer(layer)) {
    const pool = layer.pool ? `+${layer.pool.kind}pool${layer.pool.size}` : '';
    return `${layer.kind}(${layer.channels},${layer.kernel},${layer.stride},${layer.padding})${pool}`;
  }
  return String((layer as DenseLayerSpec).units);
}

/** The width a sweep or a label can read of a dense layer; null for a patch layer. */
export function denseUnits(layer: LayerSpec): number | null {
  return isPatchLayer(layer) ? null : (layer as DenseLayerSpec).units;
}
