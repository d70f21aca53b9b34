import { specWarnings } from '../../../shared/analysis/spec-warnings';
import type { BackendChoice } from '../../../shared/api/contract';
import type { Issue } from '../../../shared/api/errors';
import type { ExperimentSpec } from '../../../shared/schemas/experiment';
import { checkForm, defaultForm, fromSpec, issuesAt, type DesignForm } from '../design/form';

/** The experiment being designed. Lives for the whole app so that leaving the Design view keeps the work. */
export class DesignState {
  form = $state<DesignForm>(defaultForm());
  /** The chosen session; 'new' creates one named newSessionName on Run. */
  session = $state<number | 'new' | null>(null);
  newSessionName = $state('My session');
  /** Where the runs train; the estimate is measured there too. */
  backend = $state<BackendChoice>('auto');

  readonly checked = $derived(checkForm(this.form));
  readonly issues: Issue[] = $derived(this.checked.issues);
  readonly spec: ExperimentSpec | null = $derived(this.checked.ok ? this.checked.spec : null);
  /** What a valid spec may still get wrong about the science (a DFA-like EBD arm, …): shown, never blocking. */
  readonly warnings: Issue[] = $derived(this.spec ? specWarnings(this.spec) : []);

  at(path: string, nested = false): string[] {
    return issuesAt(this.issues, path, nested);
  }

  warningsAt(path: string): string[] {
    return issuesAt(this.warnings, path, true);
  }

  load(spec: ExperimentSpec): void {
    this.form = fromSpec(spec);
  }
}
