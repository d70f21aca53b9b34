// Crash safety: `npm run bench reliability` (not in CI; a few minutes). 50 short runs, each in a real host process
// (bench/lib/reliability-host.ts) with a real training process, killed with SIGKILL at a random point of one of
// four scenarios: training, checkpoint writing, a schema migration on opening, a queue of runs. After each kill it
// reports the points the host had committed (acknowledged on its output before it died) against the points found
// in the database, PRAGMA integrity_check, runs left running/paused (or queued without their place in the queue)
// once the store is opened again, and training processes still alive 5 s after their host died. Every trial's folder is temporary and removed.
//
// `npx tsx bench/reliability.bench.ts [--trials N] [--seed S]`
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { Rng } from '../src-main/common/random';
import { DATABASE_FILE } from '../src-main/data-dir';
import { LATEST_SCHEMA_VERSION, openStore } from '../src-main/store';
import type { Scenario } from './lib/reliability-host';
import { alive } from '../test/support/process-alive';

const HOST = fileURLToPath(new URL('./lib/reliability-host.ts', import.meta.url));
const V1_FIXTURE = fileURLToPath(new URL('../test/fixtures/store-v1.sqlite', import.meta.url));
const SCENARIOS: readonly Scenario[] = ['training', 'checkpoint', 'migration', 'queue'];
/** The whole bench stops starting trials past this, so that it stays bounded on a busy machine. */
const BUDGET_MS = 8 * 60_000;
/** How long a host may take to reach the point a kill is aimed at (tsx compiles the sources on each start). */
const READY_MS = 60_000;
const ORPHAN_DEADLINE_MS = 5_000;

const argument = (name: string, fallback: number) => {
  const at = process.argv.indexOf(name);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
};

interface Trial {
  scenario: Scenario;
  killedAfterMs: number;
  /** The host's last line before the kill: where in its life the kill landed. */
  phase: string;
  /** Points the host said it had committed, per run, before it died. */
  acknowledged: number;
  found: number;
  integrity: string;
  stuckRuns: number;
  orphans: number;
  schemaOk: boolean;
  /** Checkpoints found afterwards, and runs whose latest one could not be read back. */
  checkpoints: number;
  badCheckpoints: number;
  note: string;
}

interface HostLine {
  event: 'opening' | 'opened' | 'child' | 'committed' | 'idle';
  pid?: number | null;
  runId?: number;
  total?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(condition: () => boolean, deadlineMs: number): Promise<boolean> {
  const end = Date.now() + deadlineMs;
  while (Date.now() < end && !condition()) await sleep(20);
  return condition();
}

async function runTrial(scenario: Scenario, rng: Rng): Promise<Trial> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bl-reliability-'));
  const file = path.join(dir, DATABASE_FILE);
  let v1Points = 0;
  if (scenario === 'migration') {
    fs.copyFileSync(V1_FIXTURE, file);
    const db = new Database(file, { readonly: true });
    v1Points = (db.prepare('SELECT count(*) AS n FROM metric_points').get() as { n: number }).n;
    db.close();
  }
  const host = spawn(process.execPath, ['--import', 'tsx', HOST, dir, scenario], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const children: number[] = [];
  const committed = new Map<number, number>();
  const seen = new Set<HostLine['event']>();
  let phase = 'starting';
  let exited = false;
  host.once('exit', () => (exited = true));
  readline.createInterface({ input: host.stdout }).on('line', (text) => {
    let line: HostLine;
    try {
      line = JSON.parse(text) as HostLine;
    } catch {
      return;
    }
    seen.add(line.event);
    phase = line.event;
    if (line.event === 'child' && line.pid) children.push(line.pid);
    if (line.event === 'committed') committed.set(line.runId!, Math.max(committed.get(line.runId!) ?? 0, line.total!));
  });
  const trial: Trial = {
    scenario,
    killedAfterMs: 0,
    phase: '',
    acknowledged: 0,
    found: 0,
    integrity: '?',
    stuckRuns: 0,
    orphans: 0,
    schemaOk: true,
    checkpoints: 0,
    badCheckpoints: 0,
    note: '',
  };
  try {
    // Aim the kill: while the store opens (and migrates), or some way into training once points flow.
    const migrating = scenario === 'migration';
    const ready = await until(() => exited || seen.has(migrating ? 'opening' : 'committed'), READY_MS);
    if (!ready || exited) trial.note = exited ? 'host ended before the kill' : 'host not ready in time';
    const delay = migrating ? rng.int(60) : rng.int(scenario === 'queue' ? 6000 : 1500);
    await sleep(delay);
    trial.killedAfterMs = delay;
    if (seen.has('idle')) trial.note = 'finished before the kill';
    trial.phase = phase;
    host.kill('SIGKILL');
    await until(() => exited, 10_000);
    // Lines already in the pipe when the host died were written, and so committed, before it.
    await sleep(50);
    trial.acknowledged = [...committed.values()].reduce((a, b) => a + b, 0) + v1Points;

    await until(() => children.every((pid) => !alive(pid)), ORPHAN_DEADLINE_MS);
    for (const pid of children.filter(alive)) {
      trial.orphans += 1;
      process.kill(pid, 'SIGKILL');
    }

    if (!fs.existsSync(file)) {
      trial.integrity = 'no database yet';
      return trial;
    }
    const raw = new Database(file, { readonly: true });
    trial.integrity = String(raw.pragma('integrity_check', { simple: true }));
    raw.close();
    const store = openStore({ path: file });
    try {
      trial.schemaOk = store.schemaVersion === LATEST_SCHEMA_VERSION;
      const inQueue = new Set(store.queue.list().map((q) => q.runId));
      for (const run of store.runs.list()) {
        // A queued run waits in the stored queue for the next app start (recovery.ts); one without its place is stuck.
        const waiting = run.status === 'queued' && inQueue.has(run.id);
        if (['queued', 'running', 'paused'].includes(run.status) && !waiting) trial.stuckRuns += 1;
        trial.found += store.metrics
          .names(run.id)
          .reduce(
            (n, s) => n + store.metrics.series({ runId: run.id, name: s.name, split: s.split, maxPoints: 2 }).total,
            0,
          );
        const listed = store.checkpoints.list(run.id);
        trial.checkpoints += listed.length;
        if (listed.length > 0 && !(store.checkpoints.latest(run.id)?.data.length ?? 0)) trial.badCheckpoints += 1;
      }
    } finally {
      store.close();
    }
    return trial;
  } finally {
    if (!exited) host.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const trials = argument('--trials', 50);
  const seed = argument('--seed', Date.now() % 100_000);
  const rng = new Rng(seed);
  console.log(
    `reliability: ${trials} trials, seed ${seed}, ${os.cpus().length} CPUs, load ${os.loadavg()[0]!.toFixed(2)}`,
  );
  const started = Date.now();
  const results: Trial[] = [];
  for (let i = 0; i < trials; i++) {
    if (Date.now() - started > BUDGET_MS) {
      console.log(`time budget spent after ${i} trials`);
      break;
    }
    const t = await runTrial(SCENARIOS[i % SCENARIOS.length]!, rng);
    results.push(t);
    const lost = Math.max(0, t.acknowledged - t.found);
    console.log(
      `${String(i + 1).padStart(2)} ${t.scenario.padEnd(10)} kill +${String(t.killedAfterMs).padStart(4)} ms ` +
        `after '${t.phase}'`.padEnd(18) +
        `acknowledged ${String(t.acknowledged).padStart(5)}  found ${String(t.found).padStart(5)}  lost ${lost}  ` +
        `integrity ${t.integrity}  stuck runs ${t.stuckRuns}  orphans ${t.orphans}` +
        (t.schemaOk ? '' : '  SCHEMA NOT LATEST') +
        (t.checkpoints ? `  checkpoints ${t.checkpoints}` : '') +
        (t.badCheckpoints ? `  unreadable checkpoints ${t.badCheckpoints}` : '') +
        (t.note ? `  (${t.note})` : ''),
    );
  }
  console.log('\nscenario    trials  acknowledged   found   lost  integrity-failures  stuck-runs  orphans');
  for (const scenario of SCENARIOS) {
    const of = results.filter((r) => r.scenario === scenario);
    const sum = (f: (t: Trial) => number) => of.reduce((n, t) => n + f(t), 0);
    console.log(
      `${scenario.padEnd(11)} ${String(of.length).padStart(6)}  ${String(sum((t) => t.acknowledged)).padStart(12)}  ` +
        `${String(sum((t) => t.found)).padStart(6)}  ${String(sum((t) => Math.max(0, t.acknowledged - t.found))).padStart(5)}  ` +
        `${String(of.filter((t) => t.integrity !== 'ok' && t.integrity !== 'no database yet').length).padStart(18)}  ` +
        `${String(sum((t) => t.stuckRuns)).padStart(10)}  ${String(sum((t) => t.orphans)).padStart(7)}`,
    );
  }
  const failures = results.filter(
    (t) =>
      t.acknowledged > t.found ||
      (t.integrity !== 'ok' && t.integrity !== 'no database yet') ||
      t.stuckRuns > 0 ||
      t.orphans > 0 ||
      !t.schemaOk ||
      t.badCheckpoints > 0,
  );
  console.log(
    `\n${results.length} trials in ${((Date.now() - started) / 1000).toFixed(0)} s: ` +
      (failures.length === 0
        ? 'PASS (nothing lost, every database intact, nothing stuck)'
        : `MISS in ${failures.length}`),
  );
  process.exitCode = failures.length === 0 ? 0 : 1;
}

await main();
