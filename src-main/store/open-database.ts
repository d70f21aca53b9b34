import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { classifyOpenFailure, storeError } from './store-errors';
import type { Db } from './sqlite';

/** Written into the header by the first migration, so that another program's SQLite file is recognised. */
export const APPLICATION_ID = 0x42724c62; // "BrLb"

const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');
const SQLITE_HEADER_BYTES = 100;

/**
 * Opens (or creates) the database for writing, refusing anything it cannot use before writing a byte:
 * the folder is created, an existing file is checked through a read-only connection first (format,
 * owner, schema version), and only then is a writable connection opened and switched to WAL. Switching
 * to WAL rewrites the header, which is why it must come after the checks.
 */
export function openDatabase(file: string, busyTimeoutMs: number, knownVersion: number): Db {
  const folder = path.dirname(file);
  try {
    fs.mkdirSync(folder, { recursive: true });
  } catch (error) {
    throw classifyOpenFailure(error, file, busyTimeoutMs);
  }
  const existing = statOrUndefined(file);
  if (existing?.isDirectory()) throw storeError('io', file, 'the path is a folder, not a file');
  if (existing) {
    checkHeader(file, existing.size);
    checkWritable(file, true, busyTimeoutMs);
    inspectReadOnly(file, busyTimeoutMs, knownVersion);
  } else {
    checkWritable(file, false, busyTimeoutMs);
  }

  let db: Db;
  try {
    db = new Database(file, { timeout: busyTimeoutMs });
  } catch (error) {
    throw classifyOpenFailure(error, file, busyTimeoutMs);
  }
  try {
    // The read-only look may be stale if another process upgraded the file in between.
    checkVersion(file, db.pragma('user_version', { simple: true }), knownVersion);
    const mode = db.pragma('journal_mode = WAL', { simple: true });
    if (mode !== 'wal')
      throw storeError('io', file, `the file system does not support WAL journaling (mode ${String(mode)})`);
    // WAL makes NORMAL safe against corruption; a power cut can lose at most the last few metric batches.
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    // Checkpoint every ~40 MB of WAL rather than 4 MB: a run appends for hours, always to the same few
    // right-hand b-tree pages, and a checkpoint copies each page once however often it changed since.
    db.pragma('wal_autocheckpoint = 10000');
    db.pragma('journal_size_limit = 67108864');
    db.pragma('temp_store = MEMORY');
    db.pragma('cache_size = -32768');
    return db;
  } catch (error) {
    db.close();
    throw classifyOpenFailure(error, file, busyTimeoutMs);
  }
}

export function statOrUndefined(file: string): fs.Stats | undefined {
  try {
    return fs.statSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw classifyOpenFailure(error, file, 0);
  }
}

/** SQLite treats an empty file as a new database; anything else must start with SQLite's magic string. */
export function checkHeader(file: string, size: number): void {
  if (size === 0) return;
  const header = Buffer.alloc(SQLITE_HEADER_BYTES);
  let read: number;
  try {
    const fd = fs.openSync(file, 'r');
    try {
      read = fs.readSync(fd, header, 0, SQLITE_HEADER_BYTES, 0);
    } finally {
      fs.closeSync(fd);
    }
  } catch (error) {
    throw classifyOpenFailure(error, file, 0);
  }
  if (read < SQLITE_HEADER_BYTES || !header.subarray(0, SQLITE_MAGIC.length).equals(SQLITE_MAGIC)) {
    throw storeError('corrupt', file, 'the file does not start with a SQLite header');
  }
}

/**
 * SQLite silently opens a write-protected file read-only and fails only at the first write, and WAL
 * needs to create its -wal and -shm files beside the database; ask the file system first.
 */
function checkWritable(file: string, fileExists: boolean, busyTimeoutMs: number): void {
  const folder = path.dirname(file);
  for (const target of fileExists ? [file, folder] : [folder]) {
    try {
      fs.accessSync(target, fs.constants.W_OK);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'error';
      if (code === 'EROFS') {
        throw storeError('read_only', file, `its folder ${folder} is on a read-only file system: EROFS`, error);
      }
      if (code === 'EACCES' || code === 'EPERM') {
        const what = target === folder ? `its folder ${folder} is not writable` : 'the file is not writable';
        throw storeError('read_only', file, `${what} for this user: ${code}`, error);
      }
      throw classifyOpenFailure(error, file, busyTimeoutMs);
    }
  }
}

/** Reads what must be true before anything is written, through a connection that cannot write. */
function inspectReadOnly(file: string, busyTimeoutMs: number, knownVersion: number): void {
  let db: Db | undefined;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true, timeout: busyTimeoutMs });
    checkVersion(file, db.pragma('user_version', { simple: true }), knownVersion);
    const applicationId = db.pragma('application_id', { simple: true });
    const tables = db.prepare<[], string>("SELECT name FROM sqlite_schema WHERE type = 'table'").pluck().all();
    if (applicationId !== APPLICATION_ID && (applicationId !== 0 || tables.length !== 0)) {
      throw storeError(
        'corrupt',
        file,
        `it is a SQLite database of another program (application id ${String(applicationId)})`,
      );
    }
    // Parsing the schema and stepping into every table touches the pages a damaged file most often
    // breaks first (page 1, the roots), for a few page reads; PRAGMA quick_check would read the whole
    // file, seconds for a database of long runs. Deeper damage is reported when it is read.
    for (const table of tables) db.prepare(`SELECT 1 FROM "${table.replaceAll('"', '""')}" LIMIT 1`).all();
  } catch (error) {
    throw classifyOpenFailure(error, file, busyTimeoutMs);
  } finally {
    db?.close();
  }
}

export function checkVersion(file: string, version: unknown, knownVersion: number): void {
  if (typeof version !== 'number') throw storeError('corrupt', file, 'its schema version cannot be read');
  if (version > knownVersion) {
    throw storeError(
      'newer_schema',
      file,
      `schema version ${version}; this version of Broadcast Lab understands up to ${knownVersion}`,
    );
  }
}
