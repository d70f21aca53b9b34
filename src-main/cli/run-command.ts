import { specWarnings } from '../../shared/analysis/spec-warnings';
import type { BackendChoice } from '../../shared/api/contract';
import type { MetricSplit, Run } from '../../shared/schemas/records';
import type { ApiHost } from '../api/host';
import type { apiClient, Call } from './caller';
import { formatDuration, table, type Output } from './output';
import { readSpec } from './read-spec';
import { printProgress } from './run-progress';

const DEFAULT_SESSION = 'Command-line runs';

export interface RunArgs {
  specPath: string;
  session?: string;
  backend?: BackendChoice;
  json: boolean;
}

/**
 * `broadcast-lab run spec.json`: stores the experiment in a session, trains its runs one after another with a
 * progress bar, and prints a summary. Ctrl-C stops the runs (each checkpoints, so `resume` can continue them).
 */
export async function runCommand(
  host: ApiHost,
  client: ReturnType<typeof apiClient>,
  io: Output,
  args: RunArgs,
): Promise<number> {
  const { call } = client;
  const spec = await readSpec(args.specPath, call);
  for (const w of specWarnings(spec)) io.err(`warning: ${w.path}: ${w.message}`);
  const sessionId = await findOrCreateSession(call, args.session ?? DEFAULT_SESSION);
  const experiment = await call('experiments.create', { sessionId, spec });
  const runs = await call('experiments.start', { id: experiment.id, backend: args.backend });
  io.err(
    `experiment ${experiment.id} "${spec.name}" in session ${sessionId}: ${runs.length} runs (${spec.rules.length} rules × ${spec.seeds.length} seeds)`,
  );
  const unsubscribe = printProgress(client, io, runs, spec.epochs);

  let interrupts = 0;
  const onSigint = () => {
    interrupts += 1;
    if (interrupts > 1) process.exit(130);
    io.err(
      '\nstopping (each run saves a checkpoint; `broadcast-lab resume RUN` continues it); Ctrl-C again to quit at once',
    );
    for (const run of runs) {
      try {
        host.runs.stop(run.id);
      } catch {
        // already finished
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
  const rows: { run: Run; testAccuracy: number | null }[] = [];
  for (const run of finals) rows.push({ run, testAccuracy: await lastValue(call, run.id, 'accuracy', 'test') });
  if (args.json) {
    io.out(
      JSON.stringify(
        { experimentId: experiment.id, runs: rows.map((r) => ({ ...r.run, testAccuracy: r.testAccuracy })) },
        null,
        2,
      ),
    );
  } else {
    io.out(
      table([
        ['run', 'rule', 'seed', 'status', 'test accuracy', 'time'],
        ...rows.map(({ run, testAccuracy }) => [
          String(run.id),
          String(run.environment.label ?? run.rule),
          String(run.seed),
          run.status,
          testAccuracy === null ? '—' : `${(100 * testAccuracy).toFixed(2)}%`,
          run.startedAt && run.endedAt ? formatDuration((run.endedAt - run.startedAt) / 1000) : '—',
        ]),
      ]),
    );
  }
  return finals.every((r) => r.status === 'completed') ? 0 : 1;
}

async function findOrCreateSession(call: Call, nameOrId: string): Promise<number> {
  const sessions = await call('sessions.list', {});
  const byId = /^\d+$/.test(nameOrId) ? sessions.find((s) => s.id === Number(nameOrId)) : undefined;
  const byName = sessions.find((s) => s.name === nameOrId);
  const found = byId ?? byName;
  if (found) return found.id;
  return (await call('sessions.create', { name: nameOrId })).id;
}

export async function lastValue(call: Call, runId: number, name: string, split: MetricSplit): Promise<number | null> {
  const names = await call('metrics.names', { runId });
  if (!names.some((n) => n.name === name && n.split === split)) return null;
  const series = await call('metrics.series', { runId, name, split });
  return series.points.at(-1)?.value ?? null;
}
