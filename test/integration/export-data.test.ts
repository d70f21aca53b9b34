import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ExportRequest, type ExportRequestInput, type ExportSelection } from '../../shared/api/contract-export';
import { exportToFile, previewExport } from '../../src-main/export';
import type { Store } from '../../src-main/store/types';
import { APP, csvRecords, EPOCHS, writeExperiment } from '../support/export-fixture';
import { openTestStore, removeDir, tempDir } from './store-test-helpers';

let dir: string;
let store: Store;
beforeEach(() => {
  dir = tempDir('bl-export-');
  store = openTestStore(path.join(dir, 'db.sqlite'));
});
afterEach(() => {
  store.close();
  removeDir(dir);
});

async function exportText(request: ExportRequestInput, name = 'out.txt'): Promise<string> {
  const file = path.join(dir, name);
  await exportToFile(store, ExportRequest.parse(request), file, APP);
  return fs.readFileSync(file, 'utf8');
}

/** t(0.975, df) from a printed table (not from the code under test). */
const T975: Record<number, number> = { 1: 12.706204736174707, 2: 4.302652729749464 };

describe('data exports', () => {
  it('writes every stored point to the tidy CSV, value for value', async () => {
    const { experiment, runs, session } = writeExperiment(store);
    const rows = csvRecords(
      await exportText({ selection: { kind: 'experiment', experimentId: experiment.id }, format: 'tidy-csv' }),
    );
    let expected = 0;
    for (const run of runs) {
      for (const { name, split } of store.metrics.names(run.id)) {
        const stored = store.metrics.series({ runId: run.id, name, split }).points;
        const exported = rows.filter((r) => r.run_id === String(run.id) && r.metric === name && r.split === split);
        expect(exported.map((r) => [Number(r.step), Number(r.epoch), Number(r.value)])).toEqual(
          stored.map((p) => [p.step, p.epoch, p.value]),
        );
        expected += stored.length;
      }
    }
    expect(rows).toHaveLength(expected);
    expect(rows[0]).toMatchObject({
      experiment: 'EBD vs DFA',
      session: session.name,
      rule: 'ebd',
      arm_label: 'EBD',
      seed: '1',
      wall_time: '',
    });
  });

  it('reports progress in rows up to the number of stored points', async () => {
    const { experiment, runs } = writeExperiment(store);
    const seen: [number, number, string][] = [];
    const request = ExportRequest.parse({
      selection: { kind: 'experiment', experimentId: experiment.id },
      format: 'tidy-csv',
    });
    await exportToFile(store, request, path.join(dir, 'p.csv'), APP, (done, total, phase) =>
      seen.push([done, total, phase]),
    );
    const points = runs.flatMap((r) => store.metrics.names(r.id)).reduce((sum, n) => sum + n.count, 0);
    expect(seen.at(-1)).toEqual([points, points, 'tidy.csv']);
    expect(seen.every(([done], i) => i === 0 || done > seen[i - 1]![0])).toBe(true);
  });

  it('narrows to the metrics and split asked for, and names the metrics there are for an unknown one', async () => {
    const { runs } = writeExperiment(store);
    const rows = csvRecords(
      await exportText({
        selection: { kind: 'runs', runIds: [runs[0]!.id] },
        format: 'tidy-csv',
        options: { metrics: ['accuracy'], split: 'test' },
      }),
    );
    expect(rows).toHaveLength(EPOCHS);
    expect(new Set(rows.map((r) => `${r.split}/${r.metric}`))).toEqual(new Set(['test/accuracy']));
    await expect(
      exportText({
        selection: { kind: 'run', runId: runs[0]!.id },
        format: 'tidy-csv',
        options: { metrics: ['acuracy'] },
      }),
    ).rejects.toThrow(/no selected run has a metric "acuracy".*test\/accuracy/i);
  });

  it('aggregates per group and epoch as an independent computation does', async () => {
    const { experiment, runs } = writeExperiment(store);
    const rows = csvRecords(
      await exportText({
        selection: { kind: 'experiment', experimentId: experiment.id },
        format: 'aggregate-csv',
        options: { split: 'validation' },
      }),
    );
    for (const rule of ['ebd', 'dfa']) {
      const members = runs.filter((r) => r.rule === rule);
      for (let epoch = 1; epoch <= EPOCHS; epoch++) {
        const values = members.map(
          (r) =>
            store.metrics
              .series({ runId: r.id, name: 'accuracy', split: 'validation' })
              .points.find((p) => p.epoch === epoch)!.value,
        );
        const n = values.length;
        const mean = values.reduce((a, b) => a + b, 0) / n;
        const std = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1));
        const row = rows.find((r) => r.rule === rule && r.metric === 'accuracy' && r.epoch === String(epoch))!;
        expect(Number(row.n)).toBe(2);
        expect(Number(row.mean)).toBeCloseTo(mean, 14);
        expect(Number(row.std)).toBeCloseTo(std, 14);
        expect(Number(row.sem)).toBeCloseTo(std / Math.sqrt(n), 14);
        expect(Number(row.ci95)).toBeCloseTo((T975[n - 1]! * std) / Math.sqrt(n), 10);
        expect(row.run_ids).toBe(members.map((r) => r.id).join(' '));
      }
    }
  });

  it('writes a wide CSV of one metric with a column per run, and refuses one without a single metric', async () => {
    const { experiment, runs } = writeExperiment(store);
    const selection = { kind: 'experiment', experimentId: experiment.id } as const;
    const rows = csvRecords(
      await exportText({ selection, format: 'wide-csv', options: { metrics: ['loss'], split: 'train' } }),
    );
    expect(rows).toHaveLength(EPOCHS * 50);
    for (const run of runs) {
      const column = Object.keys(rows[0]!).find((k) => k.startsWith(`run ${run.id} `))!;
      const stored = store.metrics.series({ runId: run.id, name: 'loss', split: 'train' }).points;
      expect(rows.map((r) => Number(r[column]))).toEqual(stored.map((p) => p.value));
    }
    await expect(exportText({ selection, format: 'wide-csv' })).rejects.toThrow(/one metric of one split.*train\/loss/);
  });

  it("writes each run's resolved spec and an environment manifest that marks a running run partial", async () => {
    const { experiment, runs } = writeExperiment(store);
    store.runs.update(runs[3]!.id, { status: 'running' });
    const selection = { kind: 'session', sessionId: experiment.sessionId } as const;
    const specs = JSON.parse(await exportText({ selection, format: 'specs-json' })) as {
      runs: { runId: number; seed: number; spec: { rules: { rule: string }[]; seeds: number[]; epochs: number } }[];
    };
    expect(specs.runs.map((r) => [r.runId, r.spec.rules[0]!.rule, r.spec.seeds])).toEqual(
      runs.map((r) => [r.id, r.rule, [r.seed]]),
    );
    expect(specs.runs[0]!.spec.epochs).toBe(experiment.spec.epochs);
    const env = JSON.parse(await exportText({ selection, format: 'environment-json' })) as {
      app: { version: string };
      partial: boolean;
      runs: { runId: number; partial: boolean; seed: number; datasetHash: string; threads: number }[];
    };
    expect(env.app.version).toBe(APP.version);
    expect(env.partial).toBe(true);
    expect(env.runs.map((r) => r.partial)).toEqual([false, false, false, true]);
    expect(env.runs[0]).toMatchObject({ datasetHash: 'sha256:0123abcd', threads: 2, seed: 1 });
    const preview = await previewExport(store, ExportRequest.parse({ selection, format: 'tidy-csv' }), APP, 300);
    expect(preview).toMatchObject({ truncated: true, partialRuns: [runs[3]!.id], mediaType: 'text/csv' });
    expect(preview.text).toHaveLength(300);
  });

  it("exports Compare's groups under the labels Compare gave them", async () => {
    const { runs } = writeExperiment(store);
    const [ebd1, dfa1, ebd2, dfa2] = runs;
    const selection: ExportSelection = {
      kind: 'groups',
      groups: [
        { label: 'EBD, both seeds', runIds: [ebd1!.id, ebd2!.id] },
        { label: 'DFA, seed 2 only', runIds: [dfa2!.id] },
      ],
    };
    const rows = csvRecords(await exportText({ selection, format: 'aggregate-csv', options: { split: 'test' } }));
    expect(new Set(rows.map((r) => `${r.group}|${r.n}`))).toEqual(new Set(['EBD, both seeds|2', 'DFA, seed 2 only|1']));
    expect(rows.some((r) => r.run_ids!.split(' ').includes(String(dfa1!.id)))).toBe(false);
    const table = await exportText({ selection, format: 'table-markdown' });
    expect(table).toMatch(/^\| EBD, both seeds \| .* ± /m);
    // One seed has no spread: the error is shown as missing, never as 0; N differs, so each cell states it.
    expect(table).toMatch(/^\| DFA, seed 2 only \| \d\.\d{4} ± — \(N = 1\) \| \d\.\d{4} ± — \(N = 1\) \|$/m);
    expect(table).toContain('N = 1–2 seeds (given per cell)');
  });

  it('names a run, experiment or session that does not exist', async () => {
    await expect(exportText({ selection: { kind: 'run', runId: 99 }, format: 'tidy-csv' })).rejects.toThrow(
      'No run with id 99.',
    );
    await expect(exportText({ selection: { kind: 'experiment', experimentId: 5 }, format: 'bibtex' })).rejects.toThrow(
      'No experiment with id 5.',
    );
  });
});

describe('writing export files', () => {
  it('leaves no file, and an older file untouched, when an export fails part way', async () => {
    const { experiment } = writeExperiment(store);
    const target = path.join(dir, 'out', 'wide.csv');
    fs.mkdirSync(path.dirname(target));
    fs.writeFileSync(target, 'the previous export\n');
    // The header is written before the metric check fails: the temporary file must go, the old file stay.
    await expect(
      exportToFile(
        store,
        ExportRequest.parse({ selection: { kind: 'experiment', experimentId: experiment.id }, format: 'wide-csv' }),
        target,
        APP,
      ),
    ).rejects.toThrow(/one metric/);
    expect(fs.readdirSync(path.dirname(target))).toEqual(['wide.csv']);
    expect(fs.readFileSync(target, 'utf8')).toBe('the previous export\n');
  });

  it('names the path when the folder is missing, is a file, or the target is a folder', async () => {
    const { runs } = writeExperiment(store);
    const request = ExportRequest.parse({ selection: { kind: 'run', runId: runs[0]!.id }, format: 'tidy-csv' });
    const missing = path.join(dir, 'no-such-folder', 'x.csv');
    await expect(exportToFile(store, request, missing, APP)).rejects.toThrow(
      `Cannot write ${missing}: the folder does not exist.`,
    );
    const file = path.join(dir, 'a-file');
    fs.writeFileSync(file, '');
    await expect(exportToFile(store, request, path.join(file, 'x.csv'), APP)).rejects.toThrow(
      `Cannot write ${path.join(file, 'x.csv')}: a part of the path is a file, not a folder.`,
    );
    await expect(exportToFile(store, request, dir, APP)).rejects.toThrow(`Cannot write ${dir}: it is a folder`);
  });
});
