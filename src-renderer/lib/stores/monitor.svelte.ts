import { broadcastRegime, learnedShareLayers, type BroadcastRegime } from '../../../shared/analysis/regime';
import type { RunProgress } from '../../../shared/api/events';
import { layerMetric } from '../../../shared/diagnostics';
import type { Experiment, MetricPoint, Run, RunEvent } from '../../../shared/schemas/records';
import { RULE_STYLES, ruleStyle, type RuleStyle } from '../../../shared/rule-style';
import type { RuleName } from '../../../shared/rules/catalogue';
import type { ApiClient } from '../api/client';
import { errorMessage, isDisconnected } from '../api/errors';
import type { ChartLine } from '../monitor/chart-line';
import { armStyles } from '../monitor/colors';
import { monitorLines, type SeedView } from '../monitor/lines';
import { SeriesBook, TEST_ACCURACY, TRAIN_LOSS, type SeriesRef, type XY } from '../monitor/series';

/** The series every monitor shows; panels add theirs with track(). */
const ALWAYS: SeriesRef[] = [TRAIN_LOSS, TEST_ACCURACY];

const MAX_POINTS = 2000;
const EVENT_LIMIT = 200;

/**
 * One experiment being watched: its runs, their progress and events, and the plotted series. History comes from
 * the store (metrics.series, runs.events, runs.progress); live changes from one event subscription.
 */
export class MonitorState {
  experiments = $state<Experiment[]>([]);
  experiment = $state<Experiment | null>(null);
  runs = $state<Run[]>([]);
  progress = $state<Record<number, RunProgress | null>>({});
  events = $state<RunEvent[]>([]);
  diagnosticNames = $state<string[]>([]);
  #seedView = $state<SeedView>('std');
  #smoothing = $state(1);
  /** The latest test accuracy per run, as stored. */
  testAccuracy = $state<Record<number, number | null>>({});
  /** Bumped whenever plotted points change; charts redraw on the next frame. */
  version = $state(0);
  loading = $state(false);
  error = $state<string | null>(null);

  readonly book = new SeriesBook();
  readonly #client: ApiClient;
  /** Every series some panel draws, by split|name: loaded for each run and extended by live points. */
  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- bookkeeping: nothing renders from it.
  readonly #tracked = new Map<string, SeriesRef>();
  #request = 0;
  #unsubscribe: (() => void) | null = null;

  constructor(client: ApiClient) {
    this.#client = client;
    for (const ref of ALWAYS) this.#tracked.set(refKey(ref), ref);
  }

  /** How each arm's seeds are drawn; kept while switching experiments. Charts redraw when it changes. */
  get seedView(): SeedView {
    return this.#seedView;
  }
  set seedView(view: SeedView) {
    this.#seedView = view;
    this.version++;
  }

  /** The trailing-mean window of every curve drawn, 1 = off (the default: raw values). */
  get smoothing(): number {
    return this.#smoothing;
  }
  set smoothing(window: number) {
    this.#smoothing = window;
    this.version++;
  }

  points(runId: number, ref: SeriesRef): XY[] {
    return this.book.get(runId, ref);
  }

  /** The series the regime of learned-broadcast runs is read from: each layer's learned share and feedback cosine. */
  get regimeRefs(): SeriesRef[] {
    return learnedShareLayers(this.diagnosticNames).flatMap((k) => [
      { name: layerMetric(k, 'learned_share'), split: 'diagnostic' as const },
      { name: layerMetric(k, 'feedback_cosine'), split: 'diagnostic' as const },
    ]);
  }

  /** Which regime a run is in (docs/diagnostics.md), from the tracked regimeRefs; null for other rules. */
  regime(runId: number): BroadcastRegime | null {
    return broadcastRegime(
      learnedShareLayers(this.diagnosticNames).map((layer) => ({
        layer,
        learnedShare: this.points(runId, { name: layerMetric(layer, 'learned_share'), split: 'diagnostic' }).map(
          (p) => p.y,
        ),
        feedbackCosine:
          this.points(runId, { name: layerMetric(layer, 'feedback_cosine'), split: 'diagnostic' }).at(-1)?.y ?? null,
      })),
    );
  }

  /** One chart's lines for a metric: every run, drawn as the seed view and smoothing say. */
  linesFor(ref: SeriesRef): ChartLine[] {
    const styles = armStyles(this.experiment?.spec.rules ?? []);
    return monitorLines(
      this.runs.map((run) => ({ run, arm: runArm(run), label: runLabel(run), style: runStyle(run, styles) })),
      (run) => this.points(run.id, ref),
      this.seedView,
      this.smoothing,
      this.experiment?.spec.seeds[0],
      this.runs.some((run) => this.book.isDownsampled(run.id, ref)),
    );
  }

  async loadExperiments(): Promise<void> {
    try {
      const list = await this.#client.call('experiments.list', {});
      this.experiments = [...list].sort((a, b) => b.createdAt - a.createdAt || b.id - a.id);
    } catch (error) {
      if (!isDisconnected(error)) this.error = errorMessage(error);
    }
  }

  async open(id: number | null): Promise<void> {
    const request = ++this.#request;
    this.close();
    this.experiment = null;
    this.runs = [];
    this.progress = {};
    this.events = [];
    this.testAccuracy = {};
    this.diagnosticNames = [];
    this.error = null;
    this.version++;
    if (id === null) return;
    this.loading = true;
    // Subscribe before reading history, so that nothing falls between the two.
    this.#unsubscribe = this.#client.subscribe(
      { types: ['run.status', 'run.progress', 'metrics.batch', 'run.event'] },
      (event) => {
        if (request !== this.#request) return;
        if (event.type === 'run.status') this.#onStatus(event.run);
        else if (event.type === 'run.progress') {
          if (this.#has(event.runId)) this.progress[event.runId] = event.progress;
        } else if (event.type === 'metrics.batch') this.#onPoints(event.runId, event.points);
        else if (event.type === 'run.event' && event.event.runId !== null && this.#has(event.event.runId)) {
          this.events = [...this.events, event.event].slice(-EVENT_LIMIT * 4);
        }
      },
      (error) => (this.error = error.message),
    );
    try {
      const [experiment, runs] = await Promise.all([
        this.#client.call('experiments.get', { id }),
        this.#client.call('runs.list', { experimentId: id }),
      ]);
      if (request !== this.#request) return;
      this.experiment = experiment;
      this.runs = sortRuns(runs);
      await Promise.all(this.runs.map((run) => this.#loadRun(run, request)));
      if (request !== this.#request) return;
      await this.#loadDiagnosticNames(request);
    } catch (error) {
      if (request === this.#request && !isDisconnected(error)) this.error = errorMessage(error);
    } finally {
      if (request === this.#request) this.loading = false;
    }
  }

  /** Loads these series for every run (those not loaded yet) and keeps them live. */
  async track(refs: SeriesRef[]): Promise<void> {
    const request = this.#request;
    const fresh = refs.filter((ref) => ref.name && !this.#tracked.has(refKey(ref)));
    for (const ref of fresh) this.#tracked.set(refKey(ref), ref);
    await Promise.all(fresh.flatMap((ref) => this.runs.map((run) => this.#loadSeries(run.id, ref, request))));
  }

  async pause(id: number): Promise<void> {
    this.#onStatus(await this.#client.call('runs.pause', { id }));
  }

  async resume(id: number): Promise<void> {
    this.#onStatus(await this.#client.call('runs.resume', { id }));
  }

  async stop(id: number): Promise<void> {
    this.#onStatus(await this.#client.call('runs.stop', { id }));
  }

  close(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    this.book.clear();
    this.#tracked.clear();
    for (const ref of ALWAYS) this.#tracked.set(refKey(ref), ref);
  }

  #has(runId: number): boolean {
    return this.runs.some((r) => r.id === runId);
  }

  async #loadRun(run: Run, request: number): Promise<void> {
    const [progress, events] = await Promise.all([
      this.#client.call('runs.progress', { id: run.id }),
      this.#client.call('runs.events', { runId: run.id, limit: EVENT_LIMIT }),
      ...[...this.#tracked.values()].map((ref) => this.#loadSeries(run.id, ref, request)),
    ]);
    if (request !== this.#request) return;
    // A progress event may have come already; keep the newer of the two.
    const known = this.progress[run.id];
    if (!known || (progress && progress.step > known.step)) this.progress[run.id] = progress;
    const seen = this.events.map((e) => e.id);
    this.events = [...this.events, ...events.filter((e) => !seen.includes(e.id))].sort((a, b) => a.id - b.id);
  }

  async #loadSeries(runId: number, ref: SeriesRef, request: number): Promise<void> {
    if (!ref.name) return;
    this.book.beginLoad(runId, ref);
    const series = await this.#client.call('metrics.series', {
      runId,
      name: ref.name,
      split: ref.split,
      maxPoints: MAX_POINTS,
    });
    if (request !== this.#request) return;
    this.book.finishLoad(
      runId,
      ref,
      series.points.map((p) => ({ x: p.step, y: p.value })),
      series.downsampled,
    );
    this.#noteLatest(runId);
    this.version++;
  }

  async #loadDiagnosticNames(request: number): Promise<void> {
    const names: string[] = [];
    const lists = await Promise.all(this.runs.map((run) => this.#client.call('metrics.names', { runId: run.id })));
    if (request !== this.#request) return;
    for (const list of lists) for (const n of list) if (n.split === 'diagnostic') names.push(n.name);
    this.#addDiagnosticNames(names);
  }

  #addDiagnosticNames(names: string[]): void {
    const fresh = names.filter((n, i) => !this.diagnosticNames.includes(n) && names.indexOf(n) === i);
    if (fresh.length === 0) return;
    this.diagnosticNames = [...this.diagnosticNames, ...fresh].sort();
  }

  #onStatus(run: Run): void {
    if (!this.experiment || run.experimentId !== this.experiment.id) return;
    const index = this.runs.findIndex((r) => r.id === run.id);
    if (index === -1) {
      this.runs = sortRuns([...this.runs, run]);
      void this.#loadRun(run, this.#request);
    } else this.runs[index] = run;
    // A resumed run is queued again: what it reported before is not where it goes on from (the checkpoint is).
    if (run.status === 'queued') this.progress[run.id] = null;
  }

  #onPoints(runId: number, points: MetricPoint[]): void {
    if (!this.#has(runId)) return;
    this.#advanceProgress(runId, points);
    if (this.book.append(runId, points, [...this.#tracked.values()])) {
      this.#noteLatest(runId);
      this.version++;
    }
    const diagnostics = points.filter((p) => p.split === 'diagnostic').map((p) => p.name);
    if (diagnostics.length) this.#addDiagnosticNames(diagnostics);
  }

  /**
   * Progress never lags the chart: the points come from the same trainer as the progress reports, and a batch can
   * arrive first; its latest step and epoch move the shown progress on.
   */
  #advanceProgress(runId: number, points: MetricPoint[]): void {
    const known = this.progress[runId];
    if (!known) return;
    let latest: MetricPoint | null = null;
    for (const p of points) if (p.step > (latest?.step ?? known.step)) latest = p;
    if (latest) this.progress[runId] = { ...known, step: Math.min(latest.step, known.totalSteps), epoch: latest.epoch };
  }

  #noteLatest(runId: number): void {
    const last = this.book.get(runId, TEST_ACCURACY).at(-1);
    this.testAccuracy[runId] = last ? last.y : null;
  }
}

function refKey(ref: SeriesRef): string {
  return `${ref.split}|${ref.name}`;
}

function sortRuns(runs: Run[]): Run[] {
  return [...runs].sort((a, b) => a.id - b.id);
}

/** The arm a run belongs to (stored in its environment by the run manager), for its colour and label. */
export function runArm(run: Run): number {
  const arm = run.environment.arm;
  return typeof arm === 'number' ? arm : 0;
}

/** A run's colour and dash: its arm's (armStyles of the experiment's arms), else its rule's. */
export function runStyle(run: Run, styles: readonly RuleStyle[]): RuleStyle {
  const rule = run.rule;
  return styles[runArm(run)] ?? (isRuleName(rule) ? ruleStyle(rule) : UNKNOWN_RULE);
}

/** A rule this build does not know (a database from a newer version): grey, solid. */
const UNKNOWN_RULE: RuleStyle = { colour: '#999999', dash: [], label: '?' };

function isRuleName(rule: string): rule is RuleName {
  return Object.hasOwn(RULE_STYLES, rule);
}

export function runLabel(run: Run): string {
  const label = run.environment.label;
  return typeof label === 'string' && label ? label : run.rule.toUpperCase();
}
