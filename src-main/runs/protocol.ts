import { z } from 'zod';
import { ExperimentSpec } from '../../shared/schemas/experiment';
import { MetricPoint } from '../../shared/schemas/records';
import { BackendChoice } from '../../shared/api/contract';
import { MAX_THREADS } from '../../shared/engine/backends';

/**
 * Messages between the host (Electron main, the serve process, the CLI) and a training process. Both sides
 * parse what they receive: it crossed a process boundary.
 */
export { BackendChoice };

const Threads = z.number().int().min(1).max(MAX_THREADS);

const Bytes = z.custom<Uint8Array>((value) => value instanceof Uint8Array, 'expected a byte array');

export const HostMessage = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('start'),
    runId: z.number().int().positive(),
    spec: ExperimentSpec,
    arm: z.number().int().nonnegative(),
    seed: z.number().int().nonnegative(),
    dataDir: z.string(),
    backend: BackendChoice,
    /** ONNX Runtime's intra-op threads; absent: the physical cores. */
    threads: Threads.nullable().default(null),
    /** The latest checkpoint, when resuming an interrupted or stopped run. */
    checkpoint: Bytes.nullable(),
  }),
  /** Time the training step of every arm of a spec on random data, for the time-per-epoch estimate. */
  z.object({
    type: z.literal('estimate'),
    spec: ExperimentSpec,
    backend: BackendChoice,
    threads: Threads.nullable().default(null),
    inputSize: z.number().int().positive(),
    inputShape: z.array(z.number().int().positive()).max(4).optional(),
    outputSize: z.number().int().positive(),
  }),
  z.object({ type: z.literal('pause') }),
  z.object({ type: z.literal('resume') }),
  z.object({ type: z.literal('stop') }),
]);
export type HostMessage = z.infer<typeof HostMessage>;

export const ProgressMessage = z.object({
  type: z.literal('progress'),
  epoch: z.number(),
  step: z.number().int(),
  totalSteps: z.number().int(),
  samplesPerSecond: z.number(),
  eta: z.number(),
});
export type ProgressMessage = z.infer<typeof ProgressMessage>;

export const WorkerMessage = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('started'),
    backend: z.string(),
    device: z.string(),
    /** Backend, versions, dataset identity: stored with the run. */
    environment: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
    resumedFromStep: z.number().int().nullable(),
  }),
  z.object({ type: z.literal('metrics'), points: z.array(MetricPoint) }),
  ProgressMessage,
  z.object({ type: z.literal('checkpoint'), step: z.number().int(), epoch: z.number(), bytes: Bytes }),
  z.object({ type: z.literal('paused'), step: z.number().int().nonnegative() }),
  /** Training goes on after a pause; step is where it held (null when resumed before it reached a hold). */
  z.object({ type: z.literal('resumed'), step: z.number().int().nonnegative().nullable() }),
  z.object({
    type: z.literal('finished'),
    status: z.enum(['completed', 'stopped', 'diverged']),
    step: z.number().int(),
    /** For a diverged run: which layer, which quantity (weights, activations, rule state, loss, …) and why. */
    layer: z.number().int().nullable(),
    quantity: z.string().nullable().default(null),
    reason: z.string().nullable(),
  }),
  z.object({ type: z.literal('failed'), message: z.string() }),
  z.object({
    type: z.literal('estimated'),
    backend: z.string(),
    device: z.string(),
    /** One timing per arm of the spec, in its order. */
    arms: z.array(
      z.object({ msPerStep: z.number(), msPerEvalSample: z.number(), steps: z.number().int().nonnegative() }),
    ),
  }),
]);
export type WorkerMessage = z.infer<typeof WorkerMessage>;
