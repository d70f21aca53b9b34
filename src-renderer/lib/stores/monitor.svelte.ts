import type { RunProgress } from '../../../shared/api/events';
import type { Experiment, MetricPoint, Run, RunEvent } from '../../../shared/schemas/records';
import type { ApiClient } from '../api/client';
import { errorMessage, isDisconnected } from '../api/errors';
import { SeriesBook, TEST_ACCURACY, TRAIN_LOSS, type SeriesRef, type XY } from '../monitor/series';

const MAX_POINTS = 2000;
const EVENT_LIMIT = 200;
/** Diagnostics shown first when a run has them: alignment with BP, then decorrelation. */
const PREFERRED_DIAGNOSTICS = [/^layer1\.bp_cosine$/, /bp_cosine/, /decorrelation/];

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
  diagnostic = $state('');
  /** The latest test accuracy per run, as stored. */
  testAccuracy = $state<Record<number, number | null>>({});
  /** Bumped whenever plotted points change; charts redraw on the next frame. */
  version = $state(0);
  loading = $state(false);
  error = $state<string | null>(null);

  readonly book = new SeriesBook();
  readonly #client: ApiClient;
  #request = 0;
  #unsubscribe: (() => void) | null = null;

  constructor(client: ApiClient) {
    this.#client = client;
  }

  get diagnosticRef(): SeriesRef {
    return { name: this.diagnostic, split: 'diagnostic' };
  }

  points(runId: number, ref: SeriesRef): XY[] {
    return this.book.get(runId, ref);
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
    this.diagnostic = '';
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

  async selectDiagnostic(name: string): Promise<void> {
    this.diagnostic = name;
    const request = this.#request;
    const ref = this.diagnosticRef;
    await Promise.all(this.runs.map((run) => this.#loadSeries(run.id, ref, request)));
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
  }

  #has(runId: number): boolean {
    return this.runs.some((r) => r.id === runId);
  }

  async #loadRun(run: Run, request: number): Promise<void> {
    const [progress, events] = await Promise.all([
      this.#client.call('runs.progress', { id: run.id }),
      this.#client.call('runs.events', { runId: run.id, limit: EVENT_LIMIT }),
      this.#loadSeries(run.id, TRAIN_LOSS, request),
      this.#loadSeries(run.id, TEST_ACCURACY, request),
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
    if (!this.diagnostic) {
      const preferred = PREFERRED_DIAGNOSTICS.map((re) => this.diagnosticNames.find((n) => re.test(n))).find(Boolean);
      void this.selectDiagnostic(preferred ?? this.diagnosticNames[0] ?? '');
    }
  }

  #onStatus(run: Run): void {
    if (!this.experiment || run.experimentId !== this.experiment.id) return;
    const index = this.runs.findIndex((r) => r.id === run.id);
    if (index === -1) {
      this.runs = sortRuns([...this.runs, run]);
      void this.#loadRun(run, this.#request);
    } else this.runs[index] = run;
  }

  #onPoints(runId: number, points: MetricPoint[]): void {
    if (!this.#has(runId)) return;
    const tracked = [TRAIN_LOSS, TEST_ACCURACY, ...(this.diagnostic ? [this.diagnosticRef] : [])];
    if (this.book.append(runId, points, tracked)) {
      this.#noteLatest(runId);
      this.version++;
    }
    const diagnostics = points.filter((p) => p.split === 'diagnostic').map((p) => p.name);
    if (diagnostics.length) this.#addDiagnosticNames(diagnostics);
  }

  #noteLatest(runId: number): void {
    const last = this.book.get(runId, TEST_ACCURACY).at(-1);
    this.testAccuracy[runId] = last ? last.y : null;
  }
}

function sortRuns(runs: Run[]): Run[] {
  return [...runs].sort((a, b) => a.id - b.id);
}

/** The arm a run belongs to (stored in its environment by the run manager), for its colour and label. */
export function runArm(run: Run): number {
  const arm = run.environment.arm;
  return typeof arm === 'number' ? arm : 0;
}

export function runLabel(run: Run): string {
  const label = run.environment.label;
  return typeof label === 'string' && label ? label : run.rule.toUpperCase();
}
