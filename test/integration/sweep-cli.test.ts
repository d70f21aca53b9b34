import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../src-main/cli';
import { SweepPlan } from '../../src-main/cluster/plan';
import { DATABASE_FILE } from '../../src-main/data-dir';
import { openStore } from '../../src-main/store';
import { runCliProcess } from '../support/host-process';
import { removeDir, tempDir } from './store-test-helpers';

/** The sweep, slurm and import commands' answers to good and bad input (training itself: sweep-slurm.test.ts). */
let dir: string;
beforeEach(() => {
  dir = tempDir('bl-sweep-cli-');
});
afterEach(() => removeDir(dir));

async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { io: { out: (l) => out.push(l), err: (l) => err.push(l) } });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const experiment = {
  name: 'cli sweep',
  dataset: { name: 'gaussian-mixture', trainSubset: 300 },
  network: { hidden: [{ units: 8 }] },
  rules: [{ rule: 'bp' }, { rule: 'dfa' }],
  seeds: [1],
  epochs: 1,
  batchSize: 16,
};

function sweepFile(sweep: unknown): string {
  const file = path.join(dir, 'sweep.json');
  fs.writeFileSync(file, JSON.stringify(sweep));
  return file;
}

describe('broadcast-lab sweep', () => {
  it('--dry-run lists the points and counts the runs, training nothing', async () => {
    const file = sweepFile({
      experiment,
      axes: [{ field: 'optimizer.learningRate', log: { from: 0.001, to: 0.1, count: 3 } }],
    });
    const result = await cli('sweep', file, '--dry-run', '--data', dir);
    expect(result.code, result.err).toBe(0);
    expect(result.out).toMatch(/learningRate=0\.001\s+2\n.*learningRate=0\.01\s+2\n.*learningRate=0\.1\s+2/);
    expect(result.out).toMatch(/6 runs: 3 points × 2 arms × 1 seeds/);
    expect(fs.existsSync(path.join(dir, DATABASE_FILE))).toBe(false);
  });

  it('refuses a bad sweep naming the file and the field, and bad options with the usage', async () => {
    const file = sweepFile({ experiment, axes: [{ field: 'rules.0.params.lambda', values: [2] }] });
    const bad = await cli('sweep', file, '--dry-run');
    expect(bad.code).toBe(1);
    expect(bad.err).toContain(file);
    expect(bad.err).toMatch(/rules\.0\.params\.lambda/);
    const range = await cli(
      'sweep',
      sweepFile({ experiment, axes: [{ field: 'optimizer.learningRate', log: { from: 0, to: 1, count: 2 } }] }),
      '--dry-run',
    );
    expect(range.err).toMatch(/axes\.0\.log: a log range needs from and to above 0/);
    const slots = await cli('sweep', file, '--slots', '0');
    expect(slots.code).toBe(2);
    expect(slots.err).toMatch(/--slots must be a whole number from 1 to 64, got "0"/);
    expect((await cli('sweep')).err).toMatch(/sweep needs a file/);
    const good = sweepFile({ experiment });
    const partition = await cli('sweep', good, '--slurm', '--partition', 'a b', '--results', path.join(dir, 'r'));
    expect(partition.code).toBe(2);
    expect(partition.err).toMatch(/--partition has characters sbatch does not take: "a b"/);
    expect(fs.existsSync(path.join(dir, 'r'))).toBe(false);
  });

  it('--slurm --dry-run writes a readable job array script and the plan, and submits nothing', async () => {
    const file = sweepFile({
      experiment,
      axes: [{ field: 'optimizer.kind', values: ['sgd', 'adam'] }],
      replicates: [3],
    });
    const results = path.join(dir, 'results');
    const result = await runCliProcess([
      'sweep',
      file,
      '--slurm',
      '--dry-run',
      '--results',
      results,
      '--data',
      dir,
      '--partition',
      'gpu',
      '--time',
      '0:30:00',
      '--cpus-per-task',
      '2',
      '--gpus',
      '1',
      '--array-limit',
      '2',
    ]);
    expect(result.code, result.stderr).toBe(0);
    const script = fs.readFileSync(path.join(results, 'sweep.sbatch'), 'utf8');
    expect(result.stdout.trim()).toBe(script.trim());
    for (const line of [
      '#SBATCH --array=0-3%2',
      '#SBATCH --partition=gpu',
      '#SBATCH --time=0:30:00',
      '#SBATCH --cpus-per-task=2',
      '#SBATCH --gpus-per-task=1',
      `#SBATCH --output=${results}/logs/task-%a.out`,
    ]) {
      expect(script).toContain(`${line}\n`);
    }
    expect(script).toMatch(/exec .*cli\.ts task .*plan\.json --threads 2 --index "\$SLURM_ARRAY_TASK_ID"/);
    const plan = SweepPlan.parse(JSON.parse(fs.readFileSync(path.join(results, 'plan.json'), 'utf8')));
    expect(plan.tasks.map((t) => [t.point, t.arm, t.seed])).toEqual([
      [0, 0, 3],
      [0, 1, 3],
      [1, 0, 3],
      [1, 1, 3],
    ]);
    expect(new Set(plan.tasks.map((t) => t.uid)).size).toBe(4);
    expect(plan.points.map((p) => p.spec.optimizer.kind)).toEqual(['sgd', 'adam']);
    expect(fs.existsSync(path.join(results, 'jobs.json'))).toBe(false);
    // Following a folder nothing was submitted from says so instead of waiting for ever.
    const follow = await cli('slurm', results, '--data', dir);
    expect(follow.code).toBe(1);
    expect(follow.err).toMatch(/has been submitted yet: broadcast-lab slurm .* --submit/);
    // A results folder is used once.
    const again = await cli('sweep', file, '--slurm', '--dry-run', '--results', results);
    expect(again.err).toMatch(/already holds a sweep/);
  }, 60_000);
});

describe('broadcast-lab import', () => {
  it('refuses a damaged file naming it, leaving the session database as it was', async () => {
    const data = path.join(dir, 'data');
    expect((await cli('sessions', 'create', 'kept', '--data', data)).code).toBe(0);
    const garbage = path.join(dir, 'broken.sqlite');
    fs.writeFileSync(garbage, 'SQLite format 3\0 but nothing after the header that a database needs');
    const result = await cli('import', garbage, '--data', data);
    expect(result.code).toBe(1);
    expect(result.err).toContain(garbage);
    const store = openStore({ path: path.join(data, DATABASE_FILE), readOnly: true });
    try {
      expect(store.sessions.list().map((s) => s.name)).toEqual(['kept']);
      expect(store.runs.list()).toEqual([]);
    } finally {
      store.close();
    }
    const empty = await cli('import', dir, '--data', data);
    expect(empty.err).toMatch(/broken\.sqlite/);
    const nothing = fs.mkdtempSync(path.join(dir, 'empty-'));
    expect((await cli('import', nothing, '--data', data)).err).toMatch(/holds no Broadcast Lab database/);
  });
});
