import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DATABASE_FILE } from '../../src-main/data-dir';
import { openStore } from '../../src-main/store';
import { alive } from '../support/process-alive';

const HOST = fileURLToPath(new URL('./orphan-host.ts', import.meta.url));

let dir: string;
let host: ChildProcess | null = null;
let trainer: number | null = null;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bl-orphan-'));
});
afterEach(() => {
  host?.kill('SIGKILL');
  // Should the training process have outlived the test, it must not outlive the test run too.
  if (trainer !== null && alive(trainer)) process.kill(trainer, 'SIGKILL');
  fs.rmSync(dir, { recursive: true, force: true });
});

async function until(condition: () => boolean, deadlineMs: number): Promise<boolean> {
  const end = Date.now() + deadlineMs;
  while (Date.now() < end) {
    if (condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return condition();
}

describe('a training process whose host is killed', () => {
  it('exits on its own and leaves the database intact with every point committed before the kill', async () => {
    const started = spawn(process.execPath, ['--import', 'tsx', HOST, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
    host = started;
    let runId = 0;
    let committed = 0;
    readline.createInterface({ input: started.stdout! }).on('line', (line) => {
      const report = JSON.parse(line) as { runId: number; pid: number | null; committed: number };
      runId = report.runId;
      trainer = report.pid;
      committed = Math.max(committed, report.committed);
    });
    let hostExited = false;
    started.once('exit', () => (hostExited = true));
    // A few batches in: the run is well under way, far from its 1,000 epochs.
    expect(await until(() => committed >= 40 || hostExited, 120_000)).toBe(true);
    expect(hostExited, 'the host ended on its own').toBe(false);
    const pid = trainer!;
    expect(alive(pid)).toBe(true);
    started.kill('SIGKILL');
    await until(() => hostExited, 10_000);
    const seenBeforeKill = committed;

    expect(await until(() => !alive(pid), 10_000), `training process ${pid} still running`).toBe(true);

    const file = path.join(dir, DATABASE_FILE);
    const db = new Database(file, { readonly: true });
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    db.close();
    const store = openStore({ path: file });
    try {
      const stored = store.metrics
        .names(runId)
        .reduce((n, s) => n + store.metrics.series({ runId, name: s.name, split: s.split, maxPoints: 2 }).total, 0);
      expect(stored).toBeGreaterThanOrEqual(seenBeforeKill);
      expect(store.runs.get(runId)?.status).toBe('interrupted');
    } finally {
      store.close();
    }
  }, 180_000);
});
