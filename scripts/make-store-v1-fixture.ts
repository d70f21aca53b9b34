// Writes test/fixtures/store-v1.sqlite: a database as the first release (schema v1) left it, with a little
// of everything, for the migration test. `npx tsx scripts/make-store-v1-fixture.ts`. The contents are
// deterministic (fixed clock, formula-made metrics); only SQLite's page layout may differ between runs.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { ExperimentSpec } from '../shared/schemas/experiment';
import { migrate } from '../src-main/store/migrations';

const FIXTURE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../test/fixtures/store-v1.sqlite');
const T0 = 1_700_000_000_000;

function spec(name: string, rules: string[]): string {
  return JSON.stringify(
    ExperimentSpec.parse({
      name,
      dataset: { name: 'fashion-mnist', trainSubset: 2000 },
      network: { hidden: [{ units: 128 }, { units: 64, activation: 'tanh' }] },
      rules: rules.map((rule) => ({ rule })),
      seeds: [1, 2],
      epochs: 5,
      batchSize: 64,
    }),
  );
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'bl-fixture-'));
const file = path.join(work, 'store-v1.sqlite');
const db = new Database(file);
try {
  // The first release opened its database like this one does, in WAL mode.
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  const { to } = migrate(db, 1);
  if (to !== 1) throw new Error(`expected schema v1, got v${to}`);

  db.transaction(() => {
    const session = db.prepare('INSERT INTO sessions (name, notes, created_at, updated_at) VALUES (?, ?, ?, ?)');
    session.run('Decorrelation study', 'λ sweep, see notebook p. 12', T0, T0 + 5000);
    session.run('Baselines', '', T0 + 100, T0 + 100);

    const experiment = db.prepare(
      'INSERT INTO experiments (session_id, name, schema_version, spec, created_at) VALUES (?, ?, 1, ?, ?)',
    );
    experiment.run(1, 'EBD vs DFA', spec('EBD vs DFA', ['ebd', 'dfa']), T0 + 1000);
    experiment.run(1, 'SBD depth sweep', spec('SBD depth sweep', ['sbd']), T0 + 2000);
    experiment.run(2, 'BP reference', spec('BP reference', ['bp']), T0 + 3000);

    const run = db.prepare(
      `INSERT INTO runs (experiment_id, rule, seed, status, backend, environment, started_at, ended_at, error, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const environment = JSON.stringify({ node: '20.20.0', backend: 'wasm', simd: true, threads: 1, gpu: null });
    run.run(1, 'ebd', 1, 'completed', 'wasm', environment, T0 + 10_000, T0 + 70_000, null, T0 + 9_000);
    run.run(
      1,
      'dfa',
      1,
      'diverged',
      'wasm',
      environment,
      T0 + 11_000,
      T0 + 20_000,
      'NaN in layer 2 at step 690',
      T0 + 9_001,
    );
    run.run(2, 'sbd', 2, 'stopped', 'cpu', '{}', T0 + 12_000, T0 + 13_000, null, T0 + 9_002);
    run.run(3, 'bp', 1, 'queued', null, '{}', null, null, null, T0 + 9_003);

    const series = db.prepare('INSERT INTO metric_series (id, run_id, name, split) VALUES (?, ?, ?, ?)');
    const point = db.prepare('INSERT INTO metric_points (series_id, step, epoch, value) VALUES (?, ?, ?, ?)');
    series.run(1, 1, 'loss', 'train');
    for (let step = 0; step < 3000; step++) {
      const spike = step % 997 === 500 ? 3 : 0;
      point.run(1, step, step / 600, 2 / Math.sqrt(1 + step / 50) + 0.05 * Math.sin(step * 0.7) + spike);
    }
    series.run(2, 1, 'accuracy', 'validation');
    for (let step = 0; step < 3000; step += 100) point.run(2, step, step / 600, 1 - Math.exp(-step / 800));
    series.run(3, 2, 'loss', 'train');
    for (let step = 0; step < 700; step++) if (step % 13 !== 0) point.run(3, step, step / 600, 1 + Math.cos(step / 9));

    const checkpoint = db.prepare(
      'INSERT INTO checkpoints (run_id, step, epoch, data, created_at) VALUES (?, ?, ?, ?, ?)',
    );
    checkpoint.run(1, 1500, 2.5, Buffer.from(new Float32Array([0.25, -1.5, 3, 42]).buffer), T0 + 40_000);
    checkpoint.run(1, 2999, 5, Buffer.from(new Float32Array([0.5, -1, 2.5, 41]).buffer), T0 + 70_000);

    const event = db.prepare(
      'INSERT INTO events (run_id, session_id, level, kind, message, created_at) VALUES (?, ?, ?, ?, ?, ?)',
    );
    event.run(null, null, 'info', 'app.start', 'Broadcast Lab 0.1.0 started', T0);
    event.run(2, 1, 'error', 'run.diverged', 'NaN in layer 2 at step 690', T0 + 20_000);
    event.run(null, 1, 'info', 'session.note', 'switched to the wasm backend', T0 + 21_000);
  })();
} finally {
  db.close();
}
fs.mkdirSync(path.dirname(FIXTURE), { recursive: true });
fs.copyFileSync(file, FIXTURE);
fs.rmSync(work, { recursive: true, force: true });
console.log(`wrote ${path.relative(process.cwd(), FIXTURE)} (${fs.statSync(FIXTURE).size} bytes, schema v1)`);
