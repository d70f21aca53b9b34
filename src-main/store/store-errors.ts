import { StoreError, type StoreErrorKind } from './types';
import { sqliteCode } from './sqlite';

/**
 * Every way of pointing Broadcast Lab at its data. The desktop app uses Electron's userData folder, serve
 * mode and the CLI take --data or BROADCAST_LAB_DATA, so the advice names all of them.
 */
const ELSEWHERE = 'or point Broadcast Lab at another data folder (--data DIR or BROADCAST_LAB_DATA)';

/** The sentence for each kind: what happened to which file, and what the user can do about it. */
export function storeError(kind: StoreErrorKind, file: string, detail: string, cause?: unknown): StoreError {
  const options = cause === undefined ? undefined : { cause };
  switch (kind) {
    case 'corrupt':
      return new StoreError(
        kind,
        file,
        `The database ${file} is damaged or is not a Broadcast Lab database (${detail}). It was left as it is. ` +
          `Restore it from a backup or move it aside so that a new one is created, ${ELSEWHERE}.`,
        options,
      );
    case 'locked':
      return new StoreError(
        kind,
        file,
        `The database ${file} is in use by another process (${detail}). ` +
          `Close the other Broadcast Lab (or other program) using it and try again, ${ELSEWHERE}.`,
        options,
      );
    case 'read_only':
      return new StoreError(
        kind,
        file,
        `The database ${file} cannot be written (${detail}). ` +
          `Make the file and its folder writable for this user, ${ELSEWHERE}.`,
        options,
      );
    case 'newer_schema':
      return new StoreError(
        kind,
        file,
        `The database ${file} was written by a newer Broadcast Lab (${detail}). It was left as it is. ` +
          `Update Broadcast Lab to open it, ${ELSEWHERE}.`,
        options,
      );
    case 'io':
      return new StoreError(
        kind,
        file,
        `The database ${file} could not be opened (${detail}). ` +
          `Check that the path names a file on a working disk with free space, ${ELSEWHERE}.`,
        options,
      );
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Maps a SQLite or file-system failure met while opening or upgrading to the kind a user can act on. */
export function classifyOpenFailure(error: unknown, file: string, busyTimeoutMs: number): StoreError {
  if (error instanceof StoreError) return error;
  const code = sqliteCode(error) ?? '';
  const detail = messageOf(error);
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return storeError('locked', file, `another connection holds its lock; gave up after ${busyTimeoutMs} ms`, error);
  }
  if (code.startsWith('SQLITE_NOTADB') || code.startsWith('SQLITE_CORRUPT'))
    return storeError('corrupt', file, detail, error);
  if (code.startsWith('SQLITE_READONLY') || code === 'SQLITE_PERM' || code === 'SQLITE_AUTH') {
    return storeError('read_only', file, detail, error);
  }
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') return storeError('read_only', file, detail, error);
  return storeError('io', file, detail, error);
}
