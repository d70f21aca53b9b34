import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { processLiveness, processStartToken, type Liveness } from './process-identity';
import { StoreError } from './types';

export const LOCK_FILE = 'broadcast-lab.lock';

/** Who holds a data folder: enough to find the process, tell a reused pid apart, and name it to the user. */
const LockRecord = z.object({
  pid: z.number().int().positive(),
  hostname: z.string(),
  /** The kernel's start time of the process (see processStartToken); null where it cannot be read. */
  processStart: z.string().nullable(),
  /** When the lock was taken, ms since the epoch. */
  since: z.number(),
  command: z.string(),
});
type LockRecord = z.infer<typeof LockRecord>;

export interface DataFolderLock {
  readonly file: string;
  /** Removes the lock file if it is still this process's. */
  release(): void;
}

const ELSEWHERE = 'or point this one at another data folder (--data DIR or BROADCAST_LAB_DATA)';

/**
 * Makes this process the one writer of a data folder. Two hosts on one folder would both recover the other's
 * live runs as interrupted and train the same queued run, so the second is refused, with the holder named.
 * The lock is a file created atomically (written aside, then hard-linked into place, which fails if it exists).
 * A lock whose process is gone (a crash, a kill -9) is taken over; its pid alone is not trusted, since pids are
 * reused, so the process's start time must match too.
 */
export function lockDataFolder(folder: string, command: string): DataFolderLock {
  const file = path.join(folder, LOCK_FILE);
  try {
    fs.mkdirSync(folder, { recursive: true });
  } catch (error) {
    throw lockFailure(error, folder, file);
  }
  const mine: LockRecord = {
    pid: process.pid,
    hostname: os.hostname(),
    processStart: processStartToken(process.pid),
    since: Date.now(),
    command,
  };
  // Each pass either takes the lock, refuses, or clears a stale lock; a few passes cover racing starters.
  for (let attempt = 0; attempt < 5; attempt++) {
    if (tryCreate(file, mine, folder)) return held(file, mine);
    const holder = readRecord(file);
    if (holder === 'absent') continue;
    if (holder === 'unreadable') {
      throw new StoreError(
        'locked',
        file,
        `The data folder ${folder} is locked by a lock file that cannot be read (${file}). If no other Broadcast ` +
          `Lab uses this folder, delete that file; ${ELSEWHERE}.`,
      );
    }
    const liveness = processLiveness(holder);
    if (liveness !== 'gone') throw refusal(folder, file, holder, liveness);
    clearStale(file, holder);
  }
  throw new StoreError(
    'locked',
    file,
    `The data folder ${folder} is being locked and unlocked by other processes; try again, ${ELSEWHERE}.`,
  );
}

function held(file: string, mine: LockRecord): DataFolderLock {
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    process.off('exit', release);
    const current = readRecord(file);
    if (typeof current === 'object' && sameHolder(current, mine)) fs.rmSync(file, { force: true });
  };
  // A host that exits without closing (process.exit in a signal handler) still leaves the folder free.
  process.on('exit', release);
  return { file, release };
}

/** Writes the record aside and links it into place: the lock never exists half-written. */
function tryCreate(file: string, record: LockRecord, folder: string): boolean {
  const content = `${JSON.stringify(record)}\n`;
  const aside = `${file}.${process.pid}.${randomUUID()}.tmp`;
  try {
    fs.writeFileSync(aside, content, { flag: 'wx' });
    fs.linkSync(aside, file);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    // File systems without hard links (FAT, some network shares): exclusive creation, not atomic in content.
    if (code === 'EPERM' || code === 'ENOTSUP' || code === 'ENOSYS' || code === 'EOPNOTSUPP') {
      try {
        fs.writeFileSync(file, content, { flag: 'wx' });
        return true;
      } catch (fallback) {
        if ((fallback as NodeJS.ErrnoException).code === 'EEXIST') return false;
        throw lockFailure(fallback, folder, file);
      }
    }
    throw lockFailure(error, folder, file);
  } finally {
    fs.rmSync(aside, { force: true });
  }
}

function readRecord(file: string): LockRecord | 'absent' | 'unreadable' {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'absent' : 'unreadable';
  }
  try {
    const parsed = LockRecord.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : 'unreadable';
  } catch {
    return 'unreadable';
  }
}

function sameHolder(a: LockRecord, b: LockRecord): boolean {
  return a.pid === b.pid && a.hostname === b.hostname && a.processStart === b.processStart && a.since === b.since;
}

/**
 * Moves the stale lock aside before deleting it, and checks that what was moved is the lock judged stale:
 * another starter may have cleared it and taken the folder in between, and its live lock must go back.
 */
function clearStale(file: string, stale: LockRecord): void {
  const aside = `${file}.stale-${process.pid}-${randomUUID()}`;
  try {
    fs.renameSync(file, aside);
  } catch {
    return; // gone already: the next pass looks again
  }
  try {
    const moved = readRecord(aside);
    if (typeof moved === 'object' && !sameHolder(moved, stale)) {
      try {
        fs.linkSync(aside, file);
      } catch {
        // A third process holds the folder now; the next pass refuses against it.
      }
    }
  } finally {
    fs.rmSync(aside, { force: true });
  }
}

function refusal(folder: string, file: string, holder: LockRecord, liveness: Liveness): StoreError {
  const since = new Date(holder.since).toISOString();
  const where = liveness === 'unknown' ? ` on ${holder.hostname}` : '';
  const advice =
    liveness === 'unknown'
      ? `If ${holder.hostname} no longer runs it, delete ${file}; ${ELSEWHERE}.`
      : `Stop that one first, ${ELSEWHERE}.`;
  return new StoreError(
    'locked',
    file,
    `The data folder ${folder} is in use by another Broadcast Lab: process ${holder.pid}${where} ` +
      `(${holder.command}), since ${since}. Only one app, server or training command writes to a data folder ` +
      `at a time; reading commands (list, show) work alongside it. ${advice}`,
  );
}

function lockFailure(error: unknown, folder: string, file: string): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  const options = { cause: error };
  switch (code) {
    case 'EROFS':
      return new StoreError(
        'read_only',
        file,
        `The data folder ${folder} is on a read-only file system (EROFS): nothing can be written there. ` +
          `Remount it read-write, ${ELSEWHERE}.`,
        options,
      );
    case 'EACCES':
    case 'EPERM':
      return new StoreError(
        'read_only',
        file,
        `The data folder ${folder} is not writable for this user (${code}, creating ${file}). ` +
          `Make it writable, ${ELSEWHERE}.`,
        options,
      );
    case 'ENOSPC':
    case 'EDQUOT':
      return new StoreError(
        'disk_full',
        file,
        `The disk holding the data folder ${folder} is full (${code}, creating ${file}). Free some space, ${ELSEWHERE}.`,
        options,
      );
    default:
      return code
        ? new StoreError('io', file, `The data folder ${folder} cannot be used (${code}: ${String(error)}).`, options)
        : error;
  }
}
