import fs from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { EagerRunner } from '../../src-main/engine/eager/runner';
import { Model } from '../../src-main/engine/model';
import { OnnxRunner } from '../../src-main/engine/onnx/runner';
import { decorrelationDefaults, randomBatch, tinyConfig, useCpuBackend } from '../support/engine-fixtures';
import { relativeError } from '../support/executors';

/**
 * The compiled step on ONNX Runtime's WebGPU provider, on SwiftShader (Vulkan in software, from Debian's chromium;
 * the loader from libvulkan1): far too slow for anything but a few steps of a small network, which is what
 * checks that the graph means the same on a GPU provider as on the CPU.
 */
const ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
const LOADER = ['/usr/lib/x86_64-linux-gnu/libvulkan.so.1', '/usr/lib/aarch64-linux-gnu/libvulkan.so.1'];
const haveSwiftShader = fs.existsSync(ICD) && LOADER.some((f) => fs.existsSync(f));

beforeAll(async () => {
  // Read by the Vulkan loader when the provider starts; this file runs in its own process.
  process.env.VK_ICD_FILENAMES = ICD;
  await useCpuBackend();
});

describe.skipIf(!haveSwiftShader)('onnx-webgpu on SwiftShader', () => {
  it('trains three steps of EBD as the eager executor does, and reads its state and diagnostics back', async () => {
    const config = tinyConfig({
      rule: 'ebd',
      params: decorrelationDefaults,
      regularizers: { power: { coefficient: 0.01, target: 1 } },
    });
    const model = new Model(config, 1);
    const batch = 8;
    const steps = 3;
    const data = randomBatch(batch * steps, 5, 3);
    const inputs = { x: data.x, target: data.y, ...model.stackedScalars(0, steps, 0) };
    const gpu = await OnnxRunner.create(model, { backend: 'onnx-webgpu', threads: 1, batchSize: batch });
    const eager = new EagerRunner(model, batch, { backend: 'cpu', device: 'js', threads: null, versions: {} });
    try {
      expect(gpu.report.backend).toBe('onnx-webgpu');
      const [g, e] = [await gpu.train({ steps, inputs }), await eager.train({ steps, inputs })];
      expect(relativeError(g.loss, e.loss)).toBeLessThan(1e-4);
      const [gs, es] = [await gpu.readState(), await eager.readState()];
      for (const [name, value] of es)
        expect(relativeError(gs.get(name)!.values, value.values), name).toBeLessThan(1e-4);
      const first = Object.fromEntries(Object.entries(inputs).map(([n, v]) => [n, v.subarray(0, v.length / steps)]));
      const [gd, ed] = [await gpu.diagnose(first), await eager.diagnose(first)];
      expect(Object.keys(gd).sort()).toEqual(Object.keys(ed).sort());
      expect(gd['layer1.bp_cosine']).toBeCloseTo(ed['layer1.bp_cosine']!, 4);
    } finally {
      await gpu.dispose();
      await eager.dispose();
    }
  }, 120_000);
});
