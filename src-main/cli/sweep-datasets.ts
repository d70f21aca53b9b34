import type { ApiHost } from '../api/host';
import { cacheSweepDatasets, checkDatasetHash, linkCachedDataset } from '../cluster/dataset-cache';
import type { SweepPlan } from '../cluster/plan';
import { apiClient } from './caller';
import type { Output } from './output';

type Client = ReturnType<typeof apiClient>;

async function entryOf(client: Client, name: string) {
  return (await client.call('datasets.list', {})).find((entry) => entry.name === name);
}

/** `--dataset-cache DIR` (cacheSweepDatasets), with this machine's dataset list; closes the host. */
export async function planDatasets(plan: SweepPlan, cache: string, host: ApiHost, io: Output): Promise<SweepPlan> {
  const client = apiClient(host);
  try {
    return await cacheSweepDatasets(plan, cache, (name) => entryOf(client, name), io.err);
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
