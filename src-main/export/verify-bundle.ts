import crypto from 'node:crypto';
import fs from 'node:fs';
import yauzl from 'yauzl';
import type { BundleCheck } from '../../shared/api/contract-export';
import { ApiError } from '../../shared/api/errors';
import { MANIFEST_NAME } from './bundle';

type FileStatus = BundleCheck['files'][number];

/** Hashes one entry; a damaged compressed stream is an error, which names the entry. */
async function hashEntry(zip: yauzl.ZipFile, entry: yauzl.Entry): Promise<{ sha256: string; text: string | null }> {
  const stream = await zip.openReadStreamPromise(entry);
  const hash = crypto.createHash('sha256');
  const keep = entry.fileName === MANIFEST_NAME ? ([] as Buffer[]) : null;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    hash.update(chunk);
    keep?.push(chunk);
  }
  return { sha256: hash.digest('hex'), text: keep ? Buffer.concat(keep).toString('utf8') : null };
}

function readEntries(zip: yauzl.ZipFile): Promise<yauzl.Entry[]> {
  return new Promise((resolve, reject) => {
    const entries: yauzl.Entry[] = [];
    zip.on('entry', (entry: yauzl.Entry) => {
      entries.push(entry);
      zip.readEntry();
    });
    zip.once('end', () => resolve(entries));
    zip.once('error', reject);
    zip.readEntry();
  });
}

/** Parses sha256sum's format: "<64 hex>  <name>" per line. */
function parseManifest(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const [i, line] of text.split('\n').entries()) {
    if (line.trim() === '') continue;
    const match = /^([0-9a-f]{64}) [ *](.+)$/.exec(line);
    if (!match) throw new Error(`line ${i + 1} of ${MANIFEST_NAME} is not "<sha256>  <file>"`);
    out.set(match[2]!, match[1]!);
  }
  return out;
}

/**
 * Checks every file of a bundle against MANIFEST.sha256: each named file must be present and hash to its entry.
 * A changed byte shows as a changed (or, inside compressed data, unreadable) file, named; a file the manifest does
 * not list is reported too.
 */
export async function verifyBundle(file: string): Promise<BundleCheck> {
  if (!fs.existsSync(file)) throw new ApiError('not_found', `No bundle at ${file}.`);
  const problems: string[] = [];
  let zip: yauzl.ZipFile;
  try {
    zip = await yauzl.openPromise(file, { lazyEntries: true, autoClose: false, validateEntrySizes: true });
  } catch (error) {
    return { ok: false, files: [], unlisted: [], problems: [`${file} is not a readable zip: ${message(error)}`] };
  }
  try {
    const entries = await readEntries(zip);
    const manifestEntry = entries.find((e) => e.fileName === MANIFEST_NAME);
    if (!manifestEntry) return { ok: false, files: [], unlisted: [], problems: [`${file} has no ${MANIFEST_NAME}`] };
    let manifest: Map<string, string>;
    try {
      manifest = parseManifest((await hashEntry(zip, manifestEntry)).text ?? '');
    } catch (error) {
      return { ok: false, files: [], unlisted: [], problems: [`${MANIFEST_NAME} is unreadable: ${message(error)}`] };
    }
    const byName = new Map(entries.map((e) => [e.fileName, e]));
    const files: FileStatus[] = [];
    for (const [name, expected] of manifest) {
      const entry = byName.get(name);
      if (!entry) {
        files.push({ name, status: 'missing', detail: 'listed in the manifest but not in the zip' });
        continue;
      }
      try {
        const { sha256 } = await hashEntry(zip, entry);
        files.push(
          sha256 === expected
            ? { name, status: 'ok', detail: sha256 }
            : { name, status: 'changed', detail: `SHA-256 ${sha256}, the manifest says ${expected}` },
        );
      } catch (error) {
        files.push({ name, status: 'unreadable', detail: `damaged: ${message(error)}` });
      }
    }
    const unlisted = entries.map((e) => e.fileName).filter((n) => n !== MANIFEST_NAME && !manifest.has(n));
    return {
      ok: files.every((f) => f.status === 'ok') && unlisted.length === 0 && problems.length === 0,
      files,
      unlisted,
      problems,
    };
  } catch (error) {
    return { ok: false, files: [], unlisted: [], problems: [`${file} is damaged: ${message(error)}`] };
  } finally {
    zip.close();
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
