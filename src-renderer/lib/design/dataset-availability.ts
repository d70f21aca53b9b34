import type { DatasetInfo } from '../../../shared/api/contract';
import type { Issue } from '../../../shared/api/errors';

/**
 * The chosen dataset's availability as a design issue: a dataset whose files are not here cannot be run, and the
 * issue says which files and how to get them (the server's reason, the same experiments.validate gives). Nothing
 * until the list has loaded, so that the form is not marked wrong for a moment on every start.
 */
export function datasetAvailability(chosen: string, datasets: readonly DatasetInfo[] | null): Issue[] {
  if (datasets === null || chosen === '') return [];
  const info = datasets.find((d) => d.name === chosen);
  if (!info) {
    return [{ path: 'dataset.name', message: `no dataset named '${chosen}' is here: import it, or pick another` }];
  }
  return info.unavailable === null ? [] : [{ path: 'dataset.name', message: info.unavailable }];
}
