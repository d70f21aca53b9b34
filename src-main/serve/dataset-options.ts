import fs from 'node:fs';
import { z } from 'zod';
import type { ApiHostOptions } from '../api/host';

/** The catalogue entry shape of src-main/data/sources.ts, for a file that replaces some entries. */
const SourcesFile = z.partialRecord(
  z.enum(['mnist', 'fashion-mnist', 'cifar-10', 'cifar-100']),
  z.strictObject({
    title: z.string(),
    homepage: z.string(),
    mirrors: z.array(z.url()),
    files: z.array(
      z.strictObject({
        name: z.string().regex(/^[A-Za-z0-9._-]+$/),
        size: z.number().int().positive(),
        checksum: z.strictObject({ algorithm: z.enum(['sha256', 'md5']), hex: z.string().regex(/^[0-9a-f]+$/) }),
      }),
    ),
    extract: z.enum(['none', 'tar.gz']),
  }),
);

type DatasetHostOptions = Pick<ApiHostOptions, 'datasetMirror' | 'datasetSources'>;

/**
 * Where serve mode downloads datasets from: `--dataset-mirror URL`, else BROADCAST_LAB_DATASET_MIRROR, else the
 * catalogue's mirrors. BROADCAST_LAB_DATASET_SOURCES names a JSON file replacing catalogue entries (sizes and
 * checksums): the end-to-end tests serve small files of their own, which the real checksums would refuse.
 */
export function datasetHostOptions(flag: string | undefined, env: NodeJS.ProcessEnv): DatasetHostOptions {
  const options: DatasetHostOptions = {};
  const mirror = flag ?? env.BROADCAST_LAB_DATASET_MIRROR;
  if (mirror) {
    let url: URL;
    try {
      url = new URL(mirror);
    } catch {
      throw new Error(`--dataset-mirror must be an http(s) URL, got ${mirror}`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new Error(`--dataset-mirror must be an http(s) URL, got ${mirror}`);
    options.datasetMirror = url.href;
  }
  const sourcesFile = env.BROADCAST_LAB_DATASET_SOURCES;
  if (sourcesFile) {
    const where = `${sourcesFile} (BROADCAST_LAB_DATASET_SOURCES)`;
    let json: unknown;
    try {
      json = JSON.parse(fs.readFileSync(sourcesFile, 'utf8'));
    } catch (error) {
      throw new Error(`${where}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    const parsed = SourcesFile.safeParse(json);
    if (!parsed.success) throw new Error(`${where}: ${z.prettifyError(parsed.error)}`);
    options.datasetSources = parsed.data;
  }
  return options;
}
