import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ExportContext } from './context';
import { armLabel, partialRuns } from './selection';

let commitCache: string | null | undefined;

/** The source commit when the app runs from a git checkout; null in an installed build (no repository beside it). */
export function appCommit(): string | null {
  if (commitCache !== undefined) return commitCache;
  try {
    const here = path.dirname(fileURLToPath(import.meta.url));
    commitCache = execFileSync('git', ['rev-parse', 'HEAD'], {
      cwd: here,
      timeout: 2000,
      stdio: ['ignore', 'pipe', 'ignore'],
    })
      .toString()
      .trim();
  } catch {
    commitCache = null;
  }
  return commitCache;
}

/** The exporting machine: what a reader needs to know where the numbers were computed (with each run's own record). */
export function hostDescription() {
  const cpus = os.cpus();
  return {
    os: `${os.type()} ${os.release()}, ${process.platform}-${process.arch}`,
    cpu: cpus[0] ? `${cpus[0].model.trim()} × ${cpus.length}` : 'unknown CPU',
    memoryBytes: os.totalmem(),
  };
}

/**
 * environment.json: the app (version, commit), the exporting machine, and per run what it recorded when it started
 * (backend, device, thread count, runtime versions, dataset and its content hash), its seed and status. A run still
 * training is marked partial: its data stops where the export read it.
 */
export function environmentManifest(ctx: ExportContext) {
  const { selection } = ctx;
  const partial = new Set(partialRuns(selection));
  return {
    app: { name: ctx.app.name, version: ctx.app.version, commit: appCommit(), runtime: ctx.app.versions },
    exportedAt: (ctx.now?.() ?? new Date()).toISOString(),
    exportingHost: hostDescription(),
    selection: selection.name,
    partial: partial.size > 0,
    runs: selection.runs.map((run) => {
      const env = run.environment;
      return {
        runId: run.id,
        // What identifies the run across databases, and the values a sweep gave it: an import of the bundle keeps both.
        ...(run.uid === undefined ? {} : { uid: run.uid }),
        ...(run.sweepValues === undefined ? {} : { sweepValues: run.sweepValues }),
        experimentId: run.experimentId,
        sessionId: run.sessionId,
        rule: run.rule,
        armLabel: armLabel(run),
        seed: run.seed,
        status: run.status,
        partial: partial.has(run.id),
        error: run.error,
        startedAt: run.startedAt === null ? null : new Date(run.startedAt).toISOString(),
        endedAt: run.endedAt === null ? null : new Date(run.endedAt).toISOString(),
        backend: run.backend,
        device: env.device ?? null,
        threads: env.threads ?? null,
        platform: env.platform ?? null,
        dataset: env.dataset ?? selection.experiments.get(run.experimentId)?.spec.dataset.name ?? null,
        datasetHash: env.datasetHash ?? null,
        recorded: env,
      };
    }),
  };
}
