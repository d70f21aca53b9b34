import type { DatasetInfo } from '../../shared/api/contract';
import type { DatasetEntry } from '../data/manager';

/**
 * The manager's entry as the API shows it: plain arrays and objects, without what only the engine uses, with why it
 * cannot be loaded (the manager's unavailableReason).
 */
export function toDatasetInfo(d: DatasetEntry, unavailable: string | null): DatasetInfo {
  return {
    name: d.name,
    title: d.title,
    origin: d.origin,
    present: d.present,
    downloadable: d.downloadable,
    location: d.location,
    task: d.task,
    inputShape: [...d.inputShape],
    outputSize: d.outputSize,
    classNames: [...d.classNames],
    sizes: { ...d.sizes },
    problem: d.problem,
    unavailable,
  };
}
