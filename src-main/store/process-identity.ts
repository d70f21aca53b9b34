import fs from 'node:fs';
import os from 'node:os';

/**
 * When a process started, as the kernel counts it (Linux: clock ticks since boot, field 22 of /proc/PID/stat),
 * or null where that cannot be read. A pid is reused once its process has gone; the pair (pid, start) is not.
 */
export function processStartToken(pid: number): string | null {
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // The command name (field 2) is in parentheses and may itself contain spaces and parentheses.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const start = fields[19];
  return start !== undefined && /^\d+$/.test(start) ? start : null;
}

export type Liveness = 'alive' | 'gone' | 'unknown';

/**
 * Whether the process that wrote a lock is still running: its pid exists and, where the start time can be
 * read, started when the lock says it did. A process on another machine (a shared network folder) cannot be
 * asked, and is 'unknown'.
 */
export function processLiveness(holder: { pid: number; hostname: string; processStart: string | null }): Liveness {
  if (holder.hostname !== os.hostname()) return 'unknown';
  try {
    process.kill(holder.pid, 0);
  } catch (error) {
    // EPERM: the pid exists but belongs to another user, so it is running.
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return 'gone';
  }
  if (holder.processStart === null) return 'alive';
  const now = processStartToken(holder.pid);
  if (now === null) return 'alive';
  return now === holder.processStart ? 'alive' : 'gone';
}
