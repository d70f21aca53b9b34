import type { LayerSpec } from '../schemas/experiment';
import type { RuleParamValues } from '../rules/catalogue';
import { layerLabel } from './describe';
import { formatImage, imageShape, networkGeometry, NetworkShapeError, type ImageShape } from './geometry';
import { expandedSize, type ScoreExpansion } from '../rules/score-expansion';

/** Bytes per value: the engine holds every tensor in float32. */
export const BYTES_PER_VALUE = 4;

/**
 * One rule arm's broadcast matrices at one hidden layer, as the designer shows them: `rows` (the outputs, or SBD's
 * expanded score) × the layer's flat units, `copies` of it (the rule's matrix and, for DKP and for EBD/SBD unless R
 * is frozen, its start kept beside it). A single stored copy in float32, as in the rule's state; the engine's own
 * memory check (memory-estimate.ts) counts more: the copies in flight during a call, forward broadcast's input term,
 * the gradient average, optimiser moments and activations.
 */
export interface BroadcastSize {
  /** The arms' labels (or rule names) that share these sizes. */
  arms: string[];
  rows: number;
  units: number;
  /** The layer's output as the broadcast's trailing axes: "28×28×4" (per channel and position) or "128". */
  output: string;
  copies: number;
  values: number;
  bytes: number;
}

/** One weight layer as the designer's shapes column shows it. */
export interface LayerSummary {
  /** 1-based, the readout last. */
  index: number;
  readout: boolean;
  /** "conv(4,3,1,1)+avgpool2", "128", or "readout". */
  label: string;
  /** What the layer takes: an image "28×28×1" or a width "784". */
  input: string;
  /** What the layer gives before its pooling: "28×28×4" or "128". */
  output: string;
  /** The layer's own pooling ("avgpool2") and what it gives ("14×14×4"); null without one. */
  pool: string | null;
  pooled: string | null;
  units: number;
  params: number;
  broadcast: BroadcastSize[];
}

export interface NetworkSummary {
  layers: LayerSummary[];
  params: number;
  /** All arms' broadcast bytes over every layer. */
  broadcastBytes: number;
}

export interface ArmInfo {
  rule: string;
  label?: string;
  params: RuleParamValues;
}

/**
 * The rows and copies of a rule's broadcast matrix at a hidden layer (rules/ in the engine; memory-estimate.ts's
 * ruleStateValues): null for rules without one (BP; FA's feedback has the forward weights' shape, shown as params;
 * PEPITA's one fixed matrix feeds the input, not a hidden layer).
 */
export function broadcastRows(arm: ArmInfo, outputs: number): { rows: number; copies: number } | null {
  switch (arm.rule) {
    case 'dfa':
    case 'drtp':
      return { rows: outputs, copies: 1 };
    case 'dkp':
      return { rows: outputs, copies: 2 };
    case 'ebd':
    case 'sbd': {
      const copies = arm.params.freeze === true ? 1 : 2;
      const expansion = arm.rule === 'sbd' ? ((arm.params.expansion as ScoreExpansion | undefined) ?? 'none') : 'none';
      return { rows: expandedSize(expansion, outputs), copies };
    }
    default:
      return null;
  }
}

/**
 * Every weight layer's shapes, parameters and broadcast sizes for a network on a dataset's samples. Throws
 * NetworkShapeError (from networkGeometry) naming the first layer that does not fit.
 */
export function networkSummary(
  inputShape: readonly number[],
  outputSize: number,
  network: { hidden: readonly LayerSpec[]; biases?: boolean },
  arms: readonly ArmInfo[],
): NetworkSummary {
  const geometry = networkGeometry(inputShape, network, outputSize);
  const layers = geometry.map((g, i): LayerSummary => {
    const readout = i === network.hidden.length;
    const next = geometry[i + 1];
    // What arrives: an image (a dense layer takes it flattened) or a width.
    const arriving: ImageShape | null = g.input ?? (i === 0 ? imageShape(inputShape) : geometry[i - 1]!.output);
    const output = g.output ? formatImage(g.output) : String(g.units);
    return {
      index: g.index,
      readout,
      label: readout ? 'readout' : layerLabel(network.hidden[i]!),
      input: arriving ? formatImage(arriving) : String(g.inputUnits),
      output,
      pool: next?.inputPool ? `${next.inputPool.kind}pool${next.inputPool.size}` : null,
      pooled: next?.inputPool ? formatImage(next.inputPool.to) : null,
      units: g.units,
      params: g.params,
      broadcast: readout ? [] : broadcastAt(g.units, output, outputSize, arms),
    };
  });
  return {
    layers,
    params: layers.reduce((n, l) => n + l.params, 0),
    broadcastBytes: layers.reduce((n, l) => n + l.broadcast.reduce((m, b) => m + b.bytes, 0), 0),
  };
}

/** The arms' broadcast sizes at one layer, arms of equal sizes together (in the arms' order). */
function broadcastAt(units: number, output: string, outputs: number, arms: readonly ArmInfo[]): BroadcastSize[] {
  const sizes: BroadcastSize[] = [];
  for (const arm of arms) {
    const shape = broadcastRows(arm, outputs);
    if (!shape) continue;
    const name = arm.label?.trim() || arm.rule.toUpperCase();
    const same = sizes.find((s) => s.rows === shape.rows && s.copies === shape.copies);
    if (same) {
      if (!same.arms.includes(name)) same.arms.push(name);
      continue;
    }
    const values = shape.copies * shape.rows * units;
    sizes.push({
      arms: [name],
      rows: shape.rows,
      units,
      output,
      copies: shape.copies,
      values,
      bytes: values * BYTES_PER_VALUE,
    });
  }
  return sizes;
}

/**
 * The summary, or the shape error in a form the designer can place at its layer, with the layers before it that do
 * fit (so their shapes stay in view while the misfit is fixed). Errors other than shape errors are thrown.
 */
export function trySummary(
  inputShape: readonly number[],
  outputSize: number,
  network: { hidden: readonly LayerSpec[]; biases?: boolean },
  arms: readonly ArmInfo[],
):
  | { summary: NetworkSummary; error: null; fitting: LayerSummary[] }
  | { summary: null; error: NetworkShapeError; fitting: LayerSummary[] } {
  try {
    const summary = networkSummary(inputShape, outputSize, network, arms);
    return { summary, error: null, fitting: summary.layers };
  } catch (error) {
    if (!(error instanceof NetworkShapeError)) throw error;
    const before = network.hidden.slice(0, Math.max(0, error.layer - 1));
    const fitting = networkSummary(inputShape, outputSize, { ...network, hidden: before }, arms).layers;
    return { summary: null, error, fitting: fitting.slice(0, before.length) };
  }
}
