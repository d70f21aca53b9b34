import type { StoreError } from '../store/types';

/** What a run that the store failed under says about it: where, what was kept, and what to do. */
export function storageFailureText(error: StoreError, dataDir: string): string {
  if (error.kind === 'disk_full') {
    return (
      `disk full at ${dataDir}: the run stopped; everything stored before is kept. ` +
      'Free some space, then resume it from its last checkpoint.'
    );
  }
  return `the data folder ${dataDir} failed while the run was training: ${error.message}`;
}
