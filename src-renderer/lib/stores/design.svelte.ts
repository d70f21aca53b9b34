import { specWarnings } from '../../../shared/analysis/spec-warnings';
import type { BackendChoice, DatasetInfo } from '../../../shared/api/contract';
import type { Issue } from '../../../shared/api/errors';
import type { ExperimentSpec } from '../../../shared/schemas/experiment';
import { datasetAvailability } from '../design/dataset-availability';
import { discardDraft, loadDraft, saveDraft } from '../design/draft';
import { issueInWords, messageInWords } from '../design/issue-words';
import { checkForm, defaultForm, fromSpec, issuesAt, type DesignForm } from '../design/form';
import { networkShapes } from '../design/network-shapes';

/**
 * The experiment being designed. Lives for the whole app so that leaving the Design view keeps the work, and is
 * kept as a draft in the browser's storage (lib/design/draft.ts) so that a reload or a crash keeps it too, until it
 * is started or discarded.
 */
export class DesignState {
  form = $state<DesignForm>(defaultForm());
  /** When the draft now in the form was saved by an earlier page; null when the form did not come from one. */
  restoredAt = $state<number | null>(null);
  /** The chosen session; 'new' creates one named newSessionName on Run. */
  session = $state<number | 'new' | null>(null);
  newSessionName = $state('My session');
  /** Where the runs train; the estimate is measured there too. */
  backend = $state<BackendChoice>('auto');

  /** The datasets of the host, null until listed: the chosen one must be there to run. */
  datasets = $state.raw<DatasetInfo[] | null>(null);

  readonly checked = $derived(checkForm(this.form));
  /** The chosen dataset as the host lists it; null until listed or when it is not there. */
  readonly dataset: DatasetInfo | null = $derived(this.datasets?.find((d) => d.name === this.form.dataset) ?? null);
  /** Each layer's shapes on the chosen dataset, and the layer that does not fit it. */
  readonly shapes = $derived(networkShapes(this.form, this.dataset));
  /** The schema's issues, their messages in the form's words (zod's own are rewritten), the dataset's, the shapes'. */
  readonly issues: Issue[] = $derived([
    ...this.checked.issues.map((issue) => ({ ...issue, message: messageInWords(issue.message) })),
    ...datasetAvailability(this.form.dataset, this.datasets),
    ...this.shapes.issues,
  ]);
  readonly spec: ExperimentSpec | null = $derived(this.checked.ok ? this.checked.spec : null);
  /** The spec when its network also fits the dataset: what is timed and run. */
  readonly runnable: ExperimentSpec | null = $derived(this.shapes.issues.length === 0 ? this.spec : null);
  /** What a valid spec may still get wrong about the science (a DFA-like EBD arm, …): shown, never blocking. */
  readonly warnings: Issue[] = $derived(this.spec ? specWarnings(this.spec) : []);

  at(path: string, nested = false): string[] {
    return issuesAt(this.issues, path, nested);
  }

  /** An issue as the Run bar says it, the field named as the form labels it ("Rule 1 (EBD) · Forgetting factor λ"). */
  describe(issue: Issue): string {
    return issueInWords(
      issue,
      this.form.arms.map((arm) => arm.rule),
    );
  }

  warningsAt(path: string): string[] {
    return issuesAt(this.warnings, path, true);
  }

  /** Takes the stored draft, then stores every change; `persist` false keeps this state to itself (tests). */
  constructor(persist = true) {
    if (!persist) return;
    const draft = loadDraft(localStorage);
    if (draft) {
      this.form = draft.form;
      this.restoredAt = draft.savedAt;
    }
    // The app's whole life: the store outlives every view.
    $effect.root(() => {
      $effect(() => {
        const form = $state.snapshot(this.form);
        if (this.#skipSave) this.#skipSave = false;
        else saveDraft(form, localStorage);
      });
    });
  }

  /** Set where the form is not a draft of the user's: as the page opens, and after a discard (the defaults). */
  #skipSave = true;

  load(spec: ExperimentSpec): void {
    this.form = fromSpec(spec);
  }

  /** The design was started: its draft is done with (the form stays, to edit and run again). */
  started(): void {
    discardDraft(localStorage);
    this.restoredAt = null;
  }

  /** Drops the draft and starts from the defaults. */
  discard(): void {
    this.#skipSave = true;
    this.form = defaultForm();
    this.restoredAt = null;
    discardDraft(localStorage);
  }
}
