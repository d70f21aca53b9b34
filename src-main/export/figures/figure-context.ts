import type { ExportSelection } from '../../../shared/api/contract-export';
import { ApiError } from '../../../shared/api/errors';
import type { RuleName } from '../../../shared/schemas/experiment';
import type { Store } from '../../store/types';
import { RULE_STYLES } from '../../../shared/rule-style';
import type { Experiment, Run } from '../../../shared/schemas/records';
import { resolveSelection, type ResolvedSelection } from '../selection';
import type { FigureGroup, SeriesSource } from './figure-data';
import type { FigureContext } from './render-figure';

/** The label the user gave the run's arm in the spec, else the rule's short name (EBD, DFA, BP). */
function shortLabel(run: Run, experiments: ReadonlyMap<number, Experiment>): string {
  const spec = experiments.get(run.experimentId)?.spec;
  const armIndex = run.environment.arm;
  const arm = typeof armIndex === 'number' ? spec?.rules[armIndex] : undefined;
  if (arm?.label && arm.rule === run.rule) return arm.label;
  return run.rule in RULE_STYLES ? RULE_STYLES[run.rule as RuleName].label : run.rule;
}

/**
 * Legend names: the arm's own label or the rule's short name, which is what a figure's reader needs; where two
 * groups would share one (two EBD settings, or one arm on two datasets) the groups' full labels, which name what
 * differs. Groups the caller named (Compare's selection) keep their names.
 */
function legendNames(resolved: ResolvedSelection, given: boolean): string[] {
  const groups = resolved.groups;
  if (given) return groups.map((g) => g.label);
  const short = groups.map((g) => (g.runs[0] ? shortLabel(g.runs[0], resolved.experiments) : g.label));
  return short.every((name, i) => short.indexOf(name) === i) ? short : groups.map((g) => g.label);
}

/** Every stored point, read from SQLite per series (a figure plots whole series; the store pages them). */
export function storeSeriesSource(store: Store): SeriesSource {
  return {
    series: (runId, name, split) => store.metrics.series({ runId, name, split }).points,
    names: (runId, split) =>
      store.metrics
        .names(runId)
        .filter((n) => n.split === split)
        .map((n) => n.name),
  };
}

/** The selection's groups (rule, seeds) and a reader of their series, for one figure. */
export function figureContext(store: Store, selection: ExportSelection, appVersion: string): FigureContext {
  return resolvedFigureContext(store, resolveSelection(store, selection), selection.kind === 'groups', appVersion);
}

/**
 * The same from a selection already read (the bundle's); `namedGroups` when the groups are the caller's own
 * (Compare's), whose names the legend keeps.
 */
export function resolvedFigureContext(
  store: Store,
  resolved: ResolvedSelection,
  namedGroups: boolean,
  appVersion: string,
): FigureContext {
  const names = legendNames(resolved, namedGroups);
  const seenPerRule = new Map<string, number>();
  const groups: FigureGroup[] = resolved.groups.map((group, i) => {
    const rule = group.config.rules.rule as RuleName;
    const nthOfRule = seenPerRule.get(rule) ?? 0;
    seenPerRule.set(rule, nthOfRule + 1);
    return {
      label: names[i] ?? group.label,
      rule,
      nthOfRule,
      runs: group.runs.map((r) => ({ id: r.id, seed: r.seed })),
    };
  });
  if (groups.length === 0) throw new ApiError('not_found', 'Nothing to plot: the selection has no runs.');
  return { groups, source: storeSeriesSource(store), appVersion };
}
