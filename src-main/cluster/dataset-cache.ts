import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { SweepPlan } from './plan';

/**
 * The shared dataset cache of cluster sweeps: a folder on the shared filesystem holding each dataset's files under
 * `<cache>/<content hash>/`. The submitting machine copies the datasets of a sweep there and records each hash in
 * the plan; an array task links `<its data folder>/datasets/<name>` to the cached copy (the first place a built-in
 * dataset is looked for), then checks that the files it will train on hash to what the plan recorded, and refuses
 * otherwise: a node with another copy of "mnist" must not train on it under the submitter's name.
 */

/** SHA-256 over every file below a dataset's location (path relative to it, size, SHA-256 of its bytes), sorted. */
export async function hashDatasetFiles(location: string): Promise<{ hash: string; files: number }> {
  const root = fs.statSync(location).isDirectory() ? location : path.dirname(location);
  const files = fs.statSync(location).isDirectory() ? filesBelow(location) : [location];
  const hash = createHash('sha256').update('broadcast-lab/dataset-files/v1\n');
  for (const file of files) {
    const digest = createHash('sha256');
    let size = 0;
    for await (const chunk of fs.createReadStream(file) as AsyncIterable<Buffer>) {
      digest.update(chunk);
      size += chunk.length;
    }
    hash.update(`${path.relative(root, file).split(path.sep).join('/')}\u0000${size}\u0000${digest.digest('hex')}\n`);
  }
  return { hash: hash.digest('hex'), files: files.length };
}

/** Regular files below a folder (links followed), in a fixed order. */
function filesBelow(dir: string): string[] {
  const out: string[] = [];
  for (const name of fs.readdirSync(dir).sort()) {
    const full = path.join(dir, name);
    const stat = fs.statSync(full);
    if (stat.isDirectory()) out.push(...filesBelow(full));
    else if (stat.isFile()) out.push(full);
  }
  return out;
}

export function cachedFolder(cache: string, hash: string): string {
  return path.join(cache, hash);
}

/**
 * Puts a dataset's files into the cache under their hash, unless a copy is already there (a cache shared by
 * sweeps copies each dataset once). Copied beside and renamed into place, so a task never sees half a copy.
 */
export async function cacheDataset(cache: string, location: string): Promise<{ hash: string; folder: string }> {
  const { hash } = await hashDatasetFiles(location);
  const folder = cachedFolder(cache, hash);
  if (!fs.existsSync(folder)) {
    fs.mkdirSync(cache, { recursive: true });
    const partial = `${folder}.partial-${process.pid}`;
    fs.rmSync(partial, { recursive: true, force: true });
    if (fs.statSync(location).isDirectory()) {
      fs.cpSync(location, partial, { recursive: true, dereference: true });
    } else {
      fs.mkdirSync(partial);
      fs.copyFileSync(location, path.join(partial, path.basename(location)));
    }
    try {
      fs.renameSync(partial, folder);
    } catch (error) {
      // Another submission cached the same content first: theirs is as good.
      fs.rmSync(partial, { recursive: true, force: true });
      if (!fs.existsSync(folder)) throw error;
    }
  }
  return { hash, folder };
}

/**
 * Links `<dataDir>/datasets/<name>` to the cached copy when the cache has it and the task's data folder has no
 * dataset of that name yet. Returns the link, or null when nothing was linked.
 */
export function linkCachedDataset(dataDir: string, name: string, cache: string, hash: string): string | null {
  const folder = cachedFolder(cache, hash);
  const link = path.join(dataDir, 'datasets', name);
  if (!fs.existsSync(folder) || fs.existsSync(link)) return null;
  // A link left dangling (the cache was moved or cleared since) is replaced.
  if (fs.lstatSync(link, { throwIfNoEntry: false })?.isSymbolicLink()) fs.unlinkSync(link);
  fs.mkdirSync(path.dirname(link), { recursive: true });
  fs.symlinkSync(path.resolve(folder), link, 'dir');
  return link;
}

/**
 * Refuses, with a message naming the dataset, where it was found and both hashes, unless the files the task found
 * hash to what the plan recorded.
 */
export async function checkDatasetHash(
  name: string,
  location: string | null,
  expected: string,
  cache: string | undefined,
): Promise<void> {
  const where = cache ? ` (the sweep's copy is in ${cachedFolder(cache, expected)})` : '';
  if (location === null) {
    throw new Error(
      `dataset '${name}' is not on this node and not in the dataset cache${where}: the plan expects content hash ${expected}`,
    );
  }
  const { hash } = await hashDatasetFiles(location);
  if (hash !== expected) {
    throw new Error(
      `dataset '${name}' found at ${location} has content hash ${hash}, but the sweep was planned with ${expected}${where}: ` +
        'the node has other files under that name; not training on them',
    );
  }
}

/** Where this machine has a dataset, as the dataset list says it: generators have no files to cache. */
export interface DatasetWhereabouts {
  origin: string;
  present: boolean;
  location: string | null;
}

/**
 * Copies each file-based dataset of the sweep, as this machine has it, into the shared cache under its content hash
 * and records the hashes in the plan. Generators are left out; a dataset missing here is named through `note` and
 * left to the nodes, unchecked. One implementation for the CLI's --dataset-cache and the app's Run on cluster.
 */
export async function cacheSweepDatasets(
  plan: SweepPlan,
  cache: string,
  whereabouts: (name: string) => Promise<DatasetWhereabouts | undefined>,
  note: (line: string) => void,
): Promise<SweepPlan> {
  const datasets: NonNullable<SweepPlan['datasets']> = [];
  for (const name of [...new Set(plan.points.map((point) => point.spec.dataset.name))]) {
    const entry = await whereabouts(name);
    if (entry?.origin === 'synthetic') continue;
    if (!entry?.present || entry.location === null) {
      note(`dataset '${name}' is not on this machine: not cached; each node must have its own copy`);
      continue;
    }
    const { hash, folder } = await cacheDataset(cache, entry.location);
    note(`dataset '${name}': content hash ${hash.slice(0, 12)}…, cached in ${folder}`);
    datasets.push({ name, hash });
  }
  return { ...plan, datasetCache: cache, datasets };
}
