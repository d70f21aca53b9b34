import * as tf from '@tensorflow/tfjs-core';
import type { Model } from './model';

/** Where a run stood when a checkpoint was taken: enough to continue with the same data order. */
export interface TrainingPosition {
  epoch: number;
  /** Batches of this epoch already trained. */
  batchInEpoch: number;
  /** Steps trained in all. */
  step: number;
  optimizerSteps: number;
}

const MAGIC = 'BLCK1';

/**
 * A checkpoint as one byte array: a JSON header (position, tensor names, shapes) then the float32 values.
 * Every variable of the model (weights, rule state, optimiser moments) is saved, so a resumed run continues
 * exactly as if it had not stopped.
 */
export async function saveCheckpoint(model: Model, position: TrainingPosition): Promise<Uint8Array> {
  const entries = [...model.state()];
  const values = await Promise.all(entries.map(([, v]) => v.data() as Promise<Float32Array>));
  const header = JSON.stringify({
    magic: MAGIC,
    position,
    tensors: entries.map(([name, v]) => ({ name, shape: v.shape })),
  });
  const headerBytes = new TextEncoder().encode(header);
  const total = 4 + headerBytes.length + values.reduce((n, v) => n + v.byteLength, 0);
  const out = new Uint8Array(total + ((4 - ((4 + headerBytes.length) % 4)) % 4));
  const view = new DataView(out.buffer);
  view.setUint32(0, headerBytes.length, true);
  out.set(headerBytes, 4);
  let offset = align4(4 + headerBytes.length);
  for (const v of values) {
    out.set(new Uint8Array(v.buffer, v.byteOffset, v.byteLength), offset);
    offset += v.byteLength;
  }
  return out;
}

/** Loads a checkpoint into a model built from the same config; returns where training stood. */
export function loadCheckpoint(model: Model, bytes: Uint8Array): TrainingPosition {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 4) throw new Error('checkpoint is empty or truncated');
  const headerLength = view.getUint32(0, true);
  if (4 + headerLength > bytes.length) throw new Error('checkpoint header is truncated');
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(4, 4 + headerLength))) as {
    magic: string;
    position: TrainingPosition;
    tensors: { name: string; shape: number[] }[];
  };
  if (header.magic !== MAGIC) throw new Error(`not a Broadcast Lab checkpoint (magic ${JSON.stringify(header.magic)})`);
  const state = model.state();
  let offset = align4(4 + headerLength);
  for (const { name, shape } of header.tensors) {
    const variable = state.get(name);
    if (!variable) throw new Error(`checkpoint holds ${name}, which this model does not have`);
    if (variable.shape.join('×') !== shape.join('×')) {
      throw new Error(`checkpoint's ${name} is ${shape.join('×')}, the model's is ${variable.shape.join('×')}`);
    }
    const count = shape.reduce((a, b) => a * b, 1);
    if (offset + count * 4 > bytes.length) throw new Error(`checkpoint is truncated inside ${name}`);
    const values = new Float32Array(bytes.slice(offset, offset + count * 4).buffer);
    // Inside tidy, so that the temporary does not outlive the assignment (a tensor per variable per resume).
    tf.tidy(() => variable.assign(tf.tensor(values, shape)));
    offset += count * 4;
  }
  if (header.tensors.length !== state.size)
    throw new Error(`checkpoint holds ${header.tensors.length} tensors, the model ${state.size}`);
  model.optimizer.stepCount = header.position.optimizerSteps;
  return header.position;
}

function align4(n: number): number {
  return n + ((4 - (n % 4)) % 4);
}
