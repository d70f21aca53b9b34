import { z } from 'zod';
import { BACKEND_NAMES } from '../engine/backends';
import { Id } from '../schemas/ids';
import { Experiment, Run } from '../schemas/records';
import { SweepValues } from '../sweeps/schema';
import { Issue } from './errors';

/**
 * The sweep, scheduler and import methods of the API, spread into `contract` (contract.ts). Their own file keeps
 * the contract's main map readable; the same transports validate them.
 */
function method<Req extends z.ZodType, Res extends z.ZodType>(request: Req, response: Res) {
  return { request, response };
}

const Backend = z.enum(['auto', ...BACKEND_NAMES]);
const Priority = z.number().int().min(-1_000_000).max(1_000_000);

/** A path on the machine running the app, as for dataset imports. */
const AbsolutePath = z
  .string()
  .min(1)
  .max(4096)
  .refine((p) => p.startsWith('/') || /^[A-Za-z]:[\\/]/.test(p) || p.startsWith('\\\\'), {
    message: 'must be an absolute path (the full path of the file or folder)',
  });

export const SweepPreview = z.discriminatedUnion('ok', [
  z.object({
    ok: z.literal(true),
    points: z.array(z.object({ name: z.string(), values: SweepValues })),
    /** points × arms × seeds. */
    runCount: z.number().int().nonnegative(),
  }),
  z.object({ ok: z.literal(false), issues: z.array(Issue) }),
]);
export type SweepPreview = z.infer<typeof SweepPreview>;

export const SchedulerState = z.object({
  /** Runs that train at once. */
  slots: z.number().int().min(1),
  running: z.array(Id),
  queued: z.array(z.object({ runId: Id, priority: z.number().int(), backend: z.string() })),
});
export type SchedulerState = z.infer<typeof SchedulerState>;

export const ImportReport = z.object({
  files: z.array(z.object({ file: z.string(), added: z.number().int(), skipped: z.number().int() })),
  /** Runs added, and runs skipped because a run with the same uid was already here. */
  added: z.number().int().nonnegative(),
  skipped: z.number().int().nonnegative(),
  /** The ids the added runs have here. */
  runIds: z.array(Id),
});
export type ImportReport = z.infer<typeof ImportReport>;

export const sweepMethods = {
  /** Validates a sweep and lists its points (the values each gets) and how many runs it makes; starts nothing. */
  'sweeps.preview': method(z.strictObject({ sweep: z.unknown() }), SweepPreview),
  /**
   * Stores one experiment per point in the session and queues every run with the values it was given; an invalid
   * sweep is refused with its issues (each naming the field) and nothing is stored.
   */
  'sweeps.start': method(
    z.strictObject({ sessionId: Id, sweep: z.unknown(), backend: Backend.optional(), priority: Priority.optional() }),
    z.object({ experiments: z.array(Experiment), runs: z.array(Run) }),
  ),
  'scheduler.get': method(z.strictObject({}), SchedulerState),
  /** Runs at once from now on: more start queued runs at once, fewer let the running ones finish. */
  'scheduler.setSlots': method(z.strictObject({ slots: z.number().int().min(1).max(64) }), SchedulerState),
  /** Higher trains first among queued runs; only a queued run has a priority. */
  'runs.setPriority': method(z.strictObject({ id: Id, priority: Priority }), Run),
  /**
   * Adds the runs of other Broadcast Lab databases and export bundles (a file, or every *.sqlite and *.zip in a
   * folder, e.g. a cluster sweep's results) to this one, skipping runs already here (same uid). A damaged file (a
   * bundle that does not match its manifest) is refused naming it, and then nothing is stored.
   */
  'runs.import': method(z.strictObject({ path: AbsolutePath, sessionId: Id.optional() }), ImportReport),
} as const;
