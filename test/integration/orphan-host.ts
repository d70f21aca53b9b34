// A host that trains one long run in a real training process and prints, as JSON lines, the training process's
// id and every metric batch it has committed to the database. The orphan test kills it with SIGKILL mid-run.
import { ExperimentSpec } from '../../shared/schemas/experiment';
import { createApiHost } from '../../src-main/api/host';
import type { TrainingProcess } from '../../src-main/runs/training-channel';
import { testTrainingLauncher } from '../support/training-launcher';

const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: orphan-host.ts DATA_DIR');
let child: TrainingProcess | null = null;
const host = createApiHost({
  mode: 'serve',
  dataDir,
  backend: 'onnx-cpu',
  threads: 1,
  launch: () => (child = testTrainingLauncher()),
});
const spec = ExperimentSpec.parse({
  name: 'outlives nothing',
  dataset: { name: 'gaussian-mixture', trainSubset: 2000, validationFraction: 0.1 },
  network: { hidden: [{ units: 32, activation: 'tanh' }] },
  rules: [{ rule: 'dfa' }],
  seeds: [1],
  epochs: 1000,
  batchSize: 16,
  monitoring: { readEvery: 5, diagnosticsEvery: 0, checkpointEvery: 200 },
});
const session = host.store.sessions.create({ name: 'orphan' });
const [run] = host.runs.startExperiment(host.store.experiments.create(session.id, spec).id);
let committed = 0;
// The bus hears of a batch after the store has written it in its own transaction: these points are committed.
host.bus.listen((event) => {
  if (event.type !== 'metrics.batch' || event.runId !== run!.id) return;
  committed += event.points.length;
  console.log(JSON.stringify({ runId: run!.id, pid: child?.pid ?? null, committed }));
});
