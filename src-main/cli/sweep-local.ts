import { describeValues, type ExpandedSweep } from '../../shared/sweeps/expand';
import type { BackendChoice } from '../../shared/api/contract';
import type { Run } from '../../shared/schemas/records';
import type { ApiHost } from '../api/host';
import type { apiClient } from './caller';
import { formatDuration, table, type Output } from './output';
import { lastValue } from './run-command';
import { defaultSweepSession, sessionFor } from './sweep-file';

const FINAL = new Set<Run['status']>(['completed', 'stopped', 'failed', 'diverged', 'interrupted']);

/** The points of a sweep and what they make, for --dry-run. */
export function describeSweep(sweep: ExpandedSweep): string {
  const first = sweep.points[0]!.spec;
  const rows = [
    ['point', 'values', 'runs'],
    ...sweep.points.map((p) => [
      String(p.index + 1),
      describeValues(p.values) || '—',
      String(p.spec.rules.length * p.spec.seeds.length),
    ]),
  ];
  return (
    `${table(rows)}\n` +
    `${sweep.runCount} runs: ${sweep.points.length} points × ${first.rules.length} arms × ${first.seeds.length} seeds`
  );
}

/**
 * `broadcast-lab sweep SPEC`: stores one experiment per point, queues every run with its values, trains them as
 * many at a time as the host has slots, and prints each run's values and outcome.
 */
export async function localSweep(
  host: ApiHost,
  client: ReturnType<typeof apiClient>,
  io: Output,
  args: { sweep: ExpandedSweep; session?: string; backend?: BackendChoice; json: boolean },
): Promise<number> {
  const { call } = client;
  const sessionId = await sessionFor(call, args.session ?? defaultSweepSession(args.sweep));
  const { runs } = await call('sweeps.start', { sessionId, sweep: args.sweep.sweep, backend: args.backend });
  const order = new Map(runs.map((r, i) => [r.id, i + 1]));
  const label = (run: Run) =>
    `[${order.get(run.id)}/${runs.length}] ${describeValues(run.sweepValues ?? {})} ${String(run.environment.label ?? run.rule)} seed ${run.seed}`;
  io.err(`sweep in session ${sessionId}: ${runs.length} runs, ${host.runs.slots} at a time`);
  const unsubscribe = client.subscribe({ runIds: runs.map((r) => r.id) }, (event) => {
    if (event.type !== 'run.status') return;
    const run = { ...event.run, sweepValues: runs.find((r) => r.id === event.run.id)?.sweepValues };
    if (event.run.status === 'running') io.err(`${label(run)}: training on ${event.run.backend ?? '?'}`);
    if (FINAL.has(event.run.status))
      io.err(`${label(run)}: ${event.run.status}${event.run.error ? ` — ${event.run.error}` : ''}`);
  });
  const onSigint = () => {
    io.err('\nstopping the sweep (running runs checkpoint; `broadcast-lab resume RUN` continues each)');
    for (const run of runs) {
      try {
        host.runs.stop(run.id);
      } catch {
        // already finished, or starting: shutdown stops it
      }
    }
  };
  process.on('SIGINT', onSigint);
  try {
    await host.runs.whenIdle();
  } finally {
    process.off('SIGINT', onSigint);
    unsubscribe();
  }
  const finals = await Promise.all(runs.map((r) => call('runs.get', { id: r.id })));
  const accuracy = await Promise.all(finals.map((r) => lastValue(call, r.id, 'accuracy', 'test')));
  if (args.json) {
    io.out(JSON.stringify({ sessionId, runs: finals.map((r, i) => ({ ...r, testAccuracy: accuracy[i] })) }, null, 2));
  } else {
    io.out(
      table([
        ['run', 'values', 'rule', 'seed', 'status', 'test accuracy', 'time'],
        ...finals.map((run, i) => [
          String(run.id),
          describeValues(run.sweepValues ?? {}) || '—',
          String(run.environment.label ?? run.rule),
          String(run.seed),
          run.status,
          accuracy[i] === null || accuracy[i] === undefined ? '—' : `${(100 * accuracy[i]).toFixed(2)}%`,
          run.startedAt && run.endedAt ? formatDuration((run.endedAt - run.startedAt) / 1000) : '—',
        ]),
      ]),
    );
  }
  return finals.every((r) => r.status === 'completed') ? 0 : 1;
}
