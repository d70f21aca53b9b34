// The host side of bench/reliability.bench.ts: opens a data folder (migrating it if it is older), trains one
// scenario's experiment in real training processes, and prints JSON lines as it goes: 'opening' and 'opened'
// around the store's opening, 'child' with each training process's pid, 'committed' with a run's points written
// so far (the bus hears of a batch after its transaction) and 'idle' at the end. The bench kills it with SIGKILL
// at a random point.
import { fileURLToPath } from 'node:url';
import { ExperimentSpec, type ExperimentSpecInput } from '../../shared/schemas/experiment';
import { createApiHost } from '../../src-main/api/host';
import { forkLauncher } from '../../src-main/runs/fork-launcher';

export type Scenario = 'training' | 'checkpoint' | 'migration' | 'queue';

const base: ExperimentSpecInput = {
  name: 'reliability',
  dataset: { name: 'gaussian-mixture', trainSubset: 1200, validationFraction: 0.1 },
  network: { hidden: [{ units: 32, activation: 'tanh' }] },
  rules: [{ rule: 'dfa' }],
  seeds: [1],
  epochs: 40,
  batchSize: 16,
  monitoring: { readEvery: 5, diagnosticsEvery: 50, checkpointEvery: 200 },
};

export const SPECS: Record<Scenario, ExperimentSpecInput> = {
  // Long enough that the kill, within 1.5 s of the first batch, always lands in training.
  training: { ...base, epochs: 400 },
  // Wide layers and a checkpoint every 4 steps: a good share of the host's time goes to writing checkpoint blobs.
  checkpoint: {
    ...base,
    network: {
      hidden: [
        { units: 512, activation: 'tanh' },
        { units: 512, activation: 'tanh' },
      ],
    },
    monitoring: { readEvery: 5, diagnosticsEvery: 0, checkpointEvery: 4 },
  },
  migration: base,
  // Six short runs, one after another: a kill finds some finished, one training and the rest queued.
  queue: { ...base, epochs: 2, rules: [{ rule: 'dfa' }, { rule: 'ebd' }, { rule: 'bp' }], seeds: [1, 2] },
};

const print = (line: object) => console.log(JSON.stringify(line));

async function main(): Promise<void> {
  const [dataDir, scenario] = process.argv.slice(2) as [string, Scenario];
  const launcher = forkLauncher({
    entry: fileURLToPath(new URL('../../src-main/training-process.ts', import.meta.url)),
    execArgv: ['--import', 'tsx'],
  });
  print({ event: 'opening' });
  const host = createApiHost({
    mode: 'serve',
    dataDir,
    backend: 'onnx-cpu',
    threads: 1,
    launch: () => {
      const child = launcher();
      print({ event: 'child', pid: child.pid ?? null });
      return child;
    },
  });
  print({ event: 'opened', schemaVersion: host.store.schemaVersion });
  const totals = new Map<number, number>();
  host.bus.listen((event) => {
    if (event.type !== 'metrics.batch') return;
    const total = (totals.get(event.runId) ?? 0) + event.points.length;
    totals.set(event.runId, total);
    print({ event: 'committed', runId: event.runId, total });
  });
  const session = host.store.sessions.create({ name: `reliability ${scenario}` });
  const experiment = host.store.experiments.create(session.id, ExperimentSpec.parse(SPECS[scenario]));
  host.runs.startExperiment(experiment.id);
  await host.runs.whenIdle();
  print({ event: 'idle' });
  await host.close();
}

await main();
