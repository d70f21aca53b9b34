import fs from 'node:fs';
import type { ApiEvent } from '../../shared/api/events';
import type { MetricPoint, Run, RunEvent, RunStatus } from '../../shared/schemas/records';
import { openStore } from '../store';
import type { Store } from '../store/types';

/** A run in one of these states in its file has a process that may still write to it. */
const UNFINISHED = new Set<RunStatus>(['queued', 'running', 'paused']);

export interface TaskSync {
  runId: number | null;
  settled: boolean;
}

/** Points read from a task's file per series and call: enough for any read, small enough to stay responsive. */
const PAGE = 50_000;

interface Cursor {
  runId: number;
  /** The last step copied of each series ("split/name"). */
  steps: Map<string, number>;
  /** The id, in the task's file, of the last event copied. */
  eventId: number;
  /**
   * After a rewind: the id of the file's last event then. Its points past the checkpoint are the old ones until the
   * resubmitted task logs its resume (after truncating them), so none are copied before that event.
   */
  holdUntilAfterEvent: number | null;
}

/**
 * Shows a cluster task's run in the session database while the task trains it into its own SQLite file, as if it
 * trained here: the first time the file holds the run it is imported (the store's importer, the one way runs enter
 * from another database), and from then on each look copies the points and events the task wrote since the last
 * look and publishes them as the events the Monitor already follows for local runs (metrics.batch, run.event,
 * run.status). When the task has ended, the last look also brings the run's latest checkpoint and how it ended.
 *
 * The file is opened read-only and closed after each look: the task is its only writer. On a shared filesystem
 * SQLite's WAL is only coherent on the machine that writes it, so a host on another machine than the node may see a
 * look's points late; the look after the task has ended (the task folds its WAL in when it closes) is complete.
 */
export class LiveMirror {
  private readonly cursors = new Map<string, Cursor>();

  constructor(
    private readonly store: Store,
    private readonly publish: (event: ApiEvent) => void,
  ) {}

  /**
   * Brings the task's file up to date in the session database and gives the run the status SLURM's view implies;
   * answers the run's id there (null while the file holds no run yet) and whether the file has settled: the task's
   * job has ended (`ended`) and its process has written how the run ended. SLURM reports a cancelled task at once,
   * while its process still stops the run and writes its last points (up to the cluster's KillWait). Throws an
   * Error naming the file when it cannot be read; nothing stored changes then.
   */
  sync(file: string, uid: string, sessionId: number, status: RunStatus, ended: boolean): TaskSync {
    const unsettled = (): TaskSync => ({ runId: this.store.runs.idOfUid(uid) ?? null, settled: false });
    if (!fs.existsSync(file)) return unsettled();
    let source: Store;
    try {
      source = openStore({ path: file, readOnly: true });
    } catch (error) {
      // A task that has just started may not have created its schema yet: not a problem until its job has ended.
      if (!ended && isStillBeingCreated(error)) return unsettled();
      throw error;
    }
    let sourceRun: Run | undefined;
    try {
      sourceRun = source.runs.list().find((r) => r.uid === uid);
    } finally {
      source.close();
    }
    if (!sourceRun) return unsettled();

    let runId = this.store.runs.idOfUid(uid);
    if (runId === undefined) {
      const report = this.store.imports.importFiles([file], { sessionId });
      runId = this.store.runs.idOfUid(uid)!;
      if (report.added > 0) this.publish({ type: 'session.changed', sessionId, change: 'updated' });
    }
    source = openStore({ path: file, readOnly: true });
    try {
      // Read before the points: a run whose file says it has ended has written all of them.
      const latest = source.runs.get(sourceRun.id) ?? sourceRun;
      const cursor = this.cursorFor(uid, runId, source, sourceRun.id);
      if (cursor.holdUntilAfterEvent !== null) {
        const hold = cursor.holdUntilAfterEvent;
        const resumed = this.copyEvents(source, sourceRun.id, cursor).some((e) => e.kind === 'resume' && e.id > hold);
        // A resubmitted task that ended without resuming (its job failed at once) leaves its file as it was.
        if (resumed || ended) {
          cursor.holdUntilAfterEvent = null;
          cursor.steps = this.stepsHere(runId);
        }
      }
      if (cursor.holdUntilAfterEvent === null) this.copyPoints(source, sourceRun.id, cursor);
      this.copyEvents(source, sourceRun.id, cursor);
      if (ended) this.copyCheckpoint(source, sourceRun.id, runId);
      this.setStatus(runId, latest, status, ended);
      return { runId, settled: ended && !UNFINISHED.has(latest.status) };
    } finally {
      source.close();
    }
  }

  /**
   * After a resubmission: the task will resume from its file's latest checkpoint and train the later steps again
   * (as a local resume does), so the mirror drops its points after that step, and copies none until the task has
   * resumed and dropped them from its file too.
   */
  rewind(file: string, uid: string): void {
    const runId = this.store.runs.idOfUid(uid);
    if (runId === undefined || !fs.existsSync(file)) return;
    const source = openStore({ path: file, readOnly: true });
    try {
      const sourceRun = source.runs.list().find((r) => r.uid === uid);
      if (!sourceRun) return;
      const cursor = this.cursorFor(uid, runId, source, sourceRun.id);
      this.copyEvents(source, sourceRun.id, cursor);
      const checkpoint = source.checkpoints.latest(sourceRun.id);
      this.store.metrics.truncate(runId, checkpoint ? checkpoint.step + 1 : 0);
      cursor.steps = this.stepsHere(runId);
      cursor.holdUntilAfterEvent = cursor.eventId;
    } finally {
      source.close();
    }
    const run = this.store.runs.update(runId, { status: 'queued', endedAt: null, error: null });
    if (run) this.publish({ type: 'run.status', run });
  }

  private cursorFor(uid: string, runId: number, source: Store, sourceRunId: number): Cursor {
    const known = this.cursors.get(uid);
    if (known && known.runId === runId) return known;
    // First look since the app started (or since the import): the session database says how far it has copied.
    const steps = this.stepsHere(runId);
    // Events carry no uid: those already here are matched by kind and message, the rest are copied next.
    const here = new Map<string, number>();
    for (const e of this.store.events.list({ runId })) {
      const key = `${e.kind}\n${e.message}`;
      here.set(key, (here.get(key) ?? 0) + 1);
    }
    let eventId = 0;
    for (const e of source.events.list({ runId: sourceRunId })) {
      const key = `${e.kind}\n${e.message}`;
      const left = here.get(key) ?? 0;
      if (left === 0) break;
      here.set(key, left - 1);
      eventId = e.id;
    }
    const cursor: Cursor = { runId, steps, eventId, holdUntilAfterEvent: null };
    this.cursors.set(uid, cursor);
    return cursor;
  }

  /** The last step the session database holds of each of the run's series. */
  private stepsHere(runId: number): Map<string, number> {
    const steps = new Map<string, number>();
    for (const { name, split } of this.store.metrics.names(runId)) {
      const points = this.store.metrics.series({ runId, name, split }).points;
      if (points.length > 0) steps.set(`${split}/${name}`, points[points.length - 1]!.step);
    }
    return steps;
  }

  private copyPoints(source: Store, sourceRunId: number, cursor: Cursor): void {
    const points: MetricPoint[] = [];
    for (const { name, split } of source.metrics.names(sourceRunId)) {
      const key = `${split}/${name}`;
      let after = cursor.steps.get(key) ?? -1;
      for (;;) {
        const rows = source.metrics.page(sourceRunId, name, split, after, PAGE);
        for (const [step, epoch, value] of rows) points.push({ step, epoch, value, name, split });
        if (rows.length > 0) after = rows[rows.length - 1]![0];
        if (rows.length < PAGE) break;
      }
      cursor.steps.set(key, after);
    }
    if (points.length === 0) return;
    // Stamped with the time the points reached this host, as a local run's batches are.
    this.store.metrics.insert(cursor.runId, points, Date.now());
    this.publish({ type: 'metrics.batch', runId: cursor.runId, points });
  }

  /** Copies the file's events after the cursor; returns them as the file has them. */
  private copyEvents(source: Store, sourceRunId: number, cursor: Cursor): RunEvent[] {
    const copied: RunEvent[] = [];
    for (const e of source.events.list({ runId: sourceRunId })) {
      if (e.id <= cursor.eventId) continue;
      const event = this.store.events.add({ runId: cursor.runId, level: e.level, kind: e.kind, message: e.message });
      cursor.eventId = e.id;
      copied.push(e);
      this.publish({ type: 'run.event', event });
    }
    return copied;
  }

  private copyCheckpoint(source: Store, sourceRunId: number, runId: number): void {
    const latest = source.checkpoints.latest(sourceRunId);
    if (!latest) return;
    const here = this.store.checkpoints.list(runId);
    if (here.some((c) => c.step === latest.step)) return;
    this.store.checkpoints.save(runId, latest.step, latest.epoch, latest.data);
  }

  private setStatus(runId: number, sourceRun: Run, status: RunStatus, ended: boolean): void {
    const current = this.store.runs.get(runId);
    if (!current) return;
    const patch = {
      status,
      backend: sourceRun.backend,
      environment: sourceRun.environment,
      startedAt: sourceRun.startedAt,
      endedAt: ended ? (sourceRun.endedAt ?? current.endedAt ?? Date.now()) : null,
      error: sourceRun.error,
    };
    const same =
      current.status === patch.status &&
      current.startedAt === patch.startedAt &&
      current.endedAt === patch.endedAt &&
      current.error === patch.error &&
      current.backend === patch.backend;
    if (same) return;
    const run = this.store.runs.update(runId, patch);
    if (run) this.publish({ type: 'run.status', run });
  }
}

/** A file whose creator has not finished writing its schema reads as missing tables or an older schema. */
function isStillBeingCreated(error: unknown): boolean {
  const kind = (error as { kind?: string } | null)?.kind;
  return kind === 'older_schema' || kind === 'missing' || kind === 'locked';
}
