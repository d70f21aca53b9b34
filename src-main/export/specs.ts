import type { ExportContext } from './context';
import { armLabel } from './selection';

/**
 * specs.json: every run's resolved spec — the experiment's complete stored spec (defaults filled in, schema version)
 * and which arm and seed the run is — so that each run can be reproduced from this file alone.
 */
export function runSpecs(ctx: ExportContext) {
  const { selection } = ctx;
  return {
    experiments: [...selection.experiments.values()].map((e) => ({
      experimentId: e.id,
      sessionId: e.sessionId,
      name: e.name,
      schemaVersion: e.schemaVersion,
      spec: e.spec,
    })),
    runs: selection.runs.map((run) => {
      const spec = selection.experiments.get(run.experimentId)!.spec;
      const arm =
        typeof run.environment.arm === 'number'
          ? run.environment.arm
          : spec.rules.findIndex((r) => r.rule === run.rule);
      return {
        runId: run.id,
        experimentId: run.experimentId,
        armIndex: arm,
        armLabel: armLabel(run),
        seed: run.seed,
        arm: spec.rules[arm] ?? null,
        spec: { ...spec, rules: spec.rules[arm] ? [spec.rules[arm]] : spec.rules, seeds: [run.seed] },
      };
    }),
  };
}
