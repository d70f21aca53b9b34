import { SvelteSet } from 'svelte/reactivity';
import type { ExportSelection } from '../../../shared/api/contract-export';
import { isPerLayerKind, type FigureFile, type FigurePreview } from '../../../shared/export/figure-spec';
import type { Experiment, MetricName, Run, Session } from '../../../shared/schemas/records';
import type { ApiClient } from '../api/client';
import { errorMessage, isDisconnected } from '../api/errors';
import type { ExportGroup } from './compare-handoff.svelte';
import { downloadFile } from './download';
import {
  DEFAULT_FIGURE_FORM,
  figureSpec,
  keepMetrics,
  metricChoices,
  selectionOf,
  splitChoices,
  type FigureForm,
} from './figure-form';

/** Metric names are read from this many of the chosen runs: seeds of one experiment record the same series. */
const NAME_SAMPLE_RUNS = 8;

/**
 * What the Export view works on: the experiment (and which of its runs) to export, the figure form, the live preview
 * of exactly the SVG the export writes, and the downloads. Answers that arrive after a newer request was made are
 * dropped (each request takes a token), so a slow preview never replaces a newer one.
 */
export class ExportState {
  sessions = $state.raw<Session[]>([]);
  experiments = $state.raw<Experiment[]>([]);
  runs = $state.raw<Run[]>([]);
  sessionId = $state<number | null>(null);
  experimentId = $state<number | null>(null);
  readonly ticked = new SvelteSet<number>();
  /** Compare's groups, when the view was opened from Compare's Export…: they are the selection until cleared. */
  groups = $state.raw<ExportGroup[] | null>(null);
  names = $state.raw<MetricName[]>([]);
  form = $state<FigureForm>({ ...DEFAULT_FIGURE_FORM });
  loaded = $state(false);
  error = $state<string | null>(null);
  preview = $state.raw<FigurePreview | null>(null);
  previewError = $state<string | null>(null);
  previewing = $state(false);
  downloading = $state(false);
  downloadError = $state<string | null>(null);
  /** The last file handed to the browser, for the page to say what was saved. */
  saved = $state<string | null>(null);

  visibleExperiments = $derived(
    this.sessionId === null ? this.experiments : this.experiments.filter((e) => e.sessionId === this.sessionId),
  );
  experimentRuns = $derived(this.runs.filter((r) => r.experimentId === this.experimentId).sort((a, b) => a.id - b.id));
  selection = $derived<ExportSelection | null>(
    this.groups
      ? { kind: 'groups', groups: this.groups }
      : this.experimentId === null
        ? null
        : selectionOf(this.experimentId, this.experimentRuns, this.ticked),
  );
  splits = $derived(splitChoices(this.names));
  metrics = $derived(metricChoices(this.form.kind, this.form.split, this.names));

  readonly #client: ApiClient;
  #loadToken = 0;
  #namesToken = 0;
  #previewToken = 0;

  constructor(client: ApiClient) {
    this.#client = client;
  }

  async load(): Promise<void> {
    const token = ++this.#loadToken;
    this.error = null;
    try {
      const [sessions, experiments, runs] = await Promise.all([
        this.#client.call('sessions.list', {}),
        this.#client.call('experiments.list', {}),
        this.#client.call('runs.list', {}),
      ]);
      if (token !== this.#loadToken) return;
      this.sessions = sessions;
      this.experiments = [...experiments].sort((a, b) => b.createdAt - a.createdAt || b.id - a.id);
      this.runs = runs;
      this.loaded = true;
      const still = this.experiments.some((e) => e.id === this.experimentId);
      if (!still) {
        // The newest experiment with a finished run is what a researcher most likely wants to export.
        const finished = this.experiments.find((e) =>
          runs.some((r) => r.experimentId === e.id && r.status === 'completed'),
        );
        this.chooseExperiment((finished ?? this.experiments[0])?.id ?? null);
      } else {
        void this.#loadNames();
      }
    } catch (error) {
      if (token === this.#loadToken && !isDisconnected(error)) this.error = errorMessage(error);
    }
  }

  chooseSession(id: number | null): void {
    this.sessionId = id;
    if (this.experimentId !== null && !this.visibleExperiments.some((e) => e.id === this.experimentId)) {
      this.chooseExperiment(this.visibleExperiments[0]?.id ?? null);
    }
  }

  chooseExperiment(id: number | null): void {
    this.experimentId = id;
    this.ticked.clear();
    for (const run of this.runs) if (run.experimentId === id) this.ticked.add(run.id);
    void this.#loadNames();
  }

  /** Exports Compare's groups (each a set of seeds) instead of an experiment. */
  useGroups(groups: ExportGroup[]): void {
    this.groups = groups.length > 0 ? groups : null;
    void this.#loadNames();
  }

  /** Back to choosing an experiment and its runs. */
  clearGroups(): void {
    this.groups = null;
    void this.#loadNames();
  }

  setRun(id: number, on: boolean): void {
    if (on) this.ticked.add(id);
    else this.ticked.delete(id);
    void this.#loadNames();
  }

  /** Changes the form; the metrics follow what the new kind or split offers. */
  update(patch: Partial<FigureForm>): void {
    const next = { ...this.form, ...patch };
    const choices = metricChoices(next.kind, next.split, this.names);
    if (patch.kind !== undefined || patch.split !== undefined) {
      // Small multiples start with every per-layer metric (or factor) the runs have; the others keep what they can.
      next.metrics =
        patch.kind !== undefined && isPerLayerKind(patch.kind) ? [...choices] : keepMetrics(next.metrics, choices);
    }
    this.form = next;
  }

  toggleMetric(name: string, on: boolean): void {
    const metrics = on ? [...this.form.metrics, name] : this.form.metrics.filter((m) => m !== name);
    // Keep the order the choices are listed in, so the panels come out in that order.
    this.form = { ...this.form, metrics: this.metrics.filter((m) => metrics.includes(m)) };
  }

  async #loadNames(): Promise<void> {
    const token = ++this.#namesToken;
    const ids = this.groups
      ? this.groups.flatMap((g) => g.runIds)
      : this.experimentRuns.filter((r) => this.ticked.has(r.id)).map((r) => r.id);
    try {
      const lists = await Promise.all(
        ids.slice(0, NAME_SAMPLE_RUNS).map((runId) => this.#client.call('metrics.names', { runId })),
      );
      if (token !== this.#namesToken) return;
      this.names = lists.flat();
      if (!this.splits.includes(this.form.split) && this.splits[0]) this.form = { ...this.form, split: this.splits[0] };
      const choices = metricChoices(this.form.kind, this.form.split, this.names);
      this.form = { ...this.form, metrics: keepMetrics(this.form.metrics, choices) };
    } catch (error) {
      if (token === this.#namesToken && !isDisconnected(error)) this.error = errorMessage(error);
    }
  }

  /** The SVG the export would write for the current choices; a later call makes an earlier answer stale. */
  async refreshPreview(): Promise<void> {
    const token = ++this.#previewToken;
    const selection = this.selection;
    if (!selection || this.form.metrics.length === 0) {
      this.preview = null;
      this.previewError = null;
      return;
    }
    this.previewing = true;
    try {
      const preview = await this.#client.call('export.figurePreview', { selection, figure: figureSpec(this.form) });
      if (token !== this.#previewToken) return;
      this.preview = preview;
      this.previewError = null;
    } catch (error) {
      if (token !== this.#previewToken || isDisconnected(error)) return;
      this.preview = null;
      this.previewError = errorMessage(error);
    } finally {
      if (token === this.#previewToken) this.previewing = false;
    }
  }

  /** Renders the figure in the chosen format and hands it to the browser; with `withSource`, its spec and data too. */
  async download(withSource = false): Promise<FigureFile | null> {
    const selection = this.selection;
    if (!selection) return null;
    this.downloading = true;
    this.downloadError = null;
    try {
      const file = await this.#client.call('export.figure', { selection, figure: figureSpec(this.form) });
      downloadFile(file.fileName, file.mimeType, file.content, file.encoding);
      if (withSource) {
        const base = file.fileName.replace(/\.[a-z]+$/, '');
        downloadFile(`${base}.vl.json`, 'application/json', file.vegaLite, 'utf8');
        downloadFile(file.dataFileName, 'application/json', file.data, 'utf8');
      }
      this.saved = file.fileName;
      return file;
    } catch (error) {
      this.downloadError = errorMessage(error);
      return null;
    } finally {
      this.downloading = false;
    }
  }
}
