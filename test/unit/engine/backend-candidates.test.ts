import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { backendCandidates, readsSynchronously } from '../../../src-main/engine/backend';
import { EntropyTracker } from '../../../src-main/engine/entropy';
import { useCpuBackend } from '../../support/engine-fixtures';

beforeAll(useCpuBackend);

describe('choosing the backends to try', () => {
  it('tries every backend best first on auto, and the chosen one then cpu otherwise', () => {
    expect(backendCandidates('auto')).toEqual({ candidates: ['webgpu', 'tensorflow', 'wasm', 'cpu'], skipped: [] });
    expect(backendCandidates('webgpu')).toEqual({ candidates: ['webgpu', 'cpu'], skipped: [] });
    expect(backendCandidates('wasm').candidates).toEqual(['wasm', 'cpu']);
  });

  it('leaves out webgpu, saying why, when a step must read back synchronously (the entropy term)', () => {
    expect(readsSynchronously('webgpu')).toBe(false);
    expect(readsSynchronously('wasm')).toBe(true);
    const auto = backendCandidates('auto', { syncRead: true });
    expect(auto.candidates).toEqual(['tensorflow', 'wasm', 'cpu']);
    expect(auto.skipped).toEqual([{ name: 'webgpu', reason: expect.stringContaining('layer-entropy') }]);
  });

  it('replaces an explicit webgpu that cannot serve with the best backend that can, not straight with cpu', () => {
    const chosen = backendCandidates('webgpu', { syncRead: true });
    expect(chosen.candidates).toEqual(['tensorflow', 'wasm', 'cpu']);
    expect(chosen.skipped.map((s) => s.name)).toEqual(['webgpu']);
    expect(backendCandidates('wasm', { syncRead: true }).candidates).toEqual(['wasm', 'cpu']);
  });
});

describe('the layer-entropy regulariser on a backend without synchronous reads', () => {
  it('refuses to start, naming the backend and the ones that work', async () => {
    const previous = tf.getBackend();
    // A real backend under a name that is not known to read synchronously, as webgpu is not.
    tf.registerBackend('gpu-like', () => new MathBackendCPU());
    await tf.setBackend('gpu-like');
    try {
      expect(() => new EntropyTracker(4, { coefficient: 1, lambda: 0.9, epsilon: 0.1 })).toThrow(
        /cannot run on the gpu-like backend.*use wasm, tensorflow or cpu/,
      );
    } finally {
      await tf.setBackend(previous);
      tf.removeBackend('gpu-like');
    }
  });
});
