import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ExperimentSpec } from '../../shared/schemas/experiment';
import { openStore } from '../../src-main/store';
import type { SeriesPoint } from '../../shared/schemas/records';
import { planDownsample } from '../../src-main/store/downsample';
import type { Store, StoreOptions } from '../../src-main/store/types';

/** Helpers shared by the store-*.test.ts suites: temporary folders, file fingerprints, a sample spec. */

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export function tempDir(prefix = 'bl-store-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function removeDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

export function sha256(file: string): string {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/** A clock that advances one millisecond per reading, so that stamps are distinct and predictable. */
export function fakeClock(start = 1_700_000_000_000): () => number {
  let t = start;
  return () => t++;
}

export function openTestStore(file: string, options: Partial<StoreOptions> = {}): Store {
  return openStore({ path: file, now: fakeClock(), busyTimeoutMs: 200, ...options });
}

/** A complete spec, resolved through the schema so that defaults added to it later keep this valid. */
export function sampleSpec(name = 'EBD vs DFA'): ExperimentSpec {
  return ExperimentSpec.parse({
    name,
    description: 'decorrelation sweep',
    dataset: { name: 'fashion-mnist', trainSubset: 1000 },
    network: { hidden: [{ units: 64, activation: 'relu' }] },
    rules: [{ rule: 'ebd' }, { rule: 'dfa' }],
    seeds: [1, 2],
    epochs: 3,
    batchSize: 32,
  });
}

/** A deterministic PRNG (mulberry32) so that failures reproduce. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A session, an experiment and a run: the minimum a metric or checkpoint needs to hang on. */
export function seedRun(store: Store, status: Parameters<Store['runs']['create']>[0]['status'] = 'running') {
  const session = store.sessions.create({ name: 'session' });
  const experiment = store.experiments.create(session.id, sampleSpec());
  const run = store.runs.create({ experimentId: experiment.id, rule: 'ebd', seed: 1, status });
  return { session, experiment, run };
}

/**
 * What down-sampling must return, computed the slow way from every point: the points of the range cut
 * into the buckets the plan names, each bucket reduced to its min and max (earliest on ties), in step order.
 */
export function expectedDownsample(
  points: readonly SeriesPoint[],
  lo: number,
  hi: number,
  maxPoints: number,
): SeriesPoint[] {
  const plan = planDownsample(lo, hi, Math.floor(maxPoints / 2));
  const bucketOf = (step: number): number => {
    switch (plan.kind) {
      case 'single':
        return 0;
      case 'points':
        return Math.floor(step / plan.width);
      case 'summary':
        return Math.floor(Math.floor(step / 2 ** plan.shift) / plan.blocksPerBucket);
    }
  };
  const buckets = new Map<number, SeriesPoint[]>();
  for (const p of points) {
    if (p.step < lo || p.step > hi) continue;
    const key = bucketOf(p.step);
    const bucket = buckets.get(key) ?? [];
    bucket.push(p);
    buckets.set(key, bucket);
  }
  const out: SeriesPoint[] = [];
  for (const key of [...buckets.keys()].sort((a, b) => a - b)) {
    const bucket = buckets.get(key)!;
    let min = bucket[0]!;
    let max = bucket[0]!;
    for (const p of bucket) {
      if (p.value < min.value) min = p;
      if (p.value > max.value) max = p;
    }
    out.push(...(min === max ? [min] : min.step < max.step ? [min, max] : [max, min]));
  }
  return out;
}
