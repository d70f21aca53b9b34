import fs from 'node:fs';
import path from 'node:path';
import type { ImportReport } from '../../shared/api/contract-sweeps';
import type { Experiment, Run, RunStatus } from '../../shared/schemas/records';
import { LATEST_SCHEMA_VERSION } from './migrations';
import { openDatabaseReadOnly } from './open-read-only';
import { storeError } from './store-errors';
import type { Db } from './sqlite';
import { StoreError, type RunImporter, type Store } from './types';

type Target = Pick<Store, 'sessions' | 'experiments' | 'runs' | 'metrics' | 'checkpoints' | 'events'>;

/** A run still queued, running or paused in its file belongs to a process that is not ours: it arrives interrupted. */
const UNFINISHED = new Set<RunStatus>(['queued', 'running', 'paused']);

/** The files a folder holds for import: each task's database, a few levels down (results/tasks/task-3/…). */
export function databaseFilesIn(folder: string, depth = 3): string[] {
  const found: string[] = [];
  const walk = (dir: string, left: number) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory() && left > 0) walk(full, left - 1);
      else if (entry.isFile() && entry.name.endsWith('.sqlite')) found.push(full);
    }
  };
  walk(folder, depth);
  return found;
}

/**
 * Brings the runs of other Broadcast Lab databases (a cluster task's file, another machine's data folder) into this
 * one, with their metrics, latest checkpoint and events. A run whose uid is already here is skipped, so importing the
 * same file twice adds nothing the second time. Everything happens in one transaction after every file has passed
 * SQLite's integrity check: a damaged file is refused with its name and nothing is stored.
 *
 * Runs go into `sessionId` when given, else into a session of the same name as in their file (created when
 * missing); their experiment is the one of that session with the same name and spec, created when missing, so
 * that the tasks of one sweep point land in one experiment.
 */
export function createRunImporter(
  db: Db,
  target: Target,
  openSource: (file: string) => Store,
  busyTimeoutMs: number,
): RunImporter {
  return {
    importFiles(files, options = {}) {
      for (const file of files) checkIntegrity(file, busyTimeoutMs);
      const report: ImportReport = { files: [], added: 0, skipped: 0, runIds: [] };
      db.transaction(() => {
        for (const file of files) {
          const one = importOne(openSource(file), target, options.sessionId);
          report.files.push({ file, added: one.added.length, skipped: one.skipped });
          report.added += one.added.length;
          report.skipped += one.skipped;
          report.runIds.push(...one.added);
        }
      }).immediate();
      return report;
    },
  };
}

function checkIntegrity(file: string, busyTimeoutMs: number): void {
  const db = openDatabaseReadOnly(file, busyTimeoutMs, LATEST_SCHEMA_VERSION);
  try {
    const problems = db.pragma('quick_check', { simple: false }) as { quick_check: string }[];
    const first = problems[0]?.quick_check;
    if (first !== 'ok') throw storeError('corrupt', file, `SQLite's integrity check: ${first ?? 'no answer'}`);
  } catch (error) {
    if (error instanceof StoreError) throw error;
    throw storeError('corrupt', file, error instanceof Error ? error.message : String(error), error);
  } finally {
    db.close();
  }
}

function importOne(source: Store, target: Target, sessionId: number | undefined): { added: number[]; skipped: number } {
  try {
    const added: number[] = [];
    let skipped = 0;
    const sessionNames = new Map(source.sessions.list().map((s) => [s.id, s.name]));
    const experiments = new Map(source.experiments.list().map((e) => [e.id, e]));
    const sessionsHere = new Map<string, number>();
    for (const run of source.runs.list()) {
      if (!run.uid || target.runs.idOfUid(run.uid) !== undefined) {
        skipped += 1;
        continue;
      }
      const experiment = experiments.get(run.experimentId)!;
      const session = sessionId ?? sessionNamed(target, sessionsHere, sessionNames.get(run.sessionId)!);
      const experimentId = experimentFor(target, session, experiment);
      added.push(copyRun(source, target, run, experimentId));
    }
    return { added, skipped };
  } finally {
    source.close();
  }
}

function sessionNamed(target: Target, cache: Map<string, number>, name: string): number {
  const known = cache.get(name) ?? target.sessions.list().find((s) => s.name === name)?.id;
  const id = known ?? target.sessions.create({ name }).id;
  cache.set(name, id);
  return id;
}

function experimentFor(target: Target, sessionId: number, experiment: Experiment): number {
  const spec = JSON.stringify(experiment.spec);
  const same = target.experiments
    .list(sessionId)
    .find((e) => e.name === experiment.name && JSON.stringify(e.spec) === spec);
  return same?.id ?? target.experiments.create(sessionId, experiment.spec).id;
}

function copyRun(source: Store, target: Target, run: Run, experimentId: number): number {
  const copy = target.runs.create({
    experimentId,
    rule: run.rule,
    seed: run.seed,
    status: UNFINISHED.has(run.status) ? 'interrupted' : run.status,
    backend: run.backend,
    environment: run.environment,
    uid: run.uid,
    sweepValues: run.sweepValues,
  });
  target.runs.update(copy.id, { startedAt: run.startedAt, endedAt: run.endedAt, error: run.error });
  for (const { name, split } of source.metrics.names(run.id)) {
    const series = source.metrics.series({ runId: run.id, name, split });
    target.metrics.insert(
      copy.id,
      series.points.map((p) => ({ ...p, name, split })),
    );
  }
  const checkpoint = source.checkpoints.latest(run.id);
  if (checkpoint) target.checkpoints.save(copy.id, checkpoint.step, checkpoint.epoch, checkpoint.data);
  for (const event of source.events.list({ runId: run.id })) {
    target.events.add({ runId: copy.id, level: event.level, kind: event.kind, message: event.message });
  }
  return copy.id;
}
