import fs from 'node:fs';
import path from 'node:path';
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
      // A read-only mount is not fixed by file modes: say which of the two it is.
      if (isReadOnlyFileSystem(detail, cause))
        return new StoreError(
          kind,
          file,
          `The database ${file} is on a read-only file system (${detail}). ` +
            `Remount it read-write, or copy the data folder to a writable disk and point Broadcast Lab at the copy ` +
            `(--data DIR or BROADCAST_LAB_DATA).`,
          options,
        );
      return new StoreError(
        kind,
        file,
        `The database ${file} cannot be written (${detail}). ` +
          `Make the file and its folder writable for this user, ${ELSEWHERE}.`,
        options,
      );
    case 'disk_full':
      return new StoreError(
        kind,
        file,
        `The disk holding the database ${file} is full (${detail}). Everything stored before it filled is kept. ` +
          `Free some space and try again, ${ELSEWHERE}.`,
        options,
      );
    case 'missing':
      return new StoreError(
        kind,
        file,
        `There is no database at ${file} (${detail}): nothing has been stored in this data folder yet. ` +
          `A command that writes (run, sessions create, serve, the app) creates it; or ${ELSEWHERE.slice(3)}.`,
        options,
      );
    case 'older_schema':
      return new StoreError(
        kind,
        file,
        `The database ${file} needs an upgrade first (${detail}); reading commands never change it. ` +
          `Start Broadcast Lab once (serve, the app, or any command that writes) to upgrade it, then try again.`,
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
        `The database ${file} could not be read or written (${detail}). ` +
          `Check that the path names a file on a working disk with free space, ${ELSEWHERE}.`,
        options,
      );
  }
}

function isReadOnlyFileSystem(detail: string, cause: unknown): boolean {
  return sqliteCode(cause) === 'EROFS' || /\bEROFS\b/.test(detail);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** SQLite result codes that describe the file or the disk rather than the statement that met them. */
const FILE_FAILURES = [
  'SQLITE_BUSY',
  'SQLITE_LOCKED',
  'SQLITE_CORRUPT',
  'SQLITE_NOTADB',
  'SQLITE_READONLY',
  'SQLITE_IOERR',
  'SQLITE_FULL',
  'SQLITE_CANTOPEN',
  'SQLITE_PERM',
];

/**
 * Maps a failure met while opening or upgrading to the kind a user can act on: any SQLite or
 * file-system error becomes a StoreError naming the file. Anything else is a bug and is returned as it
 * is, so that it is not dressed up as a disk problem.
 */
export function classifyOpenFailure(error: unknown, file: string, busyTimeoutMs: number): unknown {
  if (error instanceof StoreError) return error;
  const code = sqliteCode(error);
  if (code === undefined) return error;
  const detail = messageOf(error);
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return storeError('locked', file, `another connection holds its lock; gave up after ${busyTimeoutMs} ms`, error);
  }
  if (code.startsWith('SQLITE_NOTADB') || code.startsWith('SQLITE_CORRUPT'))
    return storeError('corrupt', file, detail, error);
  if (code.startsWith('SQLITE_FULL') || code === 'ENOSPC' || code === 'EDQUOT')
    return storeError('disk_full', file, detail, error);
  if (code === 'EROFS') return storeError('read_only', file, detail, error);
  if (['SQLITE_PERM', 'SQLITE_AUTH', 'EACCES', 'EPERM'].includes(code) || code.startsWith('SQLITE_READONLY')) {
    // SQLite says SQLITE_READONLY for a read-only mount as for a write-protected file; ask the file system which.
    return storeError(
      'read_only',
      file,
      onReadOnlyMount(file) ? `${detail}; EROFS: read-only file system` : detail,
      error,
    );
  }
  if (code.startsWith('SQLITE_') || /^E[A-Z]+$/.test(code)) return storeError('io', file, detail, error);
  return error;
}

/**
 * A failure met while the store is in use: those about the file or the disk become StoreErrors of the
 * same kinds as at opening, so that a disk that fills up or a page damaged after opening reaches the
 * user naming the file. A statement's own failure (a constraint, a bad argument) passes through.
 */
export function classifyRuntimeFailure(error: unknown, file: string, busyTimeoutMs: number): unknown {
  const code = sqliteCode(error);
  if (code === undefined || !FILE_FAILURES.some((prefix) => code.startsWith(prefix))) return error;
  return classifyOpenFailure(error, file, busyTimeoutMs);
}

/** Whether the file's folder sits on a file system mounted read-only: access(2) answers EROFS there. */
export function onReadOnlyMount(file: string): boolean {
  try {
    fs.accessSync(path.dirname(file), fs.constants.W_OK);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EROFS';
  }
}
