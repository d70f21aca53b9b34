import type { ApiHost } from '../api/host';
import type { apiClient } from './caller';
import { broadcastRegime, learnedShareLayers, type BroadcastRegime } from '../../shared/analysis/regime';
import { layerMetric } from '../../shared/diagnostics';
import { formatBytes } from '../../shared/format-bytes';
import { formatDuration, table, type Output } from './output';
import { lastValue } from './run-command';
import { printProgress } from './run-progress';
import { describeSpec } from './show-spec';

/** `broadcast-lab list`: every stored run with its outcome. */
export async function listCommand(
  client: ReturnType<typeof apiClient>,
  io: Output,
  json: boolean,
  sessionId?: number,
): Promise<number> {
  const runs = await client.call('runs.list', sessionId ? { sessionId } : {});
  if (json) {
    io.out(JSON.stringify(runs, null, 2));
    return 0;
  }
  if (runs.length === 0) {
    io.out('No runs yet. Start one: broadcast-lab run assets/examples/<file>.json');
    return 0;
  }
  const rows = [['run', 'session', 'experiment', 'rule', 'seed', 'status', 'test accuracy', 'backend']];
  for (const run of runs) {
    const acc = await lastValue(client.call, run.id, 'accuracy', 'test');
    rows.push([
      String(run.id),
      String(run.sessionId),
      String(run.experimentId),
      String(run.environment.label ?? run.rule),
      String(run.seed),
      run.status,
      acc === null ? '—' : `${(100 * acc).toFixed(2)}%`,
      run.backend ?? '—',
    ]);
  }
  io.out(table(rows));
  return 0;
}

/** `broadcast-lab show RUN`: a run's configuration, final metrics and event log. */
export async function showCommand(
  client: ReturnType<typeof apiClient>,
  io: Output,
  json: boolean,
  runId: number,
): Promise<number> {
  const run = await client.call('runs.get', { id: runId });
  const experiment = await client.call('experiments.get', { id: run.experimentId });
  const names = await client.call('metrics.names', { runId });
  const finals: Record<string, number | null> = {};
  for (const n of names.filter((n) => n.split !== 'diagnostic')) {
    finals[`${n.split}.${n.name}`] = await lastValue(client.call, runId, n.name, n.split);
  }
  const events = await client.call('runs.events', { runId });
  const regime = await regimeOf(client, runId, names);
  if (json) {
    io.out(JSON.stringify({ run, experiment, finals, regime, events }, null, 2));
    return 0;
  }
  io.out(
    `run ${run.id}: ${String(run.environment.label ?? run.rule)}, seed ${run.seed} — ${run.status}${run.error ? ` (${run.error})` : ''}`,
  );
  io.out(`experiment ${experiment.id} "${experiment.name}", session ${run.sessionId}`);
  io.out(
    `backend: ${run.backend ?? '—'}; duration: ${run.startedAt && run.endedAt ? formatDuration((run.endedAt - run.startedAt) / 1000) : '—'}`,
  );
  io.out(`checkpoints: ${formatBytes(run.checkpointBytes)}`);
  io.out('environment:');
  for (const [key, value] of Object.entries(run.environment)) io.out(`  ${key}: ${String(value)}`);
  const arm = run.environment.arm;
  for (const line of describeSpec(experiment.spec, typeof arm === 'number' ? arm : null)) io.out(line);
  io.out('final metrics:');
  for (const [key, value] of Object.entries(finals)) io.out(`  ${key}: ${value === null ? '—' : value.toPrecision(5)}`);
  if (regime) io.out(`broadcast regime: ${regime.summary}`);
  io.out('events:');
  for (const e of events) io.out(`  ${new Date(e.createdAt).toISOString()} ${e.level} ${e.kind}: ${e.message}`);
  return 0;
}

/** The regime of a learned-broadcast run from its per-layer learned_share and feedback_cosine series. */
async function regimeOf(
  client: ReturnType<typeof apiClient>,
  runId: number,
  names: readonly { name: string; split: string }[],
): Promise<BroadcastRegime | null> {
  const layers = learnedShareLayers(names.filter((n) => n.split === 'diagnostic').map((n) => n.name));
  const inputs = await Promise.all(
    layers.map(async (layer) => {
      const share = await client.call('metrics.series', {
        runId,
        name: layerMetric(layer, 'learned_share'),
        split: 'diagnostic',
      });
      const feedback = await lastValue(client.call, runId, layerMetric(layer, 'feedback_cosine'), 'diagnostic');
      return { layer, learnedShare: share.points.map((p) => p.value), feedbackCosine: feedback };
    }),
  );
  return broadcastRegime(inputs);
}

/**
 * `broadcast-lab resume RUN`: continues a paused-and-interrupted, stopped or failed run from its latest checkpoint,
 * printing where it goes on from and its progress as `run` does.
 */
export async function resumeCommand(
  host: ApiHost,
  client: ReturnType<typeof apiClient>,
  io: Output,
  runId: number,
): Promise<number> {
  const before = await client.call('runs.get', { id: runId });
  const experiment = await client.call('experiments.get', { id: before.experimentId });
  // Subscribed first, so that the run's start and first progress are not missed.
  const unsubscribe = printProgress(client, io, [before], experiment.spec.epochs);
  try {
    await client.call('runs.resume', { id: runId });
    const events = await client.call('runs.events', { runId });
    const from = events.filter((e) => e.kind === 'resume').at(-1)?.message ?? 'resumed';
    io.err(`run ${runId} (${String(before.environment.label ?? before.rule)} seed ${before.seed}): ${from}`);
    await host.runs.whenIdle();
  } finally {
    unsubscribe();
  }
  const run = await client.call('runs.get', { id: runId });
  io.out(`run ${runId}: ${run.status}${run.error ? ` (${run.error})` : ''}`);
  return run.status === 'completed' ? 0 : 1;
}
