import { z } from 'zod';
import type { DatasetInfo } from '../../../shared/api/contract';
import type { Issue } from '../../../shared/api/errors';
import { trySummary, type LayerSummary, type NetworkSummary } from '../../../shared/network/summary';
import { LayerSpec } from '../../../shared/schemas/experiment';
import { layerInput, type DesignForm } from './form';

/**
 * The designed network's shapes on the chosen dataset, layer by layer, or why there are none yet. A layer that does
 * not fit its input is an issue at that layer's path (network.hidden.N), so the form shows it at the layer's row and
 * the Run bar refuses to run: the schema alone cannot know the dataset's image size.
 */
export interface NetworkShapes {
  summary: NetworkSummary | null;
  /** The hidden layers' rows that can be shown: all of them, or those before a misfit. */
  fitting: LayerSummary[];
  /** Why there is no summary, when that is not an issue of its own (no dataset yet, a layer's field empty). */
  note: string | null;
  issues: Issue[];
}

const Layers = z.array(LayerSpec);

export function networkShapes(form: DesignForm, dataset: DatasetInfo | null): NetworkShapes {
  if (dataset === null)
    return { summary: null, fitting: [], note: "Choose a dataset to see each layer's shapes.", issues: [] };
  const layers = Layers.safeParse(form.hidden.map(layerInput));
  // The schema's own issues are shown at the fields; the shapes wait for a complete network.
  if (!layers.success)
    return { summary: null, fitting: [], note: "Shapes follow once every layer's fields are valid.", issues: [] };
  const network = { hidden: layers.data, ...(form.biases === null ? {} : { biases: form.biases }) };
  const arms = form.arms.map((arm) => ({ rule: arm.rule, label: arm.label, params: arm.params }));
  const result = trySummary(dataset.inputShape, dataset.outputSize, network, arms);
  const fitting = result.fitting.filter((l) => !l.readout);
  if (result.error === null) return { summary: result.summary, fitting, note: null, issues: [] };
  const { layer, message } = result.error;
  const path = layer >= 1 && layer <= form.hidden.length ? `network.hidden.${layer - 1}` : 'network.hidden';
  return { summary: null, fitting, note: null, issues: [{ path, message }] };
}
