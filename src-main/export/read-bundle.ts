import yauzl from 'yauzl';
import { z } from 'zod';
import { ApiError } from '../../shared/api/errors';
import { parseCsv } from '../../shared/export/csv';
import { ExperimentSpec } from '../../shared/schemas/experiment';
import { verifyBundle } from './verify-bundle';

/** What a replay needs of each run in a bundle: its resolved spec and what it ran on. */
export const BundledRun = z.object({
  runId: z.number().int(),
  armLabel: z.string(),
  seed: z.number().int(),
  spec: ExperimentSpec,
  backend: z.string().nullable(),
  threads: z.number().int().positive().nullable(),
  status: z.string(),
});
export type BundledRun = z.infer<typeof BundledRun>;

const SpecsFile = z.object({
  runs: z.array(z.object({ runId: z.number().int(), armLabel: z.string(), seed: z.number().int(), spec: z.unknown() })),
});
const EnvironmentFile = z.object({
  runs: z.array(
    z.object({
      runId: z.number().int(),
      backend: z.string().nullable(),
      threads: z.union([z.number(), z.string(), z.boolean(), z.null()]),
      status: z.string(),
    }),
  ),
});

/** Stored values of one run: "split/metric" → step → value. */
export type StoredSeries = Map<string, Map<number, number>>;

async function readEntries(file: string, names: readonly string[]): Promise<Map<string, string>> {
  const zip = await yauzl.openPromise(file, { lazyEntries: true, autoClose: false });
  try {
    const out = new Map<string, string>();
    const entries = await new Promise<yauzl.Entry[]>((resolve, reject) => {
      const found: yauzl.Entry[] = [];
      zip.on('entry', (e: yauzl.Entry) => {
        if (names.includes(e.fileName)) found.push(e);
        zip.readEntry();
      });
      zip.once('end', () => resolve(found));
      zip.once('error', reject);
      zip.readEntry();
    });
    for (const entry of entries) {
      const chunks: Buffer[] = [];
      for await (const chunk of (await zip.openReadStreamPromise(entry)) as AsyncIterable<Buffer>) chunks.push(chunk);
      out.set(entry.fileName, Buffer.concat(chunks).toString('utf8'));
    }
    return out;
  } finally {
    zip.close();
  }
}

function parsed<T>(schema: z.ZodType<T>, text: string | undefined, name: string, file: string): T {
  if (text === undefined)
    throw new ApiError('invalid_request', `${file} has no ${name}: it is not a Broadcast Lab bundle.`);
  const result = schema.safeParse(JSON.parse(text));
  if (!result.success)
    throw new ApiError(
      'invalid_request',
      `${name} in ${file} is not what this version writes: ${result.error.message}`,
    );
  return result.data;
}

/**
 * The runs of a bundle, after checking it against its manifest (a replay of a changed bundle would compare against
 * numbers nobody stored), with the stored values of the chosen runs read from data/tidy.csv. The CSV is read whole:
 * replays are for short runs.
 */
export async function readBundleRuns(
  file: string,
  runIds?: readonly number[],
): Promise<{ run: BundledRun; stored: StoredSeries }[]> {
  const check = await verifyBundle(file);
  if (!check.ok) {
    const bad = [
      ...check.problems,
      ...check.files.filter((f) => f.status !== 'ok').map((f) => `${f.name} ${f.status}`),
    ];
    throw new ApiError('invalid_request', `${file} does not match its manifest (${bad.join('; ')}): not replayed.`);
  }
  const texts = await readEntries(file, ['specs.json', 'environment.json', 'data/tidy.csv']);
  const specs = parsed(SpecsFile, texts.get('specs.json'), 'specs.json', file);
  const environment = parsed(EnvironmentFile, texts.get('environment.json'), 'environment.json', file);
  const wanted = runIds ?? specs.runs.map((r) => r.runId);
  for (const id of wanted)
    if (!specs.runs.some((r) => r.runId === id))
      throw new ApiError(
        'not_found',
        `${file} has no run ${id} (it has ${specs.runs.map((r) => r.runId).join(', ')}).`,
      );
  const runs = wanted.map((id) => {
    const s = specs.runs.find((r) => r.runId === id)!;
    const env = environment.runs.find((r) => r.runId === id);
    return BundledRun.parse({
      ...s,
      spec: ExperimentSpec.parse(s.spec),
      backend: env?.backend ?? null,
      threads: typeof env?.threads === 'number' ? env.threads : null,
      status: env?.status ?? 'unknown',
    });
  });
  const stored = new Map<number, StoredSeries>(wanted.map((id) => [id, new Map()]));
  const [header, ...rows] = parseCsv(texts.get('data/tidy.csv') ?? '');
  const at = (name: string) => header?.indexOf(name) ?? -1;
  const [run, step, split, metric, value] = ['run_id', 'step', 'split', 'metric', 'value'].map(at) as [
    number,
    number,
    number,
    number,
    number,
  ];
  for (const row of rows) {
    const series = stored.get(Number(row[run]));
    if (!series) continue;
    const key = `${row[split]}/${row[metric]}`;
    let points = series.get(key);
    if (!points) series.set(key, (points = new Map()));
    points.set(Number(row[step]), Number(row[value]));
  }
  return runs.map((r) => ({ run: r, stored: stored.get(r.runId)! }));
}
