import { beforeAll, describe, expect, it } from 'vitest';
import {
  backendCandidates,
  backendChoiceLine,
  checkThreads,
  conciseReason,
  startExecutor,
} from '../../../src-main/engine/executor';
import { Model } from '../../../src-main/engine/model';
import { OnnxRunner } from '../../../src-main/engine/onnx/runner';
import { providerAvailability } from '../../../src-main/engine/onnx/runtime';
import { tinyConfig, useCpuBackend } from '../../support/engine-fixtures';

beforeAll(useCpuBackend);

describe('choosing the backends to try', () => {
  it('takes the compiled CPU step on auto here (no CUDA provider), then the TF.js ones', () => {
    expect(providerAvailability('onnx-cuda').available).toBe(false);
    expect(backendCandidates('auto').candidates).toEqual(['onnx-cpu', 'wasm', 'cpu']);
  });

  it('puts a named backend first, with the compiled CPU step and TF.js cpu standing in', () => {
    expect(backendCandidates('wasm').candidates).toEqual(['wasm', 'onnx-cpu', 'cpu']);
    expect(backendCandidates('onnx-cpu').candidates).toEqual(['onnx-cpu', 'cpu']);
  });

  it('refuses a named backend that is not installed here, saying how to get it', () => {
    expect(() => backendCandidates('onnx-cuda')).toThrow(
      /onnx-cuda is not available here: .*onnxruntime-node-install=cuda12/,
    );
    expect(() => backendCandidates('onnx-coreml')).toThrow(/Core ML is macOS only/);
    expect(() => backendCandidates('tensorflow')).toThrow(/tfjs-node.* not installed/);
  });

  it('leaves TF.js webgpu out, saying why, when the eager entropy step must read back synchronously', () => {
    const { candidates, skipped } = backendCandidates('auto', { hostInverse: true });
    expect(candidates).toEqual(['onnx-cpu', 'wasm', 'cpu']);
    expect(skipped).toEqual([{ name: 'onnx-cuda', reason: expect.stringMatching(/CUDA provider not installed/) }]);
  });

  it('says in one line which backend was chosen and why each other candidate was not', () => {
    const line = backendChoiceLine('auto', 'onnx-cpu', [{ name: 'onnx-cuda', reason: 'no GPU' }], ['wasm', 'cpu']);
    expect(line).toBe(
      'onnx-cpu (auto); not onnx-cuda: no GPU; wasm: not tried, onnx-cpu comes first; cpu: not tried, onnx-cpu comes first',
    );
    expect(backendChoiceLine('onnx-cpu', 'onnx-cpu', [], ['cpu'])).toBe(
      'onnx-cpu (as asked); not cpu: not tried, onnx-cpu comes first',
    );
    expect(backendChoiceLine('wasm', 'cpu', [{ name: 'wasm', reason: 'no SIMD' }], [])).toBe(
      'cpu (standing in for wasm); not wasm: no SIMD',
    );
    // ONNX Runtime's native source location and line breaks are left out.
    expect(
      conciseReason('/src/webgpu_context.cc:136 Init()::<lambda()> ok was false. Failed to get a WebGPU adapter\n'),
    ).toBe('Failed to get a WebGPU adapter');
    expect(conciseReason('no GPU\n  at line 2')).toBe('no GPU at line 2');
  });
});

describe('starting an executor', () => {
  const model = new Model(tinyConfig({ rule: 'dfa' }), 1);

  it.each([0, 10_000, 1.5, -2])('names a thread count of %s as the problem', async (threads) => {
    expect(() => checkThreads(threads)).toThrow(/threads must be a whole number from 1 to \d+/);
    await expect(startExecutor(model, { backend: 'onnx-cpu', threads, batchSize: 4 })).rejects.toThrow(
      /threads must be a whole number/,
    );
  });

  it('starts the compiled CPU step by default and reports it', async () => {
    const { runner, skipped, choiceLine } = await startExecutor(model, { backend: 'auto', threads: 1, batchSize: 4 });
    expect(runner.report).toMatchObject({ backend: 'onnx-cpu', threads: 1 });
    expect(runner.report.versions['onnxruntime-node']).toMatch(/^\d+\.\d+\.\d+/);
    expect(skipped.map((s) => s.name)).toEqual(['onnx-cuda']);
    expect(choiceLine).toMatch(
      /^onnx-cpu \(auto\); not onnx-cuda: CUDA provider not installed.*; wasm: not tried.*; cpu: not tried/,
    );
    await runner.dispose();
  });

  it('falls back to the compiled CPU step when the named provider cannot start, recording why', async () => {
    // WebGPU is bundled, but without a GPU (or Vulkan loader) here it fails to start.
    const { runner, skipped, choiceLine } = await startExecutor(model, {
      backend: 'onnx-webgpu',
      threads: 1,
      batchSize: 4,
    });
    expect(runner.report.backend).toBe('onnx-cpu');
    expect(choiceLine).toMatch(/^onnx-cpu \(standing in for onnx-webgpu\); not onnx-webgpu: [^/\n]+; cpu: not tried/);
    expect(skipped).toEqual([{ name: 'onnx-webgpu', reason: expect.any(String) }]);
    expect(skipped[0]!.reason.length).toBeGreaterThan(5);
    await runner.dispose();
  });

  it('reports a graph that fails to build as an error naming the cause, not as a device to skip', async () => {
    // A layer whose weight shape does not match its input: the builder's shape check catches it.
    const broken = new Model(tinyConfig({ rule: 'bp' }), 1);
    Object.defineProperty(broken.layers[1]!, 'weight', { value: { name: 'w2', shape: [3, 6] } });
    (broken.initialState.find((e) => e.name === 'w2') as { shape: readonly number[] }).shape = [3, 6];
    await expect(OnnxRunner.create(broken, { backend: 'onnx-cpu', threads: 1, batchSize: 4 })).rejects.toThrow(
      /could not build the training graph: matmul: inner sizes 7 and 3 differ/,
    );
    await expect(startExecutor(broken, { backend: 'auto', threads: 1, batchSize: 4 })).rejects.toThrow(
      /could not build the training graph/,
    );
  });
});
