import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExperimentSpec, type ExperimentSpecInput } from '../../shared/schemas/experiment';
import { createApiHost } from '../../src-main/api/host';
import { runCli } from '../../src-main/cli';
import { mnistFiles, serveFiles, sourceFor, underPrefix, type DatasetServer } from '../support/dataset-server';
import { testTrainingLauncher } from '../support/training-launcher';

/**
 * What a researcher does on the terminal after the first run: fetch a dataset, read back every setting of a run,
 * and continue a stopped one with its progress shown. One data folder for the file, tiny synthetic runs.
 */

let dir: string;
let specFile: string;

const SPEC: ExperimentSpecInput = {
  name: 'CLI: two arms',
  dataset: { name: 'gaussian-mixture', trainSubset: 300 },
  network: { hidden: [{ units: 8 }] },
  rules: [
    { rule: 'dfa', label: 'DFA' },
    { rule: 'ebd', label: 'EBD fast', params: { lambda: 0.9 }, optimizer: { learningRate: 0.01 } },
  ],
  seeds: [3],
  epochs: 3,
  batchSize: 10,
  monitoring: { checkpointEvery: 10 },
};

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bl-cli-researcher-'));
  specFile = path.join(dir, 'spec.json');
  fs.writeFileSync(specFile, JSON.stringify(SPEC));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function cli(...argv: string[]) {
  return cliIn(path.join(dir, 'data'), ...argv);
}

async function cliIn(data: string, ...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli([...argv, '--data', data], {
    io: { out: (l) => out.push(l), err: (l) => err.push(l) },
    launch: testTrainingLauncher,
  });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('broadcast-lab for a researcher', () => {
  let runIds: number[] = [];

  it('runs an experiment on --backend auto, saying once which backend and why, and printing epoch k/N, step, samples/s and the time left off a terminal too', async () => {
    const run = await cli('run', specFile, '--backend', 'auto', '--json');
    // auto says once, for both runs, what it chose and why not each other candidate (no CUDA provider here).
    const backendLines = run.err.split('\n').filter((l) => l.startsWith('backend:'));
    expect(backendLines).toHaveLength(1);
    expect(backendLines[0]).toMatch(
      /^backend: onnx-cpu \(auto\); not onnx-cuda: CUDA provider not installed [^;]+; wasm: not tried, onnx-cpu comes first; cpu: not tried, onnx-cpu comes first$/,
    );
    expect(run.err).toMatch(/\[1\/2\] DFA seed 3 .* epoch 1\/3 step \d+\/90 \d+ samples\/s ETA \d+:\d\d/);
    expect(run.err).toMatch(/\[2\/2\] EBD fast seed 3 .* epoch 3\/3 step \d+\/90/);
    expect(run.err).not.toMatch(/epoch 0/);
    expect(run.code).toBe(0);
    runIds = (JSON.parse(run.out) as { runs: { id: number }[] }).runs.map((r) => r.id);
    expect(runIds).toHaveLength(2);
  });

  it('shows every arm’s hyperparameters (defaults filled in) and the environment', async () => {
    const shown = await cli('show', String(runIds[1]));
    expect(shown.code).toBe(0);
    const text = shown.out;
    expect(text).toMatch(/^environment:$/m);
    expect(text).toMatch(/^ {2}arm: 1$/m);
    expect(text).toMatch(/^ {2}label: EBD fast$/m);
    expect(text).toMatch(/^ {2}device: \S+/m);
    expect(text).toContain('  dataset.name: gaussian-mixture');
    expect(text).toContain('  network.hidden.0.units: 8');
    expect(text).toContain('  seeds: 3');
    expect(text).toContain('arm 1: DFA (dfa)\n');
    expect(text).toContain('arm 2: EBD fast (ebd)  ← this run');
    // Each arm as it trains: its own optimiser override, else the experiment's; every rule parameter.
    const [first, second] = text.split(/^arm 2/m);
    expect(first).toMatch(/^ {2}optimizer\.learningRate: 0\.001$/m);
    expect(second).toMatch(/^ {2}optimizer\.learningRate: 0\.01$/m);
    expect(second).toMatch(/^ {2}params\.lambda: 0\.9$/m);
    // A parameter left out of the file is shown with the catalogue's default.
    expect(second).toMatch(/^ {2}params\.g: \S+/m);
  });

  it('resumes a stopped run from its checkpoint, printing where from and its progress, and logs a resumed event', async () => {
    const runId = await stoppedRun();
    const resumed = await cli('resume', String(runId));
    expect(resumed.err).toMatch(new RegExp(`run ${runId} \\(DFA seed 3\\): resuming from the checkpoint at step \\d+`));
    expect(resumed.err).toMatch(/\[1\/1\] DFA seed 3: training on \S+/);
    expect(resumed.err).toMatch(/\[1\/1\] DFA seed 3 .* epoch [2-6]\/6 step \d+\/180 \d+ samples\/s ETA/);
    expect(resumed.out).toBe(`run ${runId}: completed`);
    expect(resumed.code).toBe(0);
    const shown = await cli('show', String(runId));
    expect(shown.out).toMatch(/info resumed: resumed from the checkpoint at step [1-9]\d*/);
  });
});

/** A run stopped part-way (after its first checkpoints), as Ctrl-C or the Stop button leaves it; its id. */
async function stoppedRun(): Promise<number> {
  const host = createApiHost({ mode: 'cli', dataDir: path.join(dir, 'data'), launch: testTrainingLauncher });
  try {
    const runs = host.runs;
    const session = host.store.sessions.create({ name: 'Stopped' });
    const spec = ExperimentSpec.parse({ ...SPEC, name: 'to resume', rules: [SPEC.rules[0]], epochs: 6 });
    const experiment = host.store.experiments.create(session.id, spec);
    const [run] = runs.startExperiment(experiment.id);
    const id = run!.id;
    for (let waited = 0; host.store.checkpoints.list(id).length === 0; waited += 50) {
      if (waited > 30_000) throw new Error('no checkpoint within 30 s');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    runs.stop(id);
    await runs.whenIdle();
    expect(host.store.runs.get(id)?.status).toBe('stopped');
    return id;
  } finally {
    await host.close();
  }
}

describe('broadcast-lab datasets download', () => {
  const files = mnistFiles();
  const served = underPrefix('mirror/mnist', files);
  let mirror: DatasetServer;
  const saved: Record<string, string | undefined> = {};

  beforeAll(async () => {
    // Slow enough (about a second) for several throttled progress events.
    mirror = await serveFiles(served, { chunkBytes: 4096, chunkDelayMs: 15 });
    const sources = path.join(dir, 'sources.json');
    fs.writeFileSync(sources, JSON.stringify({ mnist: sourceFor('MNIST', 'http://127.0.0.1:9/unused/', files) }));
    for (const name of ['BROADCAST_LAB_DATASET_SOURCES', 'BROADCAST_LAB_DATASET_MIRROR'])
      saved[name] = process.env[name];
    process.env.BROADCAST_LAB_DATASET_SOURCES = sources;
    delete process.env.BROADCAST_LAB_DATASET_MIRROR;
  });
  afterAll(async () => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    await mirror?.close();
  });

  it('downloads with progress and verified checksums through the manager the GUI uses', async () => {
    const done = await cli('datasets', 'download', 'mnist', '--dataset-mirror', `${mirror.base}/mirror/`);
    expect(done.code).toBe(0);
    // Off a terminal: a line per file and per tenth, the share of the whole growing.
    const shares = [...done.err.matchAll(/^mnist \S+ (\d+)% downloading \S+\.gz \S+ \S+ of \S+ kB$/gm)].map((m) =>
      Number(m[1]),
    );
    expect(shares.length).toBeGreaterThanOrEqual(3);
    expect(shares).toEqual([...shares].sort((a, b) => a - b));
    const own = path.join(dir, 'data', 'datasets', 'mnist');
    expect(done.out).toMatch(/^MNIST handwritten digits: 2\d\d kB downloaded, sizes and checksums verified, in /);
    expect(done.out.endsWith(` in ${own}`)).toBe(true);
    expect(fs.existsSync(path.join(own, 'train-images-idx3-ubyte.gz'))).toBe(true);

    const listed = await cli('datasets', 'list');
    expect(listed.out).toMatch(new RegExp(`^mnist\\s+MNIST handwritten digits\\s+yes\\s+300\\s+20\\s+${own}$`, 'm'));
    expect((await cli('datasets', 'download')).code).toBe(2);
    expect((await cli('datasets', 'download', 'spirals')).err).toContain('cannot be downloaded');
  });

  it('refuses a damaged file at its checksum, naming the URL, and exits 1', async () => {
    const last = '/mirror/mnist/t10k-labels-idx1-ubyte.gz';
    const good = served.get(last)!;
    const damaged = Buffer.from(good);
    damaged[damaged.length - 2]! ^= 0xff;
    served.set(last, damaged);
    try {
      const other = path.join(dir, 'other-data');
      const failed = await cliIn(other, 'datasets', 'download', 'mnist', '--dataset-mirror', `${mirror.base}/mirror/`);
      expect(failed.code).toBe(1);
      expect(failed.err).toContain(`checksum mismatch for the download from ${mirror.base}${last}`);
      expect(failed.out).toBe('');
    } finally {
      served.set(last, good);
    }
  });
});
