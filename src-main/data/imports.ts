import fs from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { DatasetError, ioError } from './errors';

/**
 * The list of datasets a user imported from their own files, kept as JSON next to the downloaded ones.
 * Imports are by reference: the files stay where they are, and the summary recorded at import time
 * (checked by reading every sample then) lets the list show sizes and classes without re-reading them.
 */

export const ImportKind = z.enum(['image-folder', 'csv', 'idx', 'cifar-10', 'cifar-100', 'tiny-imagenet']);
export type ImportKind = z.infer<typeof ImportKind>;

export const ImportRecord = z.object({
  name: z.string().min(1),
  kind: ImportKind,
  path: z.string().min(1),
  /** CSV only: a second table with the same columns used as the test split. */
  testPath: z.string().nullable().default(null),
  options: z
    .object({
      labelColumn: z.union([z.string(), z.array(z.string())]).optional(),
      task: z.enum(['auto', 'classification', 'regression']).optional(),
      delimiter: z.enum([',', ';', '\t']).optional(),
      channels: z.union([z.literal('auto'), z.literal(1), z.literal(3)]).optional(),
      labelKind: z.enum(['fine', 'coarse']).optional(),
      /** CSV and IDX: the declared class count (labels are checked against it). */
      classes: z.number().int().positive().optional(),
    })
    .default({}),
  importedAt: z.string(),
  summary: z.object({
    task: z.enum(['classification', 'regression']),
    inputShape: z.array(z.number().int().positive()),
    outputSize: z.number().int().positive(),
    classNames: z.array(z.string()),
    sizes: z.object({
      train: z.number().int().nonnegative(),
      validation: z.number().int().nonnegative().nullable(),
      test: z.number().int().nonnegative().nullable(),
    }),
    contentHash: z.string(),
    /**
     * SHA-256 over the files' own digests (see file-digests.ts), compared each time a run opens the
     * dataset; null for imports recorded before files were hashed.
     */
    filesHash: z.string().nullable().default(null),
  }),
});
export type ImportRecord = z.infer<typeof ImportRecord>;
export type ImportRecordInput = z.input<typeof ImportRecord>;

const RegistryFile = z.object({ version: z.literal(1), imports: z.array(ImportRecord) });

export const IMPORTS_FILE = 'imports.json';

export async function readImports(datasetsDir: string): Promise<ImportRecord[]> {
  const file = path.join(datasetsDir, IMPORTS_FILE);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw ioError(file, error);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new DatasetError(
      'format',
      file,
      `is not valid JSON (${(error as Error).message}); fix or delete it to forget the imports`,
      { cause: error },
    );
  }
  const parsed = RegistryFile.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new DatasetError(
      'format',
      file,
      `is not a list of imports (${issue.path.join('.') || '(root)'}: ${issue.message}); fix or delete it`,
    );
  }
  return parsed.data.imports;
}

/** Writes through a temporary file and a rename, so a crash never leaves half a registry. */
export async function writeImports(datasetsDir: string, imports: readonly ImportRecord[]): Promise<void> {
  await fs.mkdir(datasetsDir, { recursive: true });
  const file = path.join(datasetsDir, IMPORTS_FILE);
  const tmp = `${file}.${process.pid}.tmp`;
  await fs.writeFile(tmp, JSON.stringify({ version: 1, imports }, null, 2) + '\n');
  await fs.rename(tmp, file);
}
