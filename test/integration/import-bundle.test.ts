import fs from 'node:fs';
import path from 'node:path';
import yauzl from 'yauzl';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ExportRequest } from '../../shared/api/contract-export';
import { runCli } from '../../src-main/cli';
import { DATABASE_FILE } from '../../src-main/data-dir';
import { exportToFile } from '../../src-main/export';
import { openStore } from '../../src-main/store';
import type { Store } from '../../src-main/store/types';
import { APP, writeExperiment } from '../support/export-fixture';
import { openTestStore, removeDir, tempDir } from './store-test-helpers';

/** `broadcast-lab import BUNDLE.zip`: an export bundle's runs and points brought into a session database. */
let dir: string;
beforeEach(() => {
  dir = tempDir('bl-import-bundle-');
});
afterEach(() => removeDir(dir));

async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { io: { out: (l) => out.push(l), err: (l) => err.push(l) } });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** A finished 2-rule × 2-seed experiment in its own database, exported as a bundle; the source stays open. */
async function sourceBundle(): Promise<{ source: Store; bundle: string; experimentId: number }> {
  const source = openTestStore(path.join(dir, 'source.sqlite'));
  const { experiment, runs } = writeExperiment(source);
  source.runs.update(runs[0]!.id, { startedAt: 1_700_000_123_456, endedAt: 1_700_000_987_654 });
  source.runs.update(runs[1]!.id, { status: 'failed', error: 'the machine went away' });
  const bundle = path.join(dir, 'pilot.zip');
  await exportToFile(
    source,
    ExportRequest.parse({ selection: { kind: 'experiment', experimentId: experiment.id }, format: 'bundle' }),
    bundle,
    APP,
  );
  return { source, bundle, experimentId: experiment.id };
}

function withSession<T>(data: string, read: (store: Store) => T): T {
  const store = openStore({ path: path.join(data, DATABASE_FILE), readOnly: true });
  try {
    return read(store);
  } finally {
    store.close();
  }
}

/** Everything stored that an import could change: sessions, experiments, runs and every point of every run. */
function snapshot(store: Store) {
  return {
    sessions: store.sessions.list(),
    experiments: store.experiments.list(),
    runs: store.runs.list().map((run) => ({
      run,
      series: store.metrics.names(run.id).map((n) => store.metrics.series({ runId: run.id, ...n })),
    })),
  };
}

/** Where an entry's compressed bytes start in the zip, from its local header (APPNOTE 4.3.7). */
async function dataRange(file: string, name: string): Promise<{ start: number; length: number }> {
  const zip = await yauzl.openPromise(file, { lazyEntries: true });
  try {
    const entry = await new Promise<yauzl.Entry>((resolve, reject) => {
      zip.on('entry', (e: yauzl.Entry) => (e.fileName === name ? resolve(e) : zip.readEntry()));
      zip.once('end', () => reject(new Error(`${name} is not in ${file}`)));
      zip.readEntry();
    });
    const bytes = fs.readFileSync(file);
    const at = entry.relativeOffsetOfLocalHeader;
    return { start: at + 30 + bytes.readUInt16LE(at + 26) + bytes.readUInt16LE(at + 28), length: entry.compressedSize };
  } finally {
    zip.close();
  }
}

describe('broadcast-lab import of an export bundle', () => {
  it('adds its runs with every point equal to the originals, and nothing the second time', async () => {
    const { source, bundle, experimentId } = await sourceBundle();
    try {
      const data = path.join(dir, 'data');
      const first = await cli('import', bundle, '--data', data);
      expect(first.err).toBe('');
      expect(first.code).toBe(0);
      expect(first.out).toContain(`${bundle}: 4 runs added, 0 already here`);
      expect(first.out).toContain('4 runs added, 0 skipped');

      const originals = source.runs.list();
      withSession(data, (store) => {
        const runs = store.runs.list();
        expect(runs).toHaveLength(4);
        expect(store.sessions.list().map((s) => s.name)).toEqual(['Pilot, "first" run']);
        expect(store.experiments.list().map((e) => e.spec)).toEqual(source.experiments.list().map((e) => e.spec));
        for (const original of originals) {
          const copy = runs.find((r) => r.rule === original.rule && r.seed === original.seed)!;
          // The uid travels in environment.json: the bundle's runs are the originals' wherever they are imported.
          expect(original.uid).toBeDefined();
          expect(copy).toMatchObject({
            uid: original.uid,
            status: original.status,
            backend: original.backend,
            environment: original.environment,
            startedAt: original.startedAt,
            endedAt: original.endedAt,
            error: original.error,
          });
          const names = source.metrics.names(original.id);
          expect(store.metrics.names(copy.id)).toEqual(names);
          for (const { name, split } of names) {
            expect(store.metrics.series({ runId: copy.id, name, split }).points).toEqual(
              source.metrics.series({ runId: original.id, name, split }).points,
            );
          }
        }
      });

      const before = withSession(data, snapshot);
      const again = await cli('import', bundle, '--data', data);
      expect(again.code).toBe(0);
      expect(again.out).toContain('0 runs added, 4 skipped');
      // A folder holding the bundle is read the same way.
      const folder = path.join(dir, 'inbox');
      fs.mkdirSync(folder);
      fs.copyFileSync(bundle, path.join(folder, 'copy.zip'));
      expect((await cli('import', folder, '--data', data)).out).toContain('0 runs added, 4 skipped');
      // A second export of the same runs (written at another time, so other bytes) names the same runs.
      const second = path.join(dir, 'pilot-again.zip');
      await exportToFile(
        source,
        ExportRequest.parse({ selection: { kind: 'experiment', experimentId }, format: 'bundle' }),
        second,
        { ...APP, version: '0.0.1-test' },
      );
      expect(fs.readFileSync(second).equals(fs.readFileSync(bundle))).toBe(false);
      expect((await cli('import', second, '--data', data)).out).toContain('0 runs added, 4 skipped');
      expect(withSession(data, snapshot)).toEqual(before);
    } finally {
      source.close();
    }
  }, 60_000);

  it('refuses a bundle with a flipped byte, naming it and the changed file, and stores nothing', async () => {
    const { source, bundle } = await sourceBundle();
    source.close();
    const data = path.join(dir, 'data');
    expect((await cli('sessions', 'create', 'kept', '--data', data)).code).toBe(0);
    const before = withSession(data, snapshot);

    const damaged = path.join(dir, 'damaged.zip');
    const bytes = fs.readFileSync(bundle);
    const { start, length } = await dataRange(bundle, 'data/tidy.csv');
    bytes[start + Math.floor(length / 2)]! ^= 0x01;
    fs.writeFileSync(damaged, bytes);
    const result = await cli('import', damaged, '--data', data);
    expect(result.code).toBe(1);
    expect(result.err).toContain(damaged);
    expect(result.err).toContain('data/tidy.csv');
    expect(withSession(data, snapshot)).toEqual(before);

    // A good bundle beside the damaged one in a folder: the whole import is refused, nothing of either stored.
    const folder = path.join(dir, 'both');
    fs.mkdirSync(folder);
    fs.copyFileSync(bundle, path.join(folder, 'a-good.zip'));
    fs.copyFileSync(damaged, path.join(folder, 'b-damaged.zip'));
    const both = await cli('import', folder, '--data', data);
    expect(both.code).toBe(1);
    expect(both.err).toContain(path.join(folder, 'b-damaged.zip'));
    expect(withSession(data, snapshot)).toEqual(before);

    // A zip that is not a bundle is named as such.
    const other = path.join(dir, 'photos.zip');
    fs.writeFileSync(other, 'not a zip');
    const notBundle = await cli('import', other, '--data', data);
    expect(notBundle.code).toBe(1);
    expect(notBundle.err).toMatch(/photos\.zip is not a readable zip/);
    expect(withSession(data, snapshot)).toEqual(before);
  }, 60_000);
});
