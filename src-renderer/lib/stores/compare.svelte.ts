import { SvelteSet } from 'svelte/reactivity';
import type { BandKind } from '../../../shared/analysis/bands';
import { groupRuns, type RunGroup } from '../../../shared/analysis/grouping';
import { broadcastRegime, learnedShareLayers, type BroadcastRegime } from '../../../shared/analysis/regime';
import type { DatasetInfo } from '../../../shared/api/contract';
import { layerMetric } from '../../../shared/diagnostics';
import type { Experiment, MetricPoint, Run, Session } from '../../../shared/schemas/records';
import type { ApiClient } from '../api/client';
import { errorMessage, isDisconnected } from '../api/errors';
import { indexById, metricOptions, RunDataCache, shapesOf, type Curve } from '../compare/run-data';
import { SUMMARY_METRICS, runOutcome, type RunOutcome, type SummaryMetric } from '../compare/summary-metrics';
import { TEST_ACCURACY, type SeriesRef } from '../monitor/series';

/** Enough points for a chart as wide as a screen; the store keeps each bucket's extremes. */
const CURVE_POINTS = 2000;

/**
 * What the Compare view shows: every experiment and run (all sessions), the runs picked, their groups (runs
 * that differ only in seed), and per picked run its metric names, curve for the chosen metric and the final and
 * best value of each summary metric. Loaded series live in a cache outside Svelte's reactivity (they can be
 * long); `version` is bumped whenever they, the picked runs, the metric or the band change: the chart redraws
 * on it.
 */
export class CompareState {
  sessions = $state.raw<Session[]>([]);
  experiments = $state.raw<Experiment[]>([]);
  runs = $state.raw<Run[]>([]);
  groups = $state.raw<RunGroup[]>([]);
  sessionFilter = $state<number | null>(null);
  readonly selected = new SvelteSet<number>();
  metric = $state<SeriesRef>(TEST_ACCURACY);
  band = $state<BandKind>('std');
  loaded = $state(false);
  loading = $state(false);
  error = $state<string | null>(null);
  /** A failure to read a picked run's series; the rest of the view stays usable. */
  seriesError = $state<string | null>(null);
  version = $state(0);

  /** Experiments shown in the picker: the session filter's, newest first. */
  visibleExperiments = $derived(
    this.sessionFilter === null ? this.experiments : this.experiments.filter((e) => e.sessionId === this.sessionFilter),
  );
  /** Groups with at least one picked run, holding only their picked runs. */
  selectedGroups = $derived(
    this.groups
      .map((g) => ({ ...g, runs: g.runs.filter((r) => this.selected.has(r.id)) }))
      .filter((g) => g.runs.length > 0),
  );
  /** Metrics recorded by any picked run, the chosen one always among them. */
  metricOptions = $derived.by(() => {
    void this.version;
    return metricOptions(
      this.metric,
      [...this.selected].map((id) => this.#data.names.get(id) ?? []),
    );
  });

  readonly #client: ApiClient;
  readonly #data = new RunDataCache();
  /** Bumped by load(): a slower earlier load must not overwrite a later one. */
  #loadToken = 0;

  constructor(client: ApiClient) {
    this.#client = client;
  }

  async load(): Promise<void> {
    const token = ++this.#loadToken;
    this.loading = true;
    this.error = null;
    try {
      const [sessions, experiments, runs, datasets] = await Promise.all([
        this.#client.call('sessions.list', {}),
        this.#client.call('experiments.list', {}),
        this.#client.call('runs.list', {}),
        // Only for the layer sizes in group labels: a failure here costs "784-…-10", not the view.
        this.#client.call('datasets.list', {}).catch((): DatasetInfo[] => []),
      ]);
      if (token !== this.#loadToken) return;
      this.groups = groupRuns(runs, indexById(experiments), shapesOf(datasets));
      this.sessions = sessions;
      this.experiments = [...experiments].sort((a, b) => b.createdAt - a.createdAt || b.id - a.id);
      this.runs = runs;
      const ids = runs.map((r) => r.id);
      for (const id of this.selected) if (!ids.includes(id)) this.selected.delete(id);
      // Runs may have trained on since the last load: read their series afresh.
      this.#data.forget();
      this.version++;
      this.loaded = true;
      void this.#loadSelected();
    } catch (error) {
      if (token === this.#loadToken && !isDisconnected(error)) this.error = errorMessage(error);
    } finally {
      if (token === this.#loadToken) this.loading = false;
    }
  }

  /**
   * Keeps run statuses current, and the plotted curves of picked runs that are training: their new points of the
   * chosen metric are appended as they arrive. A picked run that changes status is read again (its tables too).
   */
  watch(): () => void {
    return this.#client.subscribe({ types: ['run.status', 'metrics.batch'] }, (event) => {
      if (event.type === 'metrics.batch') {
        this.#appendLive(event.runId, event.points);
        return;
      }
      if (event.type !== 'run.status') return;
      const changed = event.run;
      const before = this.runs.find((r) => r.id === changed.id);
      // A run never seen before (a new experiment started) needs its experiment and group: reload all.
      if (!before) {
        void this.load();
        return;
      }
      const swap = (r: Run) => (r.id === changed.id ? changed : r);
      this.runs = this.runs.map(swap);
      this.groups = this.groups.map((g) => ({ ...g, runs: g.runs.map(swap) }));
      if (before.status !== changed.status && this.selected.has(changed.id)) {
        this.#data.forget(changed.id);
        this.version++;
        void this.#loadSelected();
      }
    });
  }

  /** The groups an experiment's runs fall in, each with only that experiment's runs. */
  groupsOf(experimentId: number): { group: RunGroup; runs: Run[] }[] {
    return this.groups
      .map((group) => ({ group, runs: group.runs.filter((r) => r.experimentId === experimentId) }))
      .filter((g) => g.runs.length > 0);
  }

  setRun(id: number, on: boolean): void {
    if (on) this.selected.add(id);
    else this.selected.delete(id);
    this.#changed();
  }

  /** Picks or drops every seed of a group, in whichever experiment it ran. */
  setGroup(group: RunGroup, on: boolean): void {
    for (const run of group.runs) {
      if (on) this.selected.add(run.id);
      else this.selected.delete(run.id);
    }
    this.#changed();
  }

  clear(): void {
    this.selected.clear();
    this.#changed();
  }

  setMetric(ref: SeriesRef): void {
    this.metric = ref;
    this.#changed();
  }

  setBand(kind: BandKind): void {
    this.band = kind;
    this.version++;
  }

  /** undefined while loading; null when the run stored no point of the metric. */
  outcome(runId: number, metric: SummaryMetric): RunOutcome | null | undefined {
    void this.version;
    return this.#data.outcomes.get(this.#data.outcomeKey(runId, metric));
  }

  /** The run's broadcast regime (docs/diagnostics.md); null for rules without one, undefined while loading. */
  regime(runId: number): BroadcastRegime | null | undefined {
    void this.version;
    return this.#data.regimes.get(runId);
  }

  /** The run's curve of the chosen metric; undefined while loading. */
  curve(runId: number): Curve | undefined {
    void this.version;
    return this.#data.curves.get(this.#data.curveKey(runId, this.metric));
  }

  #changed(): void {
    this.version++;
    void this.#loadSelected();
  }

  /** Reads whatever the picked runs still lack: names, summary series (whole) and the chosen metric's curve. */
  async #loadSelected(): Promise<void> {
    const data = this.#data;
    const metric = this.metric;
    const jobs: (Promise<void> | null)[] = [];
    for (const runId of this.selected) {
      if (!data.names.has(runId)) jobs.push(data.start(`names|${runId}`, (epoch) => this.#loadNames(runId, epoch)));
      // The regime is read once the run's metric names are in (they say which layers record a share).
      const names = data.names.get(runId);
      if (names && !data.regimes.has(runId))
        jobs.push(data.start(`regime|${runId}`, (epoch) => this.#loadRegime(runId, names, epoch)));
      for (const m of SUMMARY_METRICS) {
        const key = data.outcomeKey(runId, m);
        if (!data.outcomes.has(key)) jobs.push(data.start(`outcome|${key}`, (e) => this.#loadOutcome(runId, m, e)));
      }
      const key = data.curveKey(runId, metric);
      if (!data.curves.has(key)) jobs.push(data.start(`curve|${key}`, (e) => this.#loadCurve(runId, metric, e)));
    }
    const started = jobs.filter((j): j is Promise<void> => j !== null);
    if (started.length === 0) return;
    const epoch = data.epoch;
    this.seriesError = null;
    const results = await Promise.allSettled(started);
    const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure && data.current(epoch) && !isDisconnected(failure.reason)) {
      this.seriesError = `Could not read the runs' metrics: ${errorMessage(failure.reason)}`;
    }
  }

  async #loadNames(runId: number, epoch: number): Promise<void> {
    const names = await this.#client.call('metrics.names', { runId });
    if (!this.#data.current(epoch)) return;
    this.#data.names.set(
      runId,
      names.map((n) => ({ name: n.name, split: n.split })),
    );
    this.version++;
    // What waited on the names (the regime) can be read now.
    void this.#loadSelected();
  }

  /** The regime from each layer's whole learned_share series (its maximum decides) and last feedback_cosine. */
  async #loadRegime(runId: number, names: readonly SeriesRef[], epoch: number): Promise<void> {
    const layers = learnedShareLayers(names.filter((n) => n.split === 'diagnostic').map((n) => n.name));
    const inputs = await Promise.all(
      layers.map(async (layer) => {
        const [share, cosine] = await Promise.all(
          ['learned_share', 'feedback_cosine'].map((metric) =>
            this.#client.call('metrics.series', { runId, name: layerMetric(layer, metric), split: 'diagnostic' }),
          ),
        );
        return {
          layer,
          learnedShare: share!.points.map((p) => p.value),
          feedbackCosine: cosine!.points.at(-1)?.value ?? null,
        };
      }),
    );
    if (!this.#data.current(epoch)) return;
    this.#data.regimes.set(runId, broadcastRegime(inputs));
    this.version++;
  }

  // Whole series: final and best must be exact, and epoch-level splits hold a few points per epoch.
  async #loadOutcome(runId: number, metric: SummaryMetric, epoch: number): Promise<void> {
    const series = await this.#client.call('metrics.series', { runId, name: metric.ref.name, split: metric.ref.split });
    if (!this.#data.current(epoch)) return;
    this.#data.outcomes.set(this.#data.outcomeKey(runId, metric), runOutcome(series.points, metric.better));
    this.version++;
  }

  #appendLive(runId: number, points: readonly MetricPoint[]): void {
    if (!this.selected.has(runId)) return;
    // A run picked before it logged anything learns its metric names from what it streams.
    const names = this.#data.names.get(runId);
    let changed = false;
    for (const p of points) {
      if (!names || names.some((n) => n.name === p.name && n.split === p.split)) continue;
      names.push({ name: p.name, split: p.split });
      changed = true;
    }
    const curve = this.#data.curves.get(this.#data.curveKey(runId, this.metric));
    const last = curve?.points.at(-1)?.x ?? -1;
    for (const p of points) {
      if (!curve || p.name !== this.metric.name || p.split !== this.metric.split || p.step <= last) continue;
      curve.points.push({ x: p.step, y: p.value });
      changed = true;
    }
    if (changed) this.version++;
  }

  async #loadCurve(runId: number, ref: SeriesRef, epoch: number): Promise<void> {
    const series = await this.#client.call('metrics.series', {
      runId,
      name: ref.name,
      split: ref.split,
      maxPoints: CURVE_POINTS,
    });
    if (!this.#data.current(epoch)) return;
    this.#data.curves.set(this.#data.curveKey(runId, ref), {
      points: series.points.map((p) => ({ x: p.step, y: p.value })),
      downsampled: series.downsampled,
    });
    this.version++;
  }
}
