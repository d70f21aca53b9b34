/**
 * What the preload needs from shared/, restated without runtime imports. shared/api/contract.ts and
 * envelope.ts build zod schemas at load time; importing a value from them would pull zod and every schema
 * into the sandboxed preload bundle. Type-only imports keep the two in step: the compiler refuses a
 * channel name that differs from shared/ or a method list that misses or invents a method, and
 * test/unit/shell-preload.test.ts compares the lists at run time as well.
 */
import type { IPC_EVENT_CHANNEL, IPC_INVOKE_CHANNEL } from '../../shared/api/envelope';
import type { MethodName } from '../../shared/api/contract';

export const INVOKE_CHANNEL: typeof IPC_INVOKE_CHANNEL = 'broadcast-lab:invoke';
export const EVENT_CHANNEL: typeof IPC_EVENT_CHANNEL = 'broadcast-lab:event';
/** Desktop only: the native save dialog, then export.write with the chosen path (src-main/desktop/save-export.ts). */
export const SAVE_EXPORT_CHANNEL = 'broadcast-lab:save-export';

export const BRIDGE_METHOD_NAMES = [
  'app.info',
  'sessions.list',
  'sessions.create',
  'sessions.rename',
  'sessions.setNotes',
  'sessions.delete',
  'sessions.open',
  'experiments.validate',
  'experiments.create',
  'experiments.get',
  'experiments.list',
  'experiments.duplicate',
  'experiments.delete',
  'experiments.estimate',
  'presets.list',
  'templates.list',
  'templates.save',
  'templates.delete',
  'experiments.start',
  'runs.list',
  'runs.get',
  'runs.pause',
  'runs.resume',
  'runs.stop',
  'runs.progress',
  'runs.events',
  'datasets.list',
  'datasets.import',
  'datasets.forget',
  'datasets.download',
  'metrics.names',
  'metrics.series',
  'events.subscribe',
  'events.unsubscribe',
  'sweeps.preview',
  'sweeps.start',
  'scheduler.get',
  'scheduler.setSlots',
  'runs.setPriority',
  'runs.import',
  'cluster.plan',
  'cluster.submit',
  'cluster.follow',
  'cluster.list',
  'cluster.resubmit',
  'export.figure',
  'export.figurePreview',
  'export.preview',
  'export.write',
  'export.verify',
] as const satisfies readonly MethodName[];

/** Compiles only while BRIDGE_METHOD_NAMES names every contract method. */
type Missing = Exclude<MethodName, (typeof BRIDGE_METHOD_NAMES)[number]>;
const everyMethodListed: [Missing] extends [never] ? true : { missing: Missing } = true;
void everyMethodListed;
