import type {
  Experiment,
  MetricName,
  MetricPoint,
  MetricSeries,
  MetricSplit,
  Run,
  RunEnvironment,
  RunEvent,
  RunStatus,
  Session,
  Template,
} from '../../shared/schemas/records';
import type { ExperimentSpec } from '../../shared/schemas/experiment';
import type { SeriesQuery } from '../../shared/api/contract';
import type { ImportReport } from '../../shared/api/contract-sweeps';
import type { SessionFilter } from '../../shared/api/session-filter';
import type { DiskReserve } from './disk-reserve';

/**
 * Why a database could not be used. Every kind carries a message that names the file and what to do.
 * 'missing' and 'older_schema' come from read-only opening only, which never creates nor upgrades a file.
 */
export type StoreErrorKind =
  'corrupt' | 'locked' | 'read_only' | 'disk_full' | 'newer_schema' | 'older_schema' | 'missing' | 'io';

export class StoreError extends Error {
  readonly kind: StoreErrorKind;
  readonly path: string;
  constructor(kind: StoreErrorKind, path: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreError';
    this.kind = kind;
    this.path = path;
  }
}

export interface StoreOptions {
  /** Path of the SQLite file; created with its folder when missing. */
  path: string;
  /** Clock for created/updated stamps; tests pass a fixed one. */
  now?: () => number;
  /** How long to wait for another process's lock before giving up with a 'locked' error. */
  busyTimeoutMs?: number;
  /**
   * Open without writing anything: no creation, no migration, no crash recovery. For commands that only read
   * while another process may own the data folder.
   */
  readOnly?: boolean;
}

export interface NewRun {
  experimentId: number;
  rule: string;
  seed: number;
  status?: RunStatus;
  backend?: string | null;
  environment?: RunEnvironment;
  /** Given when the run comes from another database (an import); a new run gets a random one. */
  uid?: string;
  /** The values a sweep point gave the run. */
  sweepValues?: Record<string, number | string | boolean>;
}

/**
 * Fields left out keep their value. A change to 'running' stamps startedAt, and a change to a finished
 * status (completed, stopped, failed, diverged, interrupted) stamps endedAt, unless the patch gives them.
 */
export interface RunPatch {
  status?: RunStatus;
  backend?: string | null;
  environment?: RunEnvironment;
  startedAt?: number | null;
  endedAt?: number | null;
  error?: string | null;
}

export interface RunFilter {
  sessionId?: number;
  experimentId?: number;
  status?: RunStatus;
}

export interface CheckpointInfo {
  id: number;
  runId: number;
  step: number;
  epoch: number;
  bytes: number;
  createdAt: number;
}

export interface Checkpoint extends CheckpointInfo {
  data: Uint8Array;
}

export interface NewEvent {
  runId?: number | null;
  sessionId?: number | null;
  level: RunEvent['level'];
  kind: string;
  message: string;
}

export interface SessionStore {
  /**
   * Most recently changed first (renaming, notes, adding or deleting an experiment), narrowed by the filter in
   * SQL. The filter is trusted to have passed the SessionFilter schema.
   */
  list(filter?: SessionFilter): Session[];
  get(id: number): Session | undefined;
  create(input: { name: string; notes?: string }): Session;
  rename(id: number, name: string): Session | undefined;
  setNotes(id: number, notes: string): Session | undefined;
  /** Deletes the session with its experiments, runs, metrics, checkpoints and events. */
  delete(id: number): boolean;
}

export interface ExperimentStore {
  list(sessionId?: number): Experiment[];
  get(id: number): Experiment | undefined;
  create(sessionId: number, spec: ExperimentSpec): Experiment;
  duplicate(id: number, name?: string): Experiment | undefined;
  delete(id: number): boolean;
}

export interface RunStore {
  list(filter?: RunFilter): Run[];
  get(id: number): Run | undefined;
  create(run: NewRun): Run;
  update(id: number, patch: RunPatch): Run | undefined;
  /** The id, in this database, of the run with that uid. */
  idOfUid(uid: string): number | undefined;
}

/** One stored point as [step, epoch, value]. */
export type PointRow = [step: number, epoch: number, value: number];

/** A point as exports page through it: [step, epoch, value, wall time in ms since the epoch or null if unknown]. */
export type TimedPointRow = [step: number, epoch: number, value: number, wallTime: number | null];

/** Columns a page of points is read into, one slot per point (the page's size is their length); wallTime NaN: unknown. */
export interface PointColumns {
  step: Float64Array;
  epoch: Float64Array;
  value: Float64Array;
  wallTime: Float64Array;
}

export interface MetricStore {
  /**
   * Appends points in one transaction; callers batch (hundreds to thousands of points per call). A step
   * written again for the same (name, split) replaces its value, as when a run resumes from a checkpoint.
   * Throws before writing anything if a point has a non-finite value or epoch, or a step that is not a
   * non-negative integer; throws if the run does not exist. `wallTime` (ms since the Unix epoch) is when the
   * batch reached the host, stored with each of its points; left out (imports, tests), their time stays unknown.
   */
  insert(runId: number, points: readonly MetricPoint[], wallTime?: number): void;
  /**
   * Removes the run's points at `fromStep` and later, in every series, in one transaction: a run resumed
   * from a checkpoint trains those steps again. A series left empty is removed. Returns the points removed.
   */
  truncate(runId: number, fromStep: number): number;
  names(runId: number): MetricName[];
  /** A series in step order, down-sampled to at most query.maxPoints while keeping each bucket's extremes. */
  series(query: SeriesQuery): MetricSeries;
  /**
   * At most `limit` points of one series with a step after `afterStep`, in step order, as [step, epoch, value,
   * wallTime] rows: exports page through long series with this (keyset paging), holding neither the whole series nor the
   * connection between pages. Rows, not objects: an export of millions of points spends a third less time here.
   */
  page(runId: number, name: string, split: MetricSplit, afterStep: number, limit: number): TimedPointRow[];
  /**
   * Like page, but into columns (up to their length) and returning how many points were read: no JavaScript array per
   * point, for exports of millions of points (half the read time of page).
   */
  pageInto(runId: number, name: string, split: MetricSplit, afterStep: number, into: PointColumns): number;
}

export interface CheckpointStore {
  /** Saving again at a step the run already has a checkpoint for replaces it. */
  save(runId: number, step: number, epoch: number, data: Uint8Array): CheckpointInfo;
  list(runId: number): CheckpointInfo[];
  latest(runId: number): Checkpoint | undefined;
  /**
   * Deletes the run's checkpoints except the latest `keepLast` (by step) and the best by validation metric:
   * the highest validation accuracy at a checkpoint's step, or the lowest validation loss for a run without
   * accuracy. Returns what was deleted.
   */
  prune(runId: number, keepLast: number): { removed: number; bytes: number };
}

export interface QueuedRun {
  runId: number;
  /** The backend the start or resume asked for. */
  backend: string;
  queuedAt: number;
  /** Higher trains first; equal priorities in queued order. */
  priority: number;
}

/**
 * Runs waiting to train, highest priority first, then first in first out. Kept in the database so that the queue
 * and run statuses agree.
 */
export interface QueueStore {
  /** Appends the run (priority 0 by default); a run already queued keeps its place and priority. */
  enqueue(runId: number, backend: string, priority?: number): void;
  /** Removes and returns the entry of highest priority, the oldest among equals. */
  take(): QueuedRun | undefined;
  /** Changes a queued run's priority; false when it is not queued. */
  setPriority(runId: number, priority: number): boolean;
  remove(runId: number): boolean;
  list(): QueuedRun[];
}

export interface EventStore {
  /** An event of a run is also filed under the run's session when no sessionId is given. */
  add(event: NewEvent): RunEvent;
  /** Oldest first; with `limit`, the latest `limit` events matching the filter. */
  list(filter: { runId?: number; sessionId?: number; limit?: number }): RunEvent[];
}

export interface TemplateStore {
  /** By name, ignoring case. A template whose spec no longer parses is listed with its problem, not thrown. */
  list(): Template[];
  get(id: number): Template | undefined;
  /**
   * Creates a template, or with `replace` overwrites the spec (and the name's case) of the one whose name
   * matches ignoring case, keeping its id and creation time. The spec is validated first. Throws
   * TemplateNameTaken when the name is taken and `replace` is not set.
   */
  save(input: { name: string; spec: ExperimentSpec; replace?: boolean }): Template;
  /** Throws TemplateNameTaken when another template has the name. */
  rename(id: number, name: string): Template | undefined;
  delete(id: number): boolean;
}

/** A cluster sweep's results folder that the app follows, and the session its runs go to. */
export interface FollowedClusterSweep {
  results: string;
  sessionId: number;
  addedAt: number;
  /** When every task had ended; null while some are queued or running. */
  endedAt: number | null;
}

export interface ClusterSweepStore {
  /** Follows the folder (again): a folder already followed takes the session given and is no longer ended. */
  add(results: string, sessionId: number): FollowedClusterSweep;
  list(): FollowedClusterSweep[];
  get(results: string): FollowedClusterSweep | undefined;
  setEnded(results: string, ended: boolean): boolean;
  remove(results: string): boolean;
}

/** Brings runs from other Broadcast Lab databases into this one (see import-runs.ts). */
export interface RunImporter {
  importFiles(files: readonly string[], options?: { sessionId?: number }): ImportReport;
}

export interface Store {
  readonly path: string;
  readonly schemaVersion: number;
  /** Opened with `readOnly`: every write fails with a read_only StoreError. */
  readonly readOnly: boolean;
  /** Runs found 'queued', 'running' or 'paused' when the database was opened, now marked 'interrupted'. */
  readonly interruptedAtOpen: readonly number[];
  readonly sessions: SessionStore;
  readonly experiments: ExperimentStore;
  readonly runs: RunStore;
  readonly metrics: MetricStore;
  readonly checkpoints: CheckpointStore;
  readonly queue: QueueStore;
  readonly events: EventStore;
  readonly templates: TemplateStore;
  readonly imports: RunImporter;
  readonly clusterSweeps: ClusterSweepStore;
  /**
   * Space kept free beside the database (writers only), released when the disk fills so that the failure can
   * still be recorded.
   */
  readonly diskReserve: DiskReserve;
  close(): void;
}
