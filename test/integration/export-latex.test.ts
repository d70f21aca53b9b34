import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ExportRequest, type ExportRequestInput } from '../../shared/api/contract-export';
import { exportToFile } from '../../src-main/export';
import type { Store } from '../../src-main/store/types';
import { APP, csvRecords, writeExperiment } from '../support/export-fixture';
import { openTestStore, removeDir, tempDir } from './store-test-helpers';

const has = (tool: string, args: string[]) => spawnSync(tool, args, { stdio: 'ignore' }).status === 0;
const LATEX = has('pdflatex', ['--version']) && has('bibtex', ['--version']) && has('pdftotext', ['-v']);
const SIUNITX = LATEX && spawnSync('kpsewhich', ['siunitx.sty'], { encoding: 'utf8' }).stdout.trim() !== '';

let dir: string;
let store: Store;
beforeEach(() => {
  dir = tempDir('bl-export-tex-');
  store = openTestStore(path.join(dir, 'db.sqlite'));
});
afterEach(() => {
  store.close();
  removeDir(dir);
});

async function write(request: ExportRequestInput, name: string): Promise<string> {
  const file = path.join(dir, name);
  await exportToFile(store, ExportRequest.parse(request), file, APP);
  return fs.readFileSync(file, 'utf8');
}

/** Compiles main.tex as a paper would (pdflatex, bibtex, pdflatex ×2) and returns the PDF's text. */
function compile(preamble: string, body: string): string {
  fs.writeFileSync(
    path.join(dir, 'main.tex'),
    `\\documentclass{article}\n\\usepackage[T1]{fontenc}\n${preamble}\n\\begin{document}\n${body}\n\\end{document}\n`,
  );
  const latex = () =>
    execFileSync('pdflatex', ['-interaction=nonstopmode', '-halt-on-error', 'main.tex'], { cwd: dir, stdio: 'pipe' });
  try {
    latex();
    if (body.includes('\\bibliography')) execFileSync('bibtex', ['main'], { cwd: dir, stdio: 'pipe' });
    latex();
    latex();
  } catch (error) {
    const log = fs.existsSync(path.join(dir, 'main.log')) ? fs.readFileSync(path.join(dir, 'main.log'), 'utf8') : '';
    throw new Error(`LaTeX failed: ${String(error)}\n${log.slice(-3000)}`, { cause: error });
  }
  return execFileSync('pdftotext', ['-layout', 'main.pdf', '-'], { cwd: dir, encoding: 'utf8' });
}

/** Final test values per rule, read straight from the store. */
function finals(runs: ReturnType<typeof writeExperiment>['runs'], rule: string, name: string) {
  const values = runs
    .filter((r) => r.rule === rule)
    .map((r) => store.metrics.series({ runId: r.id, name, split: 'test' }).points.at(-1)!.value);
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const std = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (values.length - 1));
  return { mean, std, n: values.length };
}

describe.skipIf(!LATEX)('LaTeX table and methods text (pdflatex)', () => {
  it('compile in a minimal document whose text holds the stored numbers, N and the error measure', async () => {
    const { experiment, runs } = writeExperiment(store);
    const selection = { kind: 'experiment', experimentId: experiment.id } as const;
    await write({ selection, format: 'table-latex', options: { table: { boldBest: true } } }, 'table.tex');
    await write({ selection, format: 'methods-latex' }, 'methods.tex');
    await write({ selection, format: 'bibtex' }, 'references.bib');
    const text = compile(
      '\\usepackage{booktabs}',
      '\\input{table}\n\\input{methods}\n\\bibliographystyle{plain}\n\\bibliography{references}',
    );
    for (const rule of ['ebd', 'dfa']) {
      for (const metric of ['accuracy', 'loss']) {
        const { mean, std } = finals(runs, rule, metric);
        expect(text).toContain(mean.toFixed(4));
        expect(text).toContain(std.toFixed(4));
      }
    }
    expect(text).toMatch(/N = 2 seeds/);
    expect(text).toContain('sample standard deviation over seeds');
    expect(text).toContain('Error broadcast and decorrelation (EBD)');
    expect(text).toMatch(/seeds\s+1,\s+2\s+\(2\s+runs\)/);
    expect(text).toMatch(/forgetting\s+factor\s+λ\s+=\s+0\.99;/);
    expect(text).toContain('sha256:0123abcd');
    // bibtex resolved both citations: the reference list names the papers, and no citation is left as [?].
    expect(text).toMatch(/Direct\s+feedback\s+alignment\s+provides\s+learning/);
    expect(text).toMatch(/Error\s+broadcast\s+and\s+decorrelation\s+as\s+a\s+potential/);
    expect(text).not.toContain('[?]');
  });

  it.skipIf(!SIUNITX)('aligns with siunitx when asked (texlive-science)', async () => {
    const { experiment, runs } = writeExperiment(store);
    await write(
      {
        selection: { kind: 'experiment', experimentId: experiment.id },
        format: 'table-latex',
        options: { error: 'sem', table: { siunitx: true } },
      },
      'table.tex',
    );
    const text = compile('\\usepackage{booktabs}\n\\usepackage{siunitx}', '\\input{table}');
    expect(text).toContain(finals(runs, 'ebd', 'accuracy').mean.toFixed(4));
  });
});

describe('Markdown and CSV tables', () => {
  it('hold the same numbers as the LaTeX table, with the error measure asked for', async () => {
    const { experiment, runs } = writeExperiment(store);
    const selection = { kind: 'experiment', experimentId: experiment.id } as const;
    const markdown = await write(
      { selection, format: 'table-markdown', options: { error: 'sem', table: { boldBest: true } } },
      't.md',
    );
    const csv = csvRecords(await write({ selection, format: 'table-csv', options: { error: 'sem' } }, 't.csv'));
    const ebd = finals(runs, 'ebd', 'accuracy');
    const dfa = finals(runs, 'dfa', 'accuracy');
    const sem = (s: { std: number; n: number }) => s.std / Math.sqrt(s.n);
    expect(markdown).toContain(`${ebd.mean.toFixed(4)} ± ${sem(ebd).toFixed(4)}`);
    // Bold marks the higher mean accuracy only.
    const [best, other] = ebd.mean > dfa.mean ? [ebd, dfa] : [dfa, ebd];
    expect(markdown).toContain(`**${best.mean.toFixed(4)} ± ${sem(best).toFixed(4)}**`);
    expect(markdown).not.toContain(`**${other.mean.toFixed(4)}`);
    expect(markdown).toContain('standard error of the mean over seeds, N = 2 seeds');
    const row = csv.find((r) => r.Rule === 'EBD')!;
    expect(Number(row['Test accuracy mean'])).toBeCloseTo(ebd.mean, 14);
    expect(Number(row['Test accuracy sem'])).toBeCloseTo(sem(ebd), 14);
    expect(row['Test accuracy N']).toBe('2');
  });

  it('lays rules against datasets when asked, and refuses a cell two groups would share', async () => {
    const fashion = writeExperiment(store);
    const mnist = writeExperiment(store, { dataset: 'mnist', seed: 11 });
    const runIds = [...fashion.runs, ...mnist.runs].map((r) => r.id);
    const options: ExportRequestInput['options'] = { metrics: ['accuracy'], table: { layout: 'rules-datasets' } };
    const csv = csvRecords(await write({ selection: { kind: 'runs', runIds }, format: 'table-csv', options }, 'd.csv'));
    expect(csv.map((r) => r.Rule)).toEqual(['EBD', 'DFA']);
    const dfaOnMnist = mnist.runs
      .filter((r) => r.rule === 'dfa')
      .map((r) => store.metrics.series({ runId: r.id, name: 'accuracy', split: 'test' }).points.at(-1)!.value);
    expect(Number(csv[1]!['mnist mean'])).toBeCloseTo((dfaOnMnist[0]! + dfaOnMnist[1]!) / 2, 14);
    expect(Object.keys(csv[0]!)).toEqual(expect.arrayContaining(['fashion-mnist mean', 'mnist mean']));
    // Two EBD groups on one dataset (different batch sizes) cannot share a cell.
    const other = store.experiments.create(fashion.session.id, { ...fashion.experiment.spec, batchSize: 64 });
    const extra = store.runs.create({
      experimentId: other.id,
      rule: 'ebd',
      seed: 1,
      environment: { arm: 0, label: 'EBD' },
    });
    await expect(
      write({ selection: { kind: 'runs', runIds: [...runIds, extra.id] }, format: 'table-csv', options }, 'e.csv'),
    ).rejects.toThrow(/Two groups are "EBD" on fashion-mnist/);
  });
});
