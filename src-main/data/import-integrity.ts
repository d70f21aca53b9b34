import { locateCifarFiles } from './cifar-binary';
import { DatasetError } from './errors';
import { combineDigests, digestFiles, firstChange, type FileDigest } from './file-digests';
import { locateIdxFiles } from './idx-folder';
import { scanImageFolder } from './image-folder';
import { readManifest } from './import-manifest';
import type { ImportKind, ImportRecord } from './imports';
import { locateTinyImageNet, scanTinyImageNet, tinyImageNetSourceFiles } from './tiny-imagenet';

/**
 * Whether an import's files are still the ones it was imported from. The files are hashed once each time
 * a run opens the dataset (not per epoch), and compared with the hash recorded at import; a difference is
 * refused, naming the file and how to go on, since training on it would record results under an identity
 * that no longer describes the data.
 */

export interface ImportFiles {
  readonly digests: readonly FileDigest[];
  /** The combined hash: recorded with the import, and the key of its decoded-image cache. */
  readonly hash: string;
}

interface Located {
  readonly name: string;
  readonly kind: ImportKind;
  readonly path: string;
  readonly testPath: string | null;
}

/** Every file the import is read from, as the folder holds them now. */
async function sourceFiles(target: Located): Promise<string[]> {
  switch (target.kind) {
    case 'csv':
      return target.testPath === null ? [target.path] : [target.path, target.testPath];
    case 'idx': {
      const files = await locateIdxFiles(target.path);
      if (files === null) throw new DatasetError('not_found', target.path, 'no longer holds IDX files');
      return [files.trainImages, files.trainLabels, files.testImages, files.testLabels];
    }
    case 'cifar-10':
    case 'cifar-100': {
      const files = await locateCifarFiles(target.path, target.kind);
      if (files === null)
        throw new DatasetError('not_found', target.path, `no longer holds ${target.kind} batch files`);
      const meta = [files.meta.fine, files.meta.coarse].filter((f): f is string => f !== null);
      return [...files.train, files.test, ...meta];
    }
    case 'image-folder': {
      const scan = await scanImageFolder(target.path);
      return [...scan.train, ...(scan.validation ?? []), ...(scan.test ?? [])].map((f) => f.file);
    }
    case 'tiny-imagenet': {
      const files = await locateTinyImageNet(target.path);
      if (files === null) throw new DatasetError('not_found', target.path, 'no longer holds Tiny ImageNet files');
      return tinyImageNetSourceFiles(files, await scanTinyImageNet(files));
    }
  }
}

export async function hashImportFiles(target: Located): Promise<ImportFiles> {
  const digests = await digestFiles(await sourceFiles(target));
  return { digests, hash: combineDigests(digests) };
}

/**
 * The import's files as they are now, refused when they differ from those recorded at import. Imports
 * recorded before files were hashed carry no hash and pass (their decoded content is compared instead).
 */
export async function verifyImportFiles(record: ImportRecord, datasetsDir: string): Promise<ImportFiles> {
  const now = await hashImportFiles(record);
  const recorded = record.summary.filesHash;
  if (recorded === null || recorded === now.hash) return now;
  const when = `${record.importedAt.slice(0, 16).replace('T', ' ')} UTC`;
  const again = `import '${record.name}' again (replacing it)`;
  const before = await readManifest(datasetsDir, record.name);
  const change = before === null ? null : firstChange(before, now.digests);
  if (change === null) {
    throw new DatasetError(
      'changed',
      record.path,
      `the files of '${record.name}' have changed since it was imported on ${when}; ${again} to use them as they are now, or restore the originals`,
    );
  }
  if (change.kind === 'missing') {
    throw new DatasetError(
      'changed',
      change.file,
      `was part of '${record.name}' when it was imported on ${when} and is gone; put it back, or ${again}`,
    );
  }
  if (change.kind === 'added') {
    throw new DatasetError(
      'changed',
      change.file,
      `is new since '${record.name}' was imported on ${when}; remove it, or ${again} to include it`,
    );
  }
  const sizes =
    change.before.size === change.now.size
      ? ''
      : ` and its size from ${change.before.size} to ${change.now.size} bytes`;
  throw new DatasetError(
    'changed',
    change.file,
    `has changed since '${record.name}' was imported on ${when} (its SHA-256 went from ${change.before.sha256.slice(0, 12)}… to ${change.now.sha256.slice(0, 12)}…${sizes}); ${again} if the change is intended, or restore the original file`,
  );
}
