import crypto from 'node:crypto';
import path from 'node:path';
import yauzl from 'yauzl';
import { z } from 'zod';
import { ApiError } from '../../shared/api/errors';
import { parseCsv } from '../../shared/export/csv';
import { ExperimentSpec } from '../../shared/schemas/experiment';
import { MetricSplit, RunEnvironment, RunStatus, type MetricPoint } from '../../shared/schemas/records';
import type { RunRecord } from '../store/runs-database';
import { SweepValues } from '../../shared/sweeps/schema';
import { verifyBundle } from '../export/verify-bundle';

// What this reads of specs.json and environment.json (src-main/export/specs.ts, environment.ts write them). A
// bundle is checked against its manifest first, so a mismatch here is a bundle of another version, named as such.
const SpecsFile = z.object({
  experiments: z.array(z.object({ experimentId: z.number().int(), name: z.string(), spec: z.unknown() })),
  runs: z.array(z.object({ runId: z.number().int(), experimentId: z.number().int(), seed: z.number().int() })),
});
const IsoTime = z.iso.datetime().nullable();
const EnvironmentFile = z.object({
  runs: z.array(
    z.object({
      runId: z.number().int(),
      experimentId: z.number().int(),
      sessionId: z.number().int(),
      rule: z.string().min(1),
      seed: z.number().int().nonnegative(),
      status: RunStatus,
      error: z.string().nullable(),
      startedAt: IsoTime,
      endedAt: IsoTime,
      backend: z.string().nullable(),
      recorded: RunEnvironment,
      // Written by exports that keep them; a bundle without them gets a uid derived from the run's own record.
      uid: z.string().min(1).optional(),
      sweepValues: SweepValues.optional(),
    }),
  ),
});

const TIDY = 'data/tidy.csv';
const NEEDED = ['specs.json', 'environment.json', TIDY] as const;

/**
 * The runs of an export bundle with every stored point of data/tidy.csv, after checking every file against the
 * bundle's SHA-256 manifest: a bundle with a changed byte is refused naming the bundle and the file that changed.
 */
export async function readBundleForImport(file: string): Promise<RunRecord[]> {
  const check = await verifyBundle(file);
  if (!check.ok) {
    const bad = [
      ...check.problems,
      ...check.files.filter((f) => f.status !== 'ok').map((f) => `${f.name} ${f.status}: ${f.detail}`),
      ...check.unlisted.map((name) => `${name} is not in the manifest`),
    ];
    throw new ApiError('invalid_request', `${file} does not match its manifest (${bad.join('; ')}): nothing imported.`);
  }
  const texts = await readEntries(file, NEEDED);
  const specs = json(SpecsFile, texts, 'specs.json', file);
  const environment = json(EnvironmentFile, texts, 'environment.json', file);
  const experiments = new Map(
    specs.experiments.map((e) => {
      const spec = ExperimentSpec.safeParse(e.spec);
      if (!spec.success) {
        throw new ApiError(
          'invalid_request',
          `${file}: the spec of experiment "${e.name}" in specs.json is not valid here: ${spec.error.message}`,
        );
      }
      return [e.experimentId, spec.data] as const;
    }),
  );
  const tidy = readTidy(texts.get(TIDY)!, file, new Map(environment.runs.map((r) => [r.runId, r.sessionId])));
  const fallbackSession = `Imported from ${path.basename(file)}`;
  return environment.runs.map((run) => {
    const experiment = experiments.get(run.experimentId);
    if (!experiment) {
      throw new ApiError(
        'invalid_request',
        `${file}: run ${run.runId} names experiment ${run.experimentId}, which specs.json lacks.`,
      );
    }
    const startedAt = run.startedAt === null ? null : Date.parse(run.startedAt);
    const endedAt = run.endedAt === null ? null : Date.parse(run.endedAt);
    return {
      uid: run.uid ?? derivedUid(run, experiment),
      // tidy.csv names the session of every run with points; a run without points takes its session's name from them.
      sessionName: tidy.sessions.get(run.sessionId) ?? fallbackSession,
      experiment,
      rule: run.rule,
      seed: run.seed,
      status: run.status,
      backend: run.backend,
      environment: run.recorded,
      startedAt,
      endedAt,
      error: run.error,
      sweepValues: run.sweepValues,
      points: tidy.points.get(run.runId) ?? [],
    };
  });
}

/**
 * A uid for a run whose bundle does not carry one: a hash of what identifies it (its id in the database it was
 * exported from, spec, rule, seed, start time and recorded environment). The same run exported in two bundles gets
 * the same uid, so it is imported once; two runs of one database never share one.
 */
function derivedUid(run: z.infer<typeof EnvironmentFile>['runs'][number], spec: ExperimentSpec): string {
  const identity = JSON.stringify([
    run.runId,
    spec,
    run.rule,
    run.seed,
    run.startedAt,
    Object.entries(run.recorded).sort(([a], [b]) => a.localeCompare(b)),
  ]);
  return `bundle-${crypto.createHash('sha256').update(identity).digest('hex').slice(0, 32)}`;
}

function json<T>(schema: z.ZodType<T>, texts: Map<string, string>, name: string, file: string): T {
  let value: unknown;
  try {
    value = JSON.parse(texts.get(name)!);
  } catch (error) {
    throw new ApiError(
      'invalid_request',
      `${file}: ${name} is not JSON (${error instanceof Error ? error.message : String(error)}).`,
    );
  }
  const result = schema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new ApiError(
      'invalid_request',
      `${file}: ${name} is not what this version reads, at ${issue.path.join('.') || '(top)'}: ${issue.message}.`,
    );
  }
  return result.data;
}

const COLUMNS = ['run_id', 'session', 'epoch', 'step', 'split', 'metric', 'value'] as const;

/** The points of data/tidy.csv by run id, and the sessions' names by id; a malformed row is named by its line. */
function readTidy(text: string, file: string, sessionOf: ReadonlyMap<number, number>) {
  const [header, ...rows] = parseCsv(text);
  const at = Object.fromEntries(COLUMNS.map((name) => [name, header?.indexOf(name) ?? -1])) as Record<
    (typeof COLUMNS)[number],
    number
  >;
  const missing = COLUMNS.filter((name) => at[name] < 0);
  if (missing.length > 0)
    throw new ApiError('invalid_request', `${file}: ${TIDY} lacks the column(s) ${missing.join(', ')}.`);
  const points = new Map<number, MetricPoint[]>();
  const sessions = new Map<number, string>();
  rows.forEach((row, i) => {
    if (row.length === 1 && row[0] === '') return;
    const where = `${file}: ${TIDY} line ${i + 2}`;
    const runId = wholeNumber(row[at.run_id], 'run_id', where);
    const step = wholeNumber(row[at.step], 'step', where);
    const epoch = number(row[at.epoch], 'epoch', where);
    const value = number(row[at.value], 'value', where);
    const split = MetricSplit.safeParse(row[at.split]);
    if (!split.success)
      throw new ApiError(
        'invalid_request',
        `${where}: split "${row[at.split]}" is not one of ${MetricSplit.options.join(', ')}.`,
      );
    const name = row[at.metric] ?? '';
    if (name === '') throw new ApiError('invalid_request', `${where}: the metric has no name.`);
    const sessionId = sessionOf.get(runId);
    if (sessionId !== undefined && row[at.session]) sessions.set(sessionId, row[at.session]!);
    let list = points.get(runId);
    if (!list) points.set(runId, (list = []));
    list.push({ step, epoch, split: split.data, name, value });
  });
  return { points, sessions };
}

/** Numbers as the exporter writes them (JavaScript's shortest round trip, NaN and ±Infinity included). */
function number(text: string | undefined, column: string, where: string): number {
  const value = text === undefined || text.trim() === '' ? Number.NaN : Number(text);
  if (Number.isNaN(value) && text !== 'NaN')
    throw new ApiError('invalid_request', `${where}: ${column} "${text ?? ''}" is not a number.`);
  return value;
}

function wholeNumber(text: string | undefined, column: string, where: string): number {
  const value = number(text, column, where);
  if (!Number.isInteger(value) || value < 0)
    throw new ApiError('invalid_request', `${where}: ${column} "${text}" is not a whole number.`);
  return value;
}

/** The named entries of a zip as text; one that is missing is named (a zip that is not a Broadcast Lab bundle). */
async function readEntries(file: string, names: readonly string[]): Promise<Map<string, string>> {
  const zip = await yauzl.openPromise(file, { lazyEntries: true, autoClose: false });
  try {
    const entries = await new Promise<yauzl.Entry[]>((resolve, reject) => {
      const found: yauzl.Entry[] = [];
      zip.on('entry', (entry: yauzl.Entry) => {
        if (names.includes(entry.fileName)) found.push(entry);
        zip.readEntry();
      });
      zip.once('end', () => resolve(found));
      zip.once('error', reject);
      zip.readEntry();
    });
    const out = new Map<string, string>();
    for (const entry of entries) {
      const chunks: Buffer[] = [];
      for await (const chunk of (await zip.openReadStreamPromise(entry)) as AsyncIterable<Buffer>) chunks.push(chunk);
      out.set(entry.fileName, Buffer.concat(chunks).toString('utf8'));
    }
    const missing = names.filter((name) => !out.has(name));
    if (missing.length > 0) {
      throw new ApiError(
        'invalid_request',
        `${file} has no ${missing.join(', ')}: it is not a Broadcast Lab export bundle.`,
      );
    }
    return out;
  } finally {
    zip.close();
  }
}
