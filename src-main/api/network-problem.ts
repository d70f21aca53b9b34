import { networkGeometry, NetworkShapeError } from '../../shared/network/geometry';
import type { ExperimentSpec } from '../../shared/schemas/experiment';

/**
 * The first layer whose shapes do not fit the dataset's samples, as a validation issue at that layer's path
 * (the readout, layer hidden + 1, at network.hidden): what the designer shows at the layer's row, said by the
 * server too, so that the API and the CLI refuse such a spec before any run is planned.
 */
export function networkProblem(
  spec: ExperimentSpec,
  inputShape: readonly number[],
  outputSize: number,
): { path: string; message: string } | null {
  try {
    networkGeometry(inputShape, spec.network, outputSize);
    return null;
  } catch (error) {
    if (!(error instanceof NetworkShapeError)) throw error;
    const hidden = spec.network.hidden.length;
    const path = error.layer <= hidden ? `network.hidden.${error.layer - 1}` : 'network.hidden';
    return { path, message: error.message };
  }
}
