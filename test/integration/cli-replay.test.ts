import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../src-main/cli';
import { testTrainingLauncher } from '../support/training-launcher';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bl-cli-replay-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

async function cli(...argv: string[]) {
  const lines = { out: [] as string[], err: [] as string[] };
  const code = await runCli([...argv, '--data', path.join(dir, 'data')], {
    io: { out: (l) => lines.out.push(l), err: (l) => lines.err.push(l) },
    launch: testTrainingLauncher,
  });
  return { code, out: lines.out.join('\n'), err: lines.err.join('\n') };
}

describe('broadcast-lab replay', () => {
  it('trains a bundled run again on its backend and thread count and finds every stored value again', async () => {
    const spec = path.join(dir, 'tiny.json');
    fs.writeFileSync(
      spec,
      JSON.stringify({
        name: 'tiny',
        dataset: { name: 'gaussian-mixture', trainSubset: 256 },
        network: { hidden: [{ units: 8 }] },
        rules: [{ rule: 'dfa' }],
        seeds: [3],
        epochs: 1,
        batchSize: 32,
        monitoring: { readEvery: 2, diagnosticsEvery: 4 },
      }),
    );
    expect((await cli('run', spec, '--backend', 'onnx-cpu', '--threads', '1')).code).toBe(0);
    const bundle = path.join(dir, 'tiny.zip');
    expect((await cli('export', 'experiment', '1', '--out', bundle)).code).toBe(0);

    const replay = await cli('replay', bundle, '--json');
    expect(replay.code).toBe(0);
    const [result] = JSON.parse(replay.out) as {
      runId: number;
      replayRunId: number;
      identical: boolean;
      backend: { recorded: string; replayed: string };
      threads: { recorded: number; replayed: number };
      metrics: { metric: string; points: number; largest: number; unmatched: number }[];
    }[];
    expect(result).toMatchObject({
      runId: 1,
      replayRunId: 2,
      identical: true,
      backend: { recorded: 'onnx-cpu', replayed: 'onnx-cpu' },
      threads: { recorded: 1, replayed: 1 },
    });
    expect(result!.metrics.map((m) => m.metric)).toEqual(expect.arrayContaining(['train/loss', 'test/accuracy']));
    for (const m of result!.metrics)
      expect([m.metric, m.largest, m.unmatched, m.points > 0]).toEqual([m.metric, 0, 0, true]);

    const missing = await cli('replay', bundle, '--run', '7');
    expect([missing.code, missing.err]).toEqual([1, expect.stringContaining('has no run 7 (it has 1)')]);
  }, 60_000);
});
