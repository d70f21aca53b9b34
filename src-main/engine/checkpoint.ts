import type { Model } from './model';
import { transposed } from './rules/fa';
import type { StateTensor, StepRunner } from './runner';

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
/** State that older checkpoints may lack (see readCheckpoint). */
const LEGACY_OPTIONAL = /^rule\.(correlation|broadcast)\d+\.start$/;

/**
 * A checkpoint as one byte array: a JSON header (position, tensor names, shapes) then the float32 values.
 * Every saved state entry (weights, rule state, optimiser moments, entropy inverses) is in it, so a resumed run
 * continues exactly as if it had not stopped, on whichever executor.
 */
export async function saveCheckpoint(runner: StepRunner, position: TrainingPosition): Promise<Uint8Array> {
  const entries = [...(await runner.readState())];
  const header = JSON.stringify({
    magic: MAGIC,
    position,
    tensors: entries.map(([name, v]) => ({ name, shape: v.shape })),
  });
  const headerBytes = new TextEncoder().encode(header);
  const start = align4(4 + headerBytes.length);
  const out = new Uint8Array(start + entries.reduce((n, [, v]) => n + v.values.byteLength, 0));
  new DataView(out.buffer).setUint32(0, headerBytes.length, true);
  out.set(headerBytes, 4);
  let offset = start;
  for (const [, v] of entries) {
    out.set(new Uint8Array(v.values.buffer, v.values.byteOffset, v.values.byteLength), offset);
    offset += v.values.byteLength;
  }
  return out;
}

/**
 * Reads a checkpoint for a model built from the same config, checking every tensor's name and shape against it;
 * returns where training stood and the state to give the runner. Throws, naming what is wrong, on anything else.
 */
export function readCheckpoint(
  model: Model,
  bytes: Uint8Array,
): { position: TrainingPosition; state: Map<string, StateTensor> } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 4) throw new Error('checkpoint is empty or truncated');
  const headerLength = view.getUint32(0, true);
  if (4 + headerLength > bytes.length) throw new Error('checkpoint header is truncated');
  let header: { magic: string; position: TrainingPosition; tensors: { name: string; shape: number[] }[] };
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(4, 4 + headerLength))) as typeof header;
  } catch {
    throw new Error('checkpoint header is not valid JSON');
  }
  if (header.magic !== MAGIC) throw new Error(`not a Broadcast Lab checkpoint (magic ${JSON.stringify(header.magic)})`);
  const expected = new Map(model.initialState.filter((e) => e.saved).map((e) => [e.name, e.shape]));
  const state = new Map<string, StateTensor>();
  let offset = align4(4 + headerLength);
  for (const { name, shape } of header.tensors) {
    const wanted = expected.get(name);
    if (!wanted) throw new Error(`checkpoint holds ${name}, which this model does not have`);
    const count = shape.reduce((a, b) => a * b, 1);
    if (offset + count * 4 > bytes.length) throw new Error(`checkpoint is truncated inside ${name}`);
    let values: Float32Array = new Float32Array(bytes.slice(offset, offset + count * 4).buffer);
    offset += count * 4;
    if (wanted.join('×') !== shape.join('×')) {
      // Checkpoints written before the layer abstraction stored FA's feedback as F (N_{k+1} × Nₖ); it is now kept
      // in the forward weight's layout.
      const legacyFeedback =
        /^rule\.feedback\d+$/.test(name) && shape.length === 2 && wanted.join('×') === [shape[1], shape[0]].join('×');
      if (!legacyFeedback) {
        throw new Error(`checkpoint's ${name} is ${shape.join('×')}, the model's is ${wanted.join('×')}`);
      }
      values = transposed(values, shape[0]!, shape[1]!);
    }
    state.set(name, { shape: wanted, values });
  }
  // Checkpoints written before learned broadcasts kept their start lack it: the run's own seed redraws the same.
  const missing = [...expected.keys()].filter((n) => !state.has(n) && !LEGACY_OPTIONAL.test(n));
  if (missing.length > 0) throw new Error(`checkpoint lacks ${missing.join(', ')}`);
  return { position: header.position, state };
}

function align4(n: number): number {
  return n + ((4 - (n % 4)) % 4);
}
