import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ImportReport } from '../../shared/api/contract-sweeps';
import { ApiError } from '../../shared/api/errors';
import { databaseFilesIn } from '../store/import-runs';
import { writeRunsDatabase } from '../store/runs-database';
import type { Store } from '../store/types';
import { readBundleForImport } from './import-bundle-read';

const isBundle = (file: string) => file.toLowerCase().endsWith('.zip');

/** What a path holds for import: the file itself, or a folder's databases (*.sqlite) and export bundles (*.zip). */
export function importSources(where: string, exclude: string): string[] {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(where);
  } catch (error) {
    throw new ApiError(
      'not_found',
      `Cannot import ${where}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const files = stat.isDirectory() ? [...databaseFilesIn(where), ...bundlesIn(where)] : [where];
  const kept = files.filter((file) => path.resolve(file) !== path.resolve(exclude));
  if (kept.length === 0) {
    throw new ApiError(
      'invalid_request',
      `${where} holds no Broadcast Lab database (*.sqlite) or export bundle (*.zip) to import.`,
    );
  }
  return kept;
}

/** Export bundles a few levels down a folder, as databaseFilesIn finds databases. */
function bundlesIn(folder: string, depth = 3): string[] {
  const found: string[] = [];
  const walk = (dir: string, left: number) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory() && left > 0) walk(full, left - 1);
      else if (entry.isFile() && isBundle(entry.name)) found.push(full);
    }
  };
  walk(folder, depth);
  return found;
}

/**
 * Imports databases and export bundles together. Every bundle is checked against its manifest and read whole
 * before anything is stored (a damaged one is refused by name), then written as a temporary database beside the
 * others, so that one transaction adds them all, de-duplicated by run uid, or nothing. The report names each
 * bundle, not its temporary database.
 */
export async function importFromSources(
  store: Store,
  files: readonly string[],
  sessionId: number | undefined,
): Promise<ImportReport> {
  const bundles = files.filter(isBundle);
  const read = [];
  for (const bundle of bundles) read.push({ bundle, runs: await readBundleForImport(bundle) });
  const temp = bundles.length > 0 ? fs.mkdtempSync(path.join(os.tmpdir(), 'broadcast-lab-import-')) : null;
  try {
    const named = new Map<string, string>();
    read.forEach(({ bundle, runs }, i) => {
      const file = path.join(temp!, `bundle-${i}.sqlite`);
      writeRunsDatabase(file, runs);
      named.set(file, bundle);
    });
    const report = store.imports.importFiles([...files.filter((f) => !isBundle(f)), ...named.keys()], { sessionId });
    return { ...report, files: report.files.map((f) => ({ ...f, file: named.get(f.file) ?? f.file })) };
  } finally {
    if (temp) fs.rmSync(temp, { recursive: true, force: true });
  }
}
