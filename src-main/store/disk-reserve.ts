import fs from 'node:fs';

/** Enough for the few pages that record a run's failure (its row, an event, their indexes) several times over. */
export const RESERVE_BYTES = 1024 * 1024;

export interface DiskReserve {
  /** Deletes the reserve, so that what must still be written on a full disk fits; false if there was none. */
  release(): boolean;
  /** Writes the reserve again if it is missing and the disk has room; false if it could not. */
  restore(): boolean;
}

/**
 * Space kept back beside the database: a file of real (not sparse) bytes. When the disk fills, SQLite cannot
 * even write the one small transaction that marks the run failed; deleting this file first makes room for it.
 */
export function diskReserve(file: string): DiskReserve {
  return {
    release() {
      try {
        fs.rmSync(file);
        return true;
      } catch {
        return false;
      }
    },
    restore() {
      try {
        if (fs.statSync(file, { throwIfNoEntry: false })?.size === RESERVE_BYTES) return true;
        // Zeros, written: a file only extended (truncate) would be sparse and reserve nothing.
        fs.writeFileSync(file, Buffer.alloc(RESERVE_BYTES));
        return true;
      } catch {
        // A full or read-only disk: it is taken again at the next start, or the next resume.
        fs.rmSync(file, { force: true });
        return false;
      }
    },
  };
}
