import fs from 'node:fs';
import path from 'node:path';
import type { Run } from '../../shared/schemas/records';
import { DATABASE_FILE } from '../data-dir';
import { openStore } from '../store';
import { taskDataDir } from './plan';

/** A task's own database file in the results folder. */
export function taskDatabase(results: string, index: number): string {
  return path.join(taskDataDir(results, index), DATABASE_FILE);
}

/**
 * The run a task's file holds, read without writing (the task may still be training into it); undefined while
 * the file does not exist yet or cannot be read.
 */
export function taskRun(results: string, index: number, uid: string): Run | undefined {
  const file = taskDatabase(results, index);
  if (!fs.existsSync(file)) return undefined;
  try {
    const store = openStore({ path: file, readOnly: true });
    try {
      return store.runs.list().find((r) => r.uid === uid);
    } finally {
      store.close();
    }
  } catch {
    return undefined;
  }
}
