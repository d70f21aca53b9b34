import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../src-main/cli';
import { DATABASE_FILE } from '../../src-main/data-dir';
import { openStore } from '../../src-main/store';
import { testTrainingLauncher } from '../support/training-launcher';
import { csvRecords, writeExperiment } from '../support/export-fixture';

let dir: string;
let out: string;
let runId: number;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bl-cli-export-'));
  out = path.join(dir, 'exports');
  fs.mkdirSync(out);
  const store = openStore({ path: path.join(dir, DATABASE_FILE) });
  runId = writeExperiment(store).runs[0]!.id;
  store.close();
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

async function cli(...argv: string[]) {
  const lines = { out: [] as string[], err: [] as string[] };
  const code = await runCli([...argv, '--data', dir], {
    io: { out: (l) => lines.out.push(l), err: (l) => lines.err.push(l) },
    launch: testTrainingLauncher,
  });
  return { code, out: lines.out.join('\n'), err: lines.err.join('\n') };
}

describe('broadcast-lab export and verify', () => {
  it('writes the format --out names, and a bundle that verify passes and fails when a byte changes', async () => {
    const csv = path.join(out, 'run.csv');
    const tidy = await cli('export', 'run', String(runId), '--out', csv, '--metric', 'accuracy', '--split', 'test');
    expect([tidy.code, tidy.out]).toEqual([0, csv]);
    expect(csvRecords(fs.readFileSync(csv, 'utf8')).map((r) => r.metric)).toEqual(['accuracy', 'accuracy', 'accuracy']);

    const zip = path.join(out, 'experiment.zip');
    expect((await cli('export', 'experiment', '1', '--out', zip, '--error', 'ci95')).code).toBe(0);
    const verified = await cli('verify', zip);
    expect(verified.code).toBe(0);
    expect(verified.out).toMatch(/all \d+ files match the manifest/);

    const bytes = fs.readFileSync(zip);
    // The manifest and README are at the end; the first entry (data/tidy.csv) starts at byte 0.
    bytes[200]! ^= 0xff;
    fs.writeFileSync(zip, bytes);
    const failed = await cli('verify', zip);
    expect(failed.code).toBe(1);
    expect(failed.err).toMatch(/^data\/tidy\.csv: (changed|unreadable)/m);
  });

  it('says clearly what is wrong with an unknown run, an unknown metric, an unwritable --out or bad options', async () => {
    const unknownRun = await cli('export', 'run', '99', '--out', path.join(out, 'x.csv'));
    expect([unknownRun.code, unknownRun.err]).toEqual([1, 'broadcast-lab: No run with id 99.']);

    const unknownMetric = await cli(
      'export',
      'run',
      String(runId),
      '--out',
      path.join(out, 'x.csv'),
      '--metric',
      'acc',
    );
    expect(unknownMetric.code).toBe(1);
    expect(unknownMetric.err).toMatch(/No selected run has a metric "acc".*test\/accuracy/);

    const nowhere = path.join(dir, 'no-such-folder', 'x.csv');
    const unwritable = await cli('export', 'run', String(runId), '--out', nowhere);
    expect([unwritable.code, unwritable.err]).toEqual([
      1,
      `broadcast-lab: Cannot write ${nowhere}: the folder does not exist.`,
    ]);
    expect(fs.readdirSync(out)).toEqual([]);

    expect((await cli('export', 'run', 'seven', '--out', path.join(out, 'x.csv'))).err).toContain(
      'needs a numeric id, got "seven"',
    );
    expect((await cli('export', 'run', '1', '--out', path.join(out, 'x.txt'))).err).toContain('--format is needed');
    const badError = await cli('export', 'run', '1', '--out', path.join(out, 'x.csv'), '--error', 'sd');
    expect([badError.code, badError.err.split('\n')[0]]).toEqual([
      2,
      'broadcast-lab: --error must be one of std, sem, ci95, got "sd"',
    ]);
    expect((await cli('export', 'run', '1')).err).toContain('export needs --out FILE');
  });
});
