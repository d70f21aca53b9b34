import path from 'node:path';
import { BackendChoice } from '../../shared/api/contract';
import type { MetricSplit } from '../../shared/schemas/records';
import { createApiHost, type ApiHostOptions } from '../api/host';
import { readBundleRuns, type BundledRun, type StoredSeries } from '../export/read-bundle';
import { apiClient } from './caller';
import { table, type Output } from './output';

export interface ReplayOptions {
  bundle: string;
  runId?: number;
  dataDir: string;
  launch: ApiHostOptions['launch'];
  json: boolean;
}

interface MetricDifference {
  metric: string;
  points: number;
  /** Largest |replayed − stored| over the steps both have; null when they share none. */
  largest: number | null;
  /** Steps one side has and the other lacks. */
  unmatched: number;
}

interface RunReplay {
  runId: number;
  replayRunId: number;
  label: string;
  seed: number;
  backend: { recorded: string | null; replayed: string | null };
  threads: { recorded: number | null; replayed: number | null };
  status: string;
  metrics: MetricDifference[];
  identical: boolean;
}

/** Replays one bundled run in a host with its recorded thread count, and compares every series point by point. */
async function replayRun(options: ReplayOptions, run: BundledRun, stored: StoredSeries): Promise<RunReplay> {
  const host = createApiHost({
    mode: 'cli',
    dataDir: options.dataDir,
    launch: options.launch,
    threads: run.threads ?? undefined,
  });
  const client = apiClient(host);
  try {
    const session = await client.call('sessions.create', { name: `Replay of ${path.basename(options.bundle)}` });
    const experiment = await client.call('experiments.create', {
      sessionId: session.id,
      spec: { ...run.spec, name: `${run.spec.name} (replay of run ${run.runId})`.slice(0, 200) },
    });
    const backend = BackendChoice.safeParse(run.backend ?? 'auto');
    const [started] = await client.call('experiments.start', {
      id: experiment.id,
      backend: backend.success ? backend.data : 'auto',
    });
    await host.runs.whenIdle();
    const replayed = await client.call('runs.get', { id: started!.id });
    const names = await client.call('metrics.names', { runId: replayed.id });
    const keys = new Set([...stored.keys(), ...names.map((n) => `${n.split}/${n.name}`)]);
    const metrics: MetricDifference[] = [];
    for (const key of [...keys].sort()) {
      const [split, ...rest] = key.split('/');
      const name = rest.join('/');
      const mine = names.some((n) => n.split === split && n.name === name)
        ? (await client.call('metrics.series', { runId: replayed.id, name, split: split as MetricSplit })).points
        : [];
      const theirs = stored.get(key) ?? new Map<number, number>();
      let largest: number | null = null;
      let matched = 0;
      for (const p of mine) {
        const value = theirs.get(p.step);
        if (value === undefined) continue;
        matched++;
        largest = Math.max(largest ?? 0, Math.abs(p.value - value));
      }
      metrics.push({
        metric: key,
        points: matched,
        largest,
        unmatched: mine.length - matched + (theirs.size - matched),
      });
    }
    const threads = replayed.environment.threads;
    return {
      runId: run.runId,
      replayRunId: replayed.id,
      label: run.armLabel,
      seed: run.seed,
      backend: { recorded: run.backend, replayed: replayed.backend },
      threads: { recorded: run.threads, replayed: typeof threads === 'number' ? threads : null },
      status: replayed.status,
      metrics,
      identical: replayed.status === 'completed' && metrics.every((m) => m.largest === 0 && m.unmatched === 0),
    };
  } finally {
    client.close();
    await host.close();
  }
}

/**
 * `broadcast-lab replay BUNDLE [--run ID]`: trains each bundled run again from its resolved spec, on its recorded
 * backend and thread count, into a "Replay of …" session of this data folder, and prints per run and metric the
 * largest difference from the stored values: 0 on the same backend and thread count, and stated, not hidden,
 * elsewhere. Exit code 0 only when every run is identical.
 */
export async function replayCommand(io: Output, options: ReplayOptions): Promise<number> {
  const runs = await readBundleRuns(
    path.resolve(options.bundle),
    options.runId === undefined ? undefined : [options.runId],
  );
  const results: RunReplay[] = [];
  for (const { run, stored } of runs) {
    io.err(`replaying run ${run.runId} (${run.armLabel}, seed ${run.seed}) on ${run.backend ?? 'auto'}…`);
    results.push(await replayRun(options, run, stored));
  }
  if (options.json) io.out(JSON.stringify(results, null, 2));
  else {
    for (const r of results) {
      const same = r.backend.recorded === r.backend.replayed && r.threads.recorded === r.threads.replayed;
      io.out(
        `run ${r.runId} → replay run ${r.replayRunId} (${r.label}, seed ${r.seed}): ${r.status}; ` +
          `${r.identical ? 'identical' : 'differs'}` +
          `${same ? '' : ` (recorded on ${r.backend.recorded ?? '?'} × ${r.threads.recorded ?? '?'} threads, replayed on ${r.backend.replayed ?? '?'} × ${r.threads.replayed ?? '?'})`}`,
      );
      io.out(
        table([
          ['  metric', 'points', 'largest difference', 'unmatched steps'],
          ...r.metrics.map((m) => [
            `  ${m.metric}`,
            String(m.points),
            m.largest === null ? '—' : String(m.largest),
            String(m.unmatched),
          ]),
        ]),
      );
    }
  }
  return results.every((r) => r.identical) ? 0 : 1;
}
