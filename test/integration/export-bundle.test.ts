import fs from 'node:fs';
import path from 'node:path';
import yauzl from 'yauzl';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ExportRequest } from '../../shared/api/contract-export';
import { exportToFile, verifyBundle } from '../../src-main/export';
import type { Store } from '../../src-main/store/types';
import { APP, writeExperiment } from '../support/export-fixture';
import { parseSvg, textsIn } from '../support/svg-figure';
import { openTestStore, removeDir, tempDir } from './store-test-helpers';

let dir: string;
let store: Store;
beforeEach(() => {
  dir = tempDir('bl-export-zip-');
  store = openTestStore(path.join(dir, 'db.sqlite'));
});
afterEach(() => {
  store.close();
  removeDir(dir);
});

function findEntry(zip: yauzl.ZipFile, file: string, name: string): Promise<yauzl.Entry> {
  return new Promise<yauzl.Entry>((resolve, reject) => {
    zip.on('entry', (e: yauzl.Entry) => (e.fileName === name ? resolve(e) : zip.readEntry()));
    zip.once('end', () => reject(new Error(`${name} is not in ${file}`)));
    zip.readEntry();
  });
}

/** Where an entry's (compressed) bytes start in the zip, from its local header (APPNOTE 4.3.7). */
async function dataRange(file: string, name: string): Promise<{ start: number; length: number }> {
  const zip = await yauzl.openPromise(file, { lazyEntries: true });
  try {
    const entry = await findEntry(zip, file, name);
    const bytes = fs.readFileSync(file);
    const at = entry.relativeOffsetOfLocalHeader;
    return { start: at + 30 + bytes.readUInt16LE(at + 26) + bytes.readUInt16LE(at + 28), length: entry.compressedSize };
  } finally {
    zip.close();
  }
}

/** One entry's bytes, unzipped. */
async function entryBytes(file: string, name: string): Promise<Buffer> {
  const zip = await yauzl.openPromise(file, { lazyEntries: true });
  try {
    const entry = await findEntry(zip, file, name);
    const chunks: Buffer[] = [];
    for await (const chunk of await zip.openReadStreamPromise(entry)) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  } finally {
    zip.close();
  }
}

const entryText = async (file: string, name: string) => (await entryBytes(file, name)).toString('utf8');

describe('export bundle', () => {
  it('holds every part with a README and a manifest that verifies, and names a file with a changed byte', async () => {
    const { experiment } = writeExperiment(store);
    const file = path.join(dir, 'bundle.zip');
    await exportToFile(
      store,
      ExportRequest.parse({ selection: { kind: 'experiment', experimentId: experiment.id }, format: 'bundle' }),
      file,
      APP,
    );
    const check = await verifyBundle(file);
    expect(check.problems).toEqual([]);
    expect(check.unlisted).toEqual([]);
    expect(check.ok).toBe(true);
    const names = check.files.map((f) => f.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'data/tidy.csv',
        'data/aggregate.csv',
        'data/wide/train-loss.csv',
        'data/wide/test-accuracy.csv',
        'specs.json',
        'environment.json',
        'tables/results.tex',
        'tables/results.md',
        'tables/results.csv',
        'methods/methods.md',
        'methods/methods.tex',
        'methods/references.bib',
        'README.md',
      ]),
    );
    expect(check.files.every((f) => f.status === 'ok')).toBe(true);

    // The figures: test accuracy's learning curves and final/best points, each as SVG and PDF with spec and data.
    const figures = ['learning-curves-accuracy', 'final-best-accuracy'].flatMap((base) =>
      ['svg', 'pdf', 'vl.json', 'data.json'].map((ext) => `figures/${base}.${ext}`),
    );
    expect(names.filter((n) => n.startsWith('figures/')).sort()).toEqual([...figures].sort());
    const readme = await entryText(file, 'README.md');
    for (const name of figures) expect(readme).toContain(`| ${name} | `);
    expect(readme).not.toContain('Not included');
    const curves = parseSvg(await entryText(file, 'figures/learning-curves-accuracy.svg'));
    expect(textsIn(curves, 'role-axis-title')).toContain('Test accuracy');
    const finalBest = parseSvg(await entryText(file, 'figures/final-best-accuracy.svg'));
    expect(textsIn(finalBest, 'role-axis-title')).toContain('Final test accuracy');
    expect((await entryBytes(file, 'figures/final-best-accuracy.pdf')).subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const spec = JSON.parse(await entryText(file, 'figures/learning-curves-accuracy.vl.json')) as {
      data: { url: string };
    };
    expect(spec.data.url).toBe('learning-curves-accuracy.data.json');
    const rows = JSON.parse(await entryText(file, 'figures/learning-curves-accuracy.data.json')) as { layer: string }[];
    expect(rows.some((r) => r.layer === 'mean')).toBe(true);

    for (const target of ['methods/methods.md', 'data/tidy.csv']) {
      const copy = path.join(dir, `changed-${path.basename(target)}.zip`);
      const bytes = fs.readFileSync(file);
      const { start, length } = await dataRange(file, target);
      bytes[start + Math.floor(length / 2)]! ^= 0x01;
      fs.writeFileSync(copy, bytes);
      const changed = await verifyBundle(copy);
      expect(changed.ok).toBe(false);
      expect(changed.files.filter((f) => f.status !== 'ok').map((f) => f.name)).toEqual([target]);
    }
  });

  it('reports a file that is not a zip, and a bundle that is not there', async () => {
    const notZip = path.join(dir, 'notes.zip');
    fs.writeFileSync(notZip, 'not a zip at all');
    expect((await verifyBundle(notZip)).problems[0]).toMatch(/notes\.zip is not a readable zip/);
    await expect(verifyBundle(path.join(dir, 'missing.zip'))).rejects.toThrow(/No bundle at .*missing\.zip/);
  });
});
