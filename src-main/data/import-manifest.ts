import fs from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { FileDigest } from './file-digests';

/**
 * The per-file digests of an import, kept beside the imports list in `manifests/<name>.json`. The list
 * itself keeps only their combined hash (an image folder has tens of thousands of files, which would
 * bloat a list read on every listing); this file is read only when that hash no longer matches, to name
 * the file that changed. Losing it costs only that name, never the check.
 */

const Manifest = z.object({
  version: z.literal(1),
  files: z.array(z.object({ file: z.string(), size: z.number().int().nonnegative(), sha256: z.string() })),
});

function manifestFile(datasetsDir: string, name: string): string {
  return path.join(datasetsDir, 'manifests', `${name}.json`);
}

export async function writeManifest(datasetsDir: string, name: string, files: readonly FileDigest[]): Promise<void> {
  const file = manifestFile(datasetsDir, name);
  await fs.mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await fs.writeFile(tmp, JSON.stringify({ version: 1, files }) + '\n');
  await fs.rename(tmp, file);
}

/** The recorded digests, or null when the manifest is gone or unreadable. */
export async function readManifest(datasetsDir: string, name: string): Promise<FileDigest[] | null> {
  try {
    const parsed = Manifest.safeParse(JSON.parse(await fs.readFile(manifestFile(datasetsDir, name), 'utf8')));
    return parsed.success ? parsed.data.files : null;
  } catch {
    return null;
  }
}

export async function removeManifest(datasetsDir: string, name: string): Promise<void> {
  await fs.rm(manifestFile(datasetsDir, name), { force: true });
}
