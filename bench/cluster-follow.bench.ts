// Following a SLURM sweep live: `npm run bench cluster-follow` (not in CI; about a minute on 2 cores; needs Debian's
// slurm-wlm and munge, as the CI's cluster tests do). Starts the one-node cluster of test/support/slurm-cluster.ts,
// submits a sweep through the API of an in-process host (as the app does), and measures, for every point the tasks
// write, the time from the task's process storing it in its own SQLite file (the point's wall time there, stamped
// when the batch reached the task's host) to the point's arrival on the app host's event bus as a metrics.batch —
// what the Monitor draws from. Both clocks are this machine's. The look interval (--poll-ms, default the app's
// 1000 ms) bounds the wait: about half of it on average, plus the look itself.
//
// `npx tsx bench/cluster-follow.bench.ts [--poll-ms N] [--tasks N] [--epochs N]`
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fs from 'node:fs';
import os from 'node:os';
import { createApiHost } from '../src-main/api/host';
import { apiClient } from '../src-main/cli/caller';
import { readPlan } from '../src-main/cluster/plan';
import { taskDatabase } from '../src-main/cluster/task-files';
import { forkLauncher } from '../src-main/runs/fork-launcher';
import { openStore } from '../src-main/store';
import { slurmMissing, startSlurmCluster } from '../test/support/slurm-cluster';

/** The q-quantile of sorted values (nearest rank). */
const quantile = (sorted: readonly number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN;

const argument = (name: string, fallback: number) => {
  const at = process.argv.indexOf(name);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
};
const pollMs = argument('--poll-ms', 1000);
const taskCount = argument('--tasks', 2);
const epochs = argument('--epochs', 40);

const CLI_TS = fileURLToPath(new URL('../src-main/cli.ts', import.meta.url));
const TRAINING_TS = fileURLToPath(new URL('../src-main/training-process.ts', import.meta.url));

const missing = slurmMissing();
if (missing) {
  console.log(missing);
  process.exit(0);
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bl-bench-cluster-'));
const cluster = await startSlurmCluster();
process.env.SLURM_CONF = cluster.env.SLURM_CONF;
const host = createApiHost({
  mode: 'serve',
  dataDir: path.join(dir, 'data'),
  launch: forkLauncher({ entry: TRAINING_TS, execArgv: ['--import', 'tsx'] }),
  clusterCli: [process.execPath, '--import', 'tsx', CLI_TS],
  clusterPollMs: pollMs,
});
const client = apiClient(host);
/** Arrival time on the bus of each (run, series, step). */
const arrivals = new Map<string, number>();
host.bus.listen((event) => {
  if (event.type !== 'metrics.batch') return;
  const at = Date.now();
  for (const p of event.points) arrivals.set(`${event.runId}|${p.split}/${p.name}|${p.step}`, at);
});

try {
  const session = await client.call('sessions.create', { name: 'bench' });
  const results = path.join(dir, 'results');
  const request = {
    sessionId: session.id,
    sweep: {
      experiment: {
        name: 'latency',
        dataset: { name: 'gaussian-mixture', trainSubset: 400, validationFraction: 0.1 },
        network: { hidden: [{ units: 16, activation: 'tanh' }] },
        rules: [{ rule: 'bp' }],
        seeds: [1],
        epochs,
        batchSize: 16,
        monitoring: { readEvery: 5, diagnosticsEvery: 0, checkpointEvery: 0 },
      },
      axes: [
        {
          field: 'optimizer.learningRate',
          values: Array.from({ length: taskCount }, (_, i) => 0.01 * (i + 1)),
        },
      ],
    },
    results,
    slurm: { cpusPerTask: 1 },
    backend: 'cpu' as const,
  };
  const { script } = await client.call('cluster.plan', request);
  const started = Date.now();
  await client.call('cluster.submit', { ...request, script });
  for (;;) {
    const sweep = (await client.call('cluster.list', {})).find((s) => s.results === results)!;
    if (sweep.ended) break;
    if (Date.now() - started > 600_000) throw new Error('the sweep did not end within 10 minutes');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const wall = (Date.now() - started) / 1000;

  const latencies: number[] = [];
  let afterEnd = 0;
  for (const task of readPlan(results).tasks) {
    const runId = host.store.runs.idOfUid(task.uid)!;
    const source = openStore({ path: taskDatabase(results, task.index), readOnly: true });
    try {
      const run = source.runs.list().find((r) => r.uid === task.uid)!;
      for (const { name, split } of source.metrics.names(run.id)) {
        for (const [step, , , written] of source.metrics.page(run.id, name, split, -1, 1_000_000)) {
          const arrived = arrivals.get(`${runId}|${split}/${name}|${step}`);
          if (arrived === undefined || written === null) continue;
          latencies.push(arrived - written);
          if (run.endedAt !== null && arrived > run.endedAt) afterEnd += 1;
        }
      }
    } finally {
      source.close();
    }
  }
  latencies.sort((a, b) => a - b);
  const ms = (q: number) => `${quantile(latencies, q).toFixed(0)} ms`;
  console.log(
    `cluster sweep: ${taskCount} tasks × ${epochs} epochs on the one-node SLURM, looks every ${pollMs} ms, ${wall.toFixed(1)} s from submission to the end`,
  );
  console.log(
    `point written by a task → on the host's event bus, over ${latencies.length} points: median ${ms(0.5)}, p10 ${ms(0.1)}, p90 ${ms(0.9)}, max ${ms(1)}`,
  );
  console.log(`points that arrived only after their task's run had ended: ${afterEnd} of ${latencies.length}`);
} finally {
  client.close();
  await host.close();
  await cluster.stop();
  fs.rmSync(dir, { recursive: true, force: true });
}
