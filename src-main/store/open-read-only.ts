import Database from 'better-sqlite3';
import { APPLICATION_ID, checkHeader, checkVersion, statOrUndefined } from './open-database';
import { classifyOpenFailure, onReadOnlyMount, storeError } from './store-errors';
import { sqliteCode, type Db } from './sqlite';

/**
 * Opens an existing database through a connection that cannot write, for commands that only read while
 * another process may be training into the same file. It creates nothing, upgrades nothing and recovers
 * nothing: a missing file, or one at an older schema, is refused with what to do instead.
 */
export function openDatabaseReadOnly(file: string, busyTimeoutMs: number, knownVersion: number): Db {
  const existing = statOrUndefined(file);
  if (!existing) throw storeError('missing', file, 'the file does not exist');
  if (existing.isDirectory()) throw storeError('io', file, 'the path is a folder, not a file');
  if (existing.size === 0) throw storeError('missing', file, 'the file is empty');
  checkHeader(file, existing.size);
  let db: Db;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true, timeout: busyTimeoutMs });
  } catch (error) {
    throw explainReadOnlyMount(error, file, busyTimeoutMs);
  }
  try {
    const version = db.pragma('user_version', { simple: true });
    checkVersion(file, version, knownVersion);
    if (db.pragma('application_id', { simple: true }) !== APPLICATION_ID)
      throw storeError('corrupt', file, 'it is not a Broadcast Lab database (its application id differs)');
    if (typeof version === 'number' && version < knownVersion) {
      throw storeError(
        'older_schema',
        file,
        `schema version ${version}; this version of Broadcast Lab reads version ${knownVersion}`,
      );
    }
    db.pragma('foreign_keys = ON');
    db.pragma('temp_store = MEMORY');
    return db;
  } catch (error) {
    db.close();
    throw explainReadOnlyMount(error, file, busyTimeoutMs);
  }
}

/**
 * Even a reader of a WAL database needs its -shm file, which SQLite creates beside it when missing (a clean
 * close removes it); on a read-only mount it cannot, and SQLite only says "unable to open database file".
 */
function explainReadOnlyMount(error: unknown, file: string, busyTimeoutMs: number): unknown {
  if (sqliteCode(error)?.startsWith('SQLITE_CANTOPEN') && onReadOnlyMount(file)) {
    return storeError(
      'read_only',
      file,
      'EROFS: SQLite cannot open a WAL database for reading where it cannot create its -shm file beside it',
      error,
    );
  }
  return classifyOpenFailure(error, file, busyTimeoutMs);
}
