import fs from 'node:fs/promises';
import path from 'node:path';
import { DatasetError, ioError } from './errors';
import { readFileBytes } from './gzip';
import type { ImageFolderOptions, ImageFolderScan } from './image-folder';

/**
 * Tiny ImageNet (http://cs231n.stanford.edu/tiny-imagenet-200.zip) as it unpacks: `wnids.txt` (the 200 class
 * ids, one a line), `words.txt` (optional: wnid, tab, its names), `train/<wnid>/images/*.JPEG` (500 a class),
 * `val/images/*.JPEG` labelled by `val/val_annotations.txt` (tab-separated: file, wnid, bounding box), and
 * `test/images/` without labels. The labelled val split is used as the test split (test/ is ignored), and
 * validation is carved from train as for any source without one. Every image is 64×64.
 *
 * This module only finds the files and their labels (an ImageFolderScan); the image folder reader decodes them,
 * so a Tiny ImageNet import is cached and hashed as any image folder is.
 */

export const TINY_IMAGENET_SIDE = 64;
/** The folder the official archive unpacks to. */
const ARCHIVE_FOLDER = 'tiny-imagenet-200';
const ANNOTATIONS = path.join('val', 'val_annotations.txt');
const IMAGE = /\.(jpe?g|png)$/i;

export interface TinyImageNetFiles {
  readonly root: string;
  readonly wnids: string;
  /** null when the folder has no words.txt: the classes are then named by their wnids. */
  readonly words: string | null;
  readonly annotations: string;
}

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  );
}

/**
 * The Tiny ImageNet files in `dir` or in its `tiny-imagenet-200/` subfolder; null when neither looks like one
 * (no wnids.txt and no val/val_annotations.txt). Throws naming the file when one of the two is there without the
 * other, or train/ is missing.
 */
export async function locateTinyImageNet(dir: string): Promise<TinyImageNetFiles | null> {
  for (const root of [path.join(dir, ARCHIVE_FOLDER), dir]) {
    const wnids = path.join(root, 'wnids.txt');
    const annotations = path.join(root, ANNOTATIONS);
    const [hasWnids, hasAnnotations] = await Promise.all([exists(wnids), exists(annotations)]);
    if (!hasWnids && !hasAnnotations) continue;
    if (!hasWnids) {
      throw new DatasetError(
        'not_found',
        wnids,
        `is missing: ${annotations} makes this a Tiny ImageNet folder, whose wnids.txt lists its class ids`,
      );
    }
    if (!hasAnnotations) {
      throw new DatasetError(
        'not_found',
        annotations,
        `is missing: Tiny ImageNet's val/ images are labelled by it (file, wnid, box per line)`,
      );
    }
    if (!(await exists(path.join(root, 'train')))) {
      throw new DatasetError('not_found', path.join(root, 'train'), 'is missing: it holds one folder per wnid');
    }
    const words = path.join(root, 'words.txt');
    return { root, wnids, words: (await exists(words)) ? words : null, annotations };
  }
  return null;
}

/** Non-empty lines, trimmed of their line ending, with their 1-based line numbers. */
async function lines(file: string): Promise<{ text: string; line: number }[]> {
  const text = (await readFileBytes(file)).toString('utf8');
  return text
    .split('\n')
    .map((t, i) => ({ text: t.replace(/\r$/, ''), line: i + 1 }))
    .filter((l) => l.text.trim().length > 0);
}

async function readWnids(file: string): Promise<string[]> {
  const ids = (await lines(file)).map((l) => l.text.trim());
  if (ids.length === 0) throw new DatasetError('format', file, 'lists no wnids; expected one class id a line');
  const seen = new Set<string>();
  for (const id of ids) {
    if (seen.has(id)) throw new DatasetError('format', file, `lists wnid ${id} twice`);
    seen.add(id);
  }
  // Code-unit order, as the image-folder reader sorts its class folders: the same labels on every platform.
  return ids.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * Class names: each wnid's first name in words.txt ("n01443537\tgoldfish, Carassius auratus" → "goldfish"),
 * with the wnid added where two classes would share a name; the bare wnid when words.txt is absent or lacks it.
 */
async function classNames(wnids: readonly string[], words: string | null): Promise<string[]> {
  const names = new Map<string, string>();
  if (words !== null) {
    for (const { text } of await lines(words)) {
      const [id, rest] = text.split('\t');
      const first = rest?.split(',')[0]?.trim();
      if (id !== undefined && first) names.set(id.trim(), first);
    }
  }
  const chosen = wnids.map((id) => names.get(id) ?? id);
  const count = new Map<string, number>();
  for (const n of chosen) count.set(n, (count.get(n) ?? 0) + 1);
  return chosen.map((n, i) => (count.get(n)! > 1 && n !== wnids[i] ? `${n} (${wnids[i]})` : n));
}

async function imageFiles(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch (error) {
    throw ioError(dir, error);
  }
  return names
    .filter((n) => IMAGE.test(n) && !n.startsWith('.'))
    .sort()
    .map((n) => path.join(dir, n));
}

/** train/<wnid>/images/*.JPEG (or train/<wnid>/*.JPEG) for every wnid; a train folder for no listed wnid is refused. */
async function trainFiles(files: TinyImageNetFiles, wnids: readonly string[]): Promise<ImageFolderScan['train']> {
  const trainDir = path.join(files.root, 'train');
  const entries = await fs.readdir(trainDir, { withFileTypes: true }).catch((error: unknown) => {
    throw ioError(trainDir, error);
  });
  const folders = entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name);
  const unknown = folders.filter((f) => !wnids.includes(f));
  if (unknown.length > 0) {
    throw new DatasetError(
      'mismatch',
      trainDir,
      `has class folders ${files.wnids} does not list: ${unknown.slice(0, 5).join(', ')}${unknown.length > 5 ? '…' : ''}`,
    );
  }
  const out: { file: string; label: number }[] = [];
  for (const [label, id] of wnids.entries()) {
    const classDir = path.join(trainDir, id);
    if (!folders.includes(id)) {
      throw new DatasetError(
        'not_found',
        classDir,
        `is missing: ${files.wnids} lists ${id} but train/ has no folder for it`,
      );
    }
    const images = path.join(classDir, 'images');
    const list = await imageFiles((await exists(images)) ? images : classDir);
    if (list.length === 0) throw new DatasetError('layout', classDir, 'holds no .JPEG images (nor does its images/)');
    for (const file of list) out.push({ file, label });
  }
  return out;
}

/** val/images/* labelled by val_annotations.txt: every line's wnid must be listed, every image annotated. */
async function valFiles(files: TinyImageNetFiles, wnids: readonly string[]): Promise<ImageFolderScan['train']> {
  const imagesDir = path.join(files.root, 'val', 'images');
  const label = new Map(wnids.map((id, i) => [id, i]));
  const annotated = new Map<string, number>();
  for (const { text, line } of await lines(files.annotations)) {
    const [file, id] = text.split('\t').map((f) => f.trim());
    if (!file || !id) {
      throw new DatasetError(
        'format',
        files.annotations,
        `line ${line} is not "file<TAB>wnid<TAB>box…": ${JSON.stringify(text.slice(0, 80))}`,
      );
    }
    const l = label.get(id);
    if (l === undefined) {
      throw new DatasetError(
        'label',
        files.annotations,
        `line ${line} labels ${file} ${id}, which ${files.wnids} does not list`,
      );
    }
    if (annotated.has(file))
      throw new DatasetError('format', files.annotations, `line ${line} labels ${file} a second time`);
    annotated.set(file, l);
  }
  const present = await imageFiles(imagesDir);
  const out: { file: string; label: number }[] = [];
  for (const file of present) {
    const l = annotated.get(path.basename(file));
    if (l === undefined) throw new DatasetError('label', file, `has no line in ${files.annotations}`);
    out.push({ file, label: l });
  }
  if (out.length !== annotated.size) {
    const names = new Set(present.map((f) => path.basename(f)));
    const missing = [...annotated.keys()].find((f) => !names.has(f))!;
    throw new DatasetError(
      'not_found',
      path.join(imagesDir, missing),
      `is labelled in ${files.annotations} but is not there`,
    );
  }
  return out;
}

/** The labelled images of a Tiny ImageNet folder, for the image folder reader to decode. */
export async function scanTinyImageNet(files: TinyImageNetFiles): Promise<ImageFolderScan> {
  const wnids = await readWnids(files.wnids);
  return {
    root: files.root,
    layout: 'split',
    classNames: await classNames(wnids, files.words),
    train: await trainFiles(files, wnids),
    validation: null,
    test: await valFiles(files, wnids),
  };
}

/** Decoding options that hold every image to Tiny ImageNet's size, naming the file that is not. */
export function tinyImageNetDecodeOptions(options: ImageFolderOptions): ImageFolderOptions {
  return { ...options, size: { width: TINY_IMAGENET_SIDE, height: TINY_IMAGENET_SIDE, layout: 'Tiny ImageNet' } };
}

/** Every file the dataset is read from (for the import's integrity hash). */
export function tinyImageNetSourceFiles(files: TinyImageNetFiles, scan: ImageFolderScan): string[] {
  const meta = [files.wnids, files.annotations, ...(files.words === null ? [] : [files.words])];
  return [...meta, ...scan.train.map((f) => f.file), ...(scan.test ?? []).map((f) => f.file)];
}
