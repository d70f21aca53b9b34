import type { ExportSelection } from '../../../shared/api/contract-export';

/** One Compare group as export.* takes it: its label (as Compare shows it) and the picked seeds' runs. */
export type ExportGroup = Extract<ExportSelection, { kind: 'groups' }>['groups'][number];

/** The contract's longest group label; Compare's labels are shorter, but a long one is cut, not refused. */
const MAX_LABEL = 200;

/** Compare's selected groups as the export selection's groups (labels trimmed to what the contract accepts). */
export function exportGroups(groups: readonly { label: string; runs: readonly { id: number }[] }[]): ExportGroup[] {
  return groups
    .filter((g) => g.runs.length > 0)
    .map((g) => {
      const label = g.label.trim().slice(0, MAX_LABEL).trim();
      return { ...(label ? { label } : {}), runIds: g.runs.map((r) => r.id) };
    });
}

/**
 * Carries Compare's selection to the Export view: the views are mounted one at a time, so Compare leaves the groups
 * here and the Export view takes them when it opens (once: coming back to Export later starts from an experiment).
 */
class CompareHandoff {
  #groups = $state.raw<ExportGroup[] | null>(null);

  give(groups: ExportGroup[]): void {
    this.#groups = groups.length > 0 ? groups : null;
  }

  take(): ExportGroup[] | null {
    const groups = this.#groups;
    this.#groups = null;
    return groups;
  }
}

export const compareHandoff = new CompareHandoff();
