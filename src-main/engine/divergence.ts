import type { Model } from './model';
import type { StateTensor } from './runner';

/** Why a run was stopped as diverged: the step, the layer and the quantity, and all three in words. */
export interface Divergence {
  /** Steps trained before the one that went wrong (the step the run stands at). */
  step: number;
  layer: number;
  /** What went non-finite or too large: 'activations', 'activation power', 'training loss', 'weights', … */
  quantity: string;
  reason: string;
}

/** A state tensor named for the user: the layer it belongs to and what it is. */
export interface StateSite {
  name: string;
  layer: number;
  quantity: string;
}

/**
 * The layer and meaning of a state entry, from its name (w2, b2, rule.correlation1, opt.m3, entropy1). Every
 * per-layer entry ends in its layer's number; the optimiser's moments are numbered in Model.params() order.
 */
export function stateSite(model: Model, name: string): StateSite {
  const moment = /^opt\.([mv])(\d+)$/.exec(name);
  if (moment) {
    const param = model.params()[Number(moment[2])];
    const what = param?.name.startsWith('b') ? 'biases' : 'weights';
    const order = moment[1] === 'm' ? 'first' : 'second';
    return { name, layer: param?.layer ?? model.depth, quantity: `optimiser ${order} moment of the ${what}` };
  }
  // correlation1.start: R₀ beside R, of the same layer.
  const layer = Number(/(\d+)(?:\.[a-z]+)?$/.exec(name)?.[1] ?? model.depth);
  if (/^w\d+$/.test(name)) return { name, layer, quantity: 'weights' };
  if (/^b\d+$/.test(name)) return { name, layer, quantity: 'biases' };
  if (name.startsWith('rule.'))
    return { name, layer, quantity: `rule state (${name.slice(5).replace(/\d+(\.[a-z]+)?$/, '$1')})` };
  if (/^entropy\d+$/.test(name)) return { name, layer, quantity: 'entropy regulariser inverse' };
  return { name, layer, quantity: name };
}

/**
 * The state entries holding NaN or ±Infinity, in the state's order (each layer's weights and biases, rule state,
 * optimiser moments, entropy inverses), each with how many values and the first of them.
 */
export function nonFiniteState(
  model: Model,
  state: ReadonlyMap<string, StateTensor>,
): (StateSite & { value: number; count: number })[] {
  const found: (StateSite & { value: number; count: number })[] = [];
  for (const [name, tensor] of state) {
    let count = 0;
    let value = 0;
    const values = tensor.values;
    // An indexed loop: this runs over the whole state at every checkpoint.
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (Number.isFinite(v)) continue;
      if (count === 0) value = v;
      count += 1;
    }
    if (count > 0) found.push({ ...stateSite(model, name), value, count });
  }
  return found;
}

/** "layer 2's weights (w2: 12 non-finite, first NaN)" for each site, joined. */
export function describeSites(sites: readonly (StateSite & { value: number; count: number })[]): string {
  return sites
    .map((s) => `layer ${s.layer}'s ${s.quantity} (${s.name}: ${s.count} non-finite, first ${s.value})`)
    .join('; ');
}

/** What a step's own readings showed: a hidden layer's activations, or the loss. */
export interface StepFinding {
  /** Null for the loss, which belongs to no hidden layer. */
  layer: number | null;
  quantity: string;
  detail: string;
}

/**
 * The first hidden layer whose activation power in one step is non-finite (NaN or infinite activations) or over
 * the limit, else a non-finite loss, else null. `power` holds one value per hidden layer.
 */
export function stepFinding(loss: number, power: Float32Array, limit: number): StepFinding | null {
  for (let k = 0; k < power.length; k++) {
    const value = power[k]!;
    if (!Number.isFinite(value)) {
      const detail = `layer ${k + 1}'s activations became non-finite (activation power ${value})`;
      return { layer: k + 1, quantity: 'activations', detail };
    }
    if (value > limit) {
      const detail = `layer ${k + 1}'s activation power reached ${value.toPrecision(4)} (limit ${limit})`;
      return { layer: k + 1, quantity: 'activation power', detail };
    }
  }
  if (!Number.isFinite(loss))
    return { layer: null, quantity: 'training loss', detail: `the training loss became ${loss}` };
  return null;
}

/**
 * The divergence a step's finding amounts to, with what the state held once the call ended (it may have run a
 * few steps past the one that went wrong). A non-finite loss behind finite hidden layers is laid on the first
 * state entry gone non-finite, or else on the output layer, whose outputs made it.
 */
export function stepDivergence(
  model: Model,
  finding: StepFinding,
  state: ReadonlyMap<string, StateTensor>,
  step: number,
): Divergence {
  const sites = nonFiniteState(model, state);
  const census = sites.length > 0 ? `; the state then held non-finite values in ${describeSites(sites)}` : '';
  const reason = (text: string) => `at step ${step}, ${text}`;
  if (finding.layer !== null) {
    return { step, layer: finding.layer, quantity: finding.quantity, reason: reason(finding.detail + census) };
  }
  const first = sites[0];
  if (first) return { step, layer: first.layer, quantity: first.quantity, reason: reason(finding.detail + census) };
  const output = `${finding.detail} from the output layer (layer ${model.depth}), whose state is still finite`;
  return { step, layer: model.depth, quantity: finding.quantity, reason: reason(output) };
}

/** A divergence found in the state itself (at a checkpoint or the run's end), or null when all of it is finite. */
export function stateDivergence(
  model: Model,
  state: ReadonlyMap<string, StateTensor>,
  step: number,
): Divergence | null {
  const sites = nonFiniteState(model, state);
  const first = sites[0];
  if (!first) return null;
  return {
    step,
    layer: first.layer,
    quantity: first.quantity,
    reason: `at step ${step}, the state held non-finite values in ${describeSites(sites)}`,
  };
}
