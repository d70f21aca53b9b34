import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ExperimentSpec } from '../../shared/schemas/experiment';
import { createApiHost, type ApiHost } from '../../src-main/api/host';
import { testTrainingLauncher } from '../support/training-launcher';

let dir: string;
let host: ApiHost;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bl-memory-'));
  host = createApiHost({ mode: 'serve', dataDir: dir, backend: 'onnx-cpu', launch: testTrainingLauncher });
});
afterEach(async () => {
  await host.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('a run too big for memory (real training process)', () => {
  it('fails at start with the estimate, the limit and the dominant layer, before building anything', async () => {
    // Two layers of the widest the schema allows, with the entropy regulariser: 65,536² floats per weight matrix
    // and per inverse, hundreds of GiB in all.
    const spec = ExperimentSpec.parse({
      name: 'too wide',
      dataset: { name: 'gaussian-mixture', trainSubset: 200, validationFraction: 0.1 },
      network: {
        hidden: [
          { units: 65536, activation: 'tanh' },
          { units: 65536, activation: 'tanh' },
        ],
      },
      regularizers: { entropy: { coefficient: 1e-3 } },
      rules: [{ rule: 'dfa' }],
      seeds: [1],
      epochs: 1,
      batchSize: 16,
    });
    const session = host.store.sessions.create({ name: 'memory' });
    const [run] = host.runs.startExperiment(host.store.experiments.create(session.id, spec).id);
    await host.runs.whenIdle();
    const stored = host.store.runs.get(run!.id)!;
    expect(stored.status).toBe('failed');
    expect(stored.error).toMatch(
      /^this run needs about [\d.]+ GiB of memory, more than the [\d.]+ GiB it may use .*; layer 2 takes [\d.]+ GiB, most of it its /,
    );
    // Refused before the executor was built: the process never reported that it started training.
    expect(host.store.events.list({ runId: run!.id }).map((e) => e.kind)).not.toContain('started');
  });
});
