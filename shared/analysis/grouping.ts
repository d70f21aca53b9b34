import { withDefaults, type RuleParamValues } from '../rules/catalogue';
import type { ExperimentSpec, OptimizerSpec, RegularizerSpec, RuleName } from '../schemas/experiment';
import type { Experiment, Run } from '../schemas/records';
import { layerLabel } from '../network/describe';

/**
 * Runs grouped "by everything except the seed": a group is one learning configuration repeated over seeds, the
 * unit a mean ± std is taken over. Runs of different experiments with the same configuration join one group.
 */

/** What determines how a run learns, apart from its seed. */
export interface RunConfig {
  schemaVersion: number;
  dataset: ExperimentSpec['dataset'];
  network: ExperimentSpec['network'];
  loss: ExperimentSpec['loss'];
  /** The run's own arm; named like the spec's list so that diff paths read the same (rules.params.lambda). */
  rules: { rule: RuleName; params: RuleParamValues };
  /** The optimiser and regularisers the arm trains with: its override, else the experiment's. */
  optimizer: OptimizerSpec;
  regularizers: RegularizerSpec;
  epochs: number;
  batchSize: number;
}

export interface RunGroup {
  key: string;
  label: string;
  config: RunConfig;
  /** In seed order. */
  runs: Run[];
}

export interface ConfigDifference {
  /** Dotted, e.g. 'rules.params.lambda' or 'optimizer.learningRate'. */
  path: string;
  /** One per config, in the order given; '—' where a config lacks the path. */
  values: string[];
}

/** Input and output sizes of a dataset, when known, for labels like "784-64-10". */
export type DatasetShapes = (dataset: string) => { input: number; output: number } | undefined;

/**
 * A run's configuration. Left out: the seed (what a group varies), names, description and arm label (cosmetic),
 * monitoring (how often the trainer reports, not what it learns) and the experiment's other arms. Rule
 * parameters get the catalogue's defaults, so a spec that omits one and a spec that spells out the default
 * land in the same group, as they train the same way.
 */
export function runConfig(run: Run, experiment: Experiment): RunConfig {
  const spec = experiment.spec;
  const armIndex = run.environment.arm;
  const byIndex = typeof armIndex === 'number' ? spec.rules[armIndex] : undefined;
  // Older runs may lack environment.arm; the arm with the run's rule is then the only reading that fits.
  const arm = byIndex?.rule === run.rule ? byIndex : spec.rules.find((r) => r.rule === run.rule);
  if (!arm) {
    throw new Error(`run ${run.id} (${run.rule}) matches no arm of experiment ${experiment.id} "${experiment.name}"`);
  }
  return {
    schemaVersion: spec.schemaVersion,
    dataset: spec.dataset,
    network: spec.network,
    loss: spec.loss,
    rules: { rule: arm.rule, params: withDefaults(arm.rule, arm.params) },
    optimizer: arm.optimizer ?? spec.optimizer,
    regularizers: arm.regularizers ?? spec.regularizers,
    epochs: spec.epochs,
    batchSize: spec.batchSize,
  };
}

/** Canonical JSON: object keys sorted at every depth, undefined members left out, array order kept. */
export function groupKey(config: RunConfig): string {
  return JSON.stringify(canonical(config));
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const member = (value as Record<string, unknown>)[key];
      if (member !== undefined) out[key] = canonical(member);
    }
    return out;
  }
  return value;
}

/**
 * Groups runs by configuration, in order of each group's first run (by id). Labels name the rule, dataset and
 * layer sizes; groups that would share a label get the settings that tell them apart appended.
 */
export function groupRuns(
  runs: readonly Run[],
  experimentsById: ReadonlyMap<number, Experiment>,
  shapes: DatasetShapes = () => undefined,
): RunGroup[] {
  const groups = new Map<string, RunGroup>();
  for (const run of [...runs].sort((a, b) => a.id - b.id)) {
    const experiment = experimentsById.get(run.experimentId);
    if (!experiment) throw new Error(`run ${run.id} belongs to experiment ${run.experimentId}, which is not loaded`);
    const config = runConfig(run, experiment);
    const key = groupKey(config);
    const group = groups.get(key);
    if (group) group.runs.push(run);
    else groups.set(key, { key, label: baseLabel(config, shapes), config, runs: [run] });
  }
  const list = [...groups.values()];
  for (const group of list) group.runs.sort((a, b) => a.seed - b.seed || a.id - b.id);
  disambiguate(list);
  return list;
}

function baseLabel(config: RunConfig, shapes: DatasetShapes): string {
  const hidden = config.network.hidden.map(layerLabel);
  const shape = shapes(config.dataset.name);
  const layers = shape ? [shape.input, ...hidden, shape.output].join('-') : `hidden ${hidden.join('-') || 'none'}`;
  return `${config.rules.rule.toUpperCase()} · ${config.dataset.name} · ${layers}`;
}

const MAX_LABEL_DIFFERENCES = 3;

/** Appends "(lambda 0.9, epochs 5)" to groups whose labels collide, naming the settings where they differ. */
function disambiguate(groups: RunGroup[]): void {
  const byLabel = new Map<string, RunGroup[]>();
  for (const g of groups) byLabel.set(g.label, [...(byLabel.get(g.label) ?? []), g]);
  for (const clash of byLabel.values()) {
    if (clash.length < 2) continue;
    const diff = configDiff(clash.map((g) => g.config));
    clash.forEach((group, i) => {
      const parts = diff
        .slice(0, MAX_LABEL_DIFFERENCES)
        .map((d) => `${d.path.split('.').slice(-1)[0] ?? d.path} ${d.values[i] ?? '—'}`);
      if (diff.length > MAX_LABEL_DIFFERENCES) parts.push('…');
      group.label = `${group.label} (${parts.join(', ')})`;
    });
  }
}

/** The settings in which the configs differ, as dotted paths with one display value per config. */
export function configDiff(configs: readonly RunConfig[]): ConfigDifference[] {
  const flats = configs.map((c) => flatten(c));
  const paths = new Set<string>();
  for (const flat of flats) for (const path of flat.keys()) paths.add(path);
  const out: ConfigDifference[] = [];
  for (const path of [...paths].sort(comparePaths)) {
    const values = flats.map((flat) => flat.get(path) ?? MISSING);
    if (values.some((v) => v !== values[0])) out.push({ path, values });
  }
  return out;
}

const MISSING = '—';

/** The arm first: it is what most comparisons vary and what a reader looks for. */
function comparePaths(a: string, b: string): number {
  const rank = (p: string) => (p.startsWith('rules.') ? 0 : 1);
  return rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0);
}

/**
 * Leaves of a config by dotted path. Arrays of plain values (layer rates) are one leaf, shown as a list;
 * arrays of objects (hidden layers) are indexed, so "network.hidden.1.units" names the layer that differs.
 */
function flatten(value: unknown, prefix = '', out = new Map<string, string>()): Map<string, string> {
  if (Array.isArray(value) && value.some((v) => v !== null && typeof v === 'object')) {
    value.forEach((v, i) => flatten(v, join(prefix, String(i)), out));
  } else if (Array.isArray(value)) {
    out.set(prefix, `[${value.map(show).join(', ')}]`);
  } else if (value !== null && typeof value === 'object') {
    for (const [key, member] of Object.entries(value))
      if (member !== undefined) flatten(member, join(prefix, key), out);
  } else {
    out.set(prefix, show(value));
  }
  return out;
}

function join(prefix: string, key: string): string {
  return prefix ? `${prefix}.${key}` : key;
}

function show(value: unknown): string {
  return typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
}
