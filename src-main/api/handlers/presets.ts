import type { Preset } from '../../../shared/api/contract';
import { ExperimentSpec } from '../../../shared/schemas/experiment';
import { PRESETS } from '../../engine/presets';

let parsed: Preset[] | null = null;

/** The engine's presets with every default filled in, so the designer loads exactly what a run would use. */
export function presetList(): Preset[] {
  parsed ??= PRESETS.map((p) => ({ id: p.id, title: p.title, rule: p.rule, spec: ExperimentSpec.parse(p.spec) }));
  return parsed;
}
