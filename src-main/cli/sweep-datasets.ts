import type { ApiHost } from '../api/host';
import { cacheDataset, checkDatasetHash, linkCachedDataset } from '../cluster/dataset-cache';
import type { SweepPlan } from '../cluster/plan';
import { apiClient } from './caller';
import type { Output } from './output';

type Client = ReturnType<typeof apiClient>;

async function entryOf(client: Client, name: string) {
  return (await client.call('datasets.list', {})).find((entry) => entry.name === name);
}

/**
 * `--dataset-cache DIR`: copies each file-based dataset of the sweep, as this machine has it, into the shared cache
 * under its content hash and records the hashes in the plan. Generators have no files and are left out; a dataset
 * missing here is named and left to the nodes, unchecked. Closes the host.
 */
export async function planDatasets(plan: SweepPlan, cache: string, host: ApiHost, io: Output): Promise<SweepPlan> {
  const client = apiClient(host);
  try {
    const datasets: NonNullable<SweepPlan['datasets']> = [];
    for (const name of [...new Set(plan.points.map((point) => point.spec.dataset.name))]) {
      const entry = await entryOf(client, name);
      if (entry?.origin === 'synthetic') continue;
      if (!entry?.present || entry.location === null) {
        io.err(`dataset '${name}' is not on this machine: not cached; each node must have its own copy`);
        continue;
      }
      const { hash, folder } = await cacheDataset(cache, entry.location);
      io.err(`dataset '${name}': content hash ${hash.slice(0, 12)}…, cached in ${folder}`);
      datasets.push({ name, hash });
    }
    return { ...plan, datasetCache: cache, datasets };
  } finally {
    client.close();
    await host.close();
  }
}

/**
 * Before a task trains: links the cached copy of its dataset into the task's data folder (where a built-in dataset
 * is looked for first) and refuses unless the files it will read hash to what the plan recorded.
 */
export async function prepareTaskDataset(
  plan: SweepPlan,
  index: number,
  dataDir: string,
  client: Client,
): Promise<void> {
  const task = plan.tasks.find((t) => t.index === index);
  if (!task) return; // taskCommand names the missing task.
  const name = plan.points[task.point]!.spec.dataset.name;
  const planned = plan.datasets?.find((d) => d.name === name);
  if (!planned) return;
  if (plan.datasetCache) linkCachedDataset(dataDir, name, plan.datasetCache, planned.hash);
  const entry = await entryOf(client, name);
  await checkDatasetHash(name, entry?.present ? entry.location : null, planned.hash, plan.datasetCache);
}
