import { createHash } from 'node:crypto';
import fsSync, { type Dirent } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { DatasetError, ioError } from './errors';
import { readFileBytes } from './gzip';
import { decodeImage, isGrey } from './image-decode';
import type { RawPart, RawSource } from './types';

/**
 * Image folders: `root/<split>/<class>/*.jpg|png` (split = train, test, val…) or `root/<class>/*.jpg|png`
 * (one split; test is carved later). A class folder may hold its images in an `images/` subfolder, as
 * Tiny ImageNet's train/ does. Classes are the sorted folder names of the training split.
 */

const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png']);
/** Image types people have in folders that we do not decode: named in an error instead of being skipped. */
const UNSUPPORTED_IMAGES = new Set(['.gif', '.bmp', '.webp', '.tif', '.tiff', '.heic', '.avif']);
const SPLIT_NAMES: Record<string, 'train' | 'validation' | 'test'> = {
  train: 'train',
  training: 'train',
  val: 'validation',
  valid: 'validation',
  validation: 'validation',
  test: 'test',
  testing: 'test',
};

interface LabelledFile {
  readonly file: string;
  readonly label: number;
}

export interface ImageFolderScan {
  readonly root: string;
  readonly layout: 'split' | 'flat';
  readonly classNames: readonly string[];
  readonly train: readonly LabelledFile[];
  readonly validation: readonly LabelledFile[] | null;
  readonly test: readonly LabelledFile[] | null;
}

/** Hidden entries and archive droppings (`.DS_Store`, `__MACOSX`) are never data. */
function ignored(name: string): boolean {
  return name.startsWith('.') || name.startsWith('__');
}

/** Code-unit order, so the class order (and so the labels) are the same on every platform and locale. */
function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

interface Entry {
  readonly name: string;
  isDirectory(): boolean;
  isFile(): boolean;
}

/** Sorted, visible entries; symbolic links are followed (class folders linked in from elsewhere are common). */
async function entries(dir: string): Promise<Entry[]> {
  let list: Dirent[];
  try {
    list = await fs.readdir(dir, { withFileTypes: true });
  } catch (error) {
    throw ioError(dir, error);
  }
  const visible = list.filter((e) => !ignored(e.name)).sort((a, b) => byName(a.name, b.name));
  return Promise.all(
    visible.map(async (e): Promise<Entry> => {
      if (!e.isSymbolicLink()) return e;
      const target = await fs.stat(path.join(dir, e.name)).catch(() => null); // a dangling link is skipped
      return {
        name: e.name,
        isDirectory: () => target?.isDirectory() ?? false,
        isFile: () => target?.isFile() ?? false,
      };
    }),
  );
}

/** The image files of one class folder (directly inside, or inside its `images/` subfolder). */
async function classImages(dir: string): Promise<string[]> {
  const list = await entries(dir);
  const subdirs = list.filter((e) => e.isDirectory());
  if (subdirs.length === 1 && subdirs[0]!.name === 'images') return classImages(path.join(dir, 'images'));
  if (subdirs.length > 0) {
    throw new DatasetError(
      'layout',
      dir,
      `class folder holds subfolders (${subdirs.map((e) => e.name).join(', ')}); expected its images directly inside`,
    );
  }
  const files: string[] = [];
  for (const entry of list) {
    const ext = path.extname(entry.name).toLowerCase();
    if (IMAGE_EXTENSIONS.has(ext)) files.push(path.join(dir, entry.name));
    else if (UNSUPPORTED_IMAGES.has(ext)) {
      throw new DatasetError(
        'decode',
        path.join(dir, entry.name),
        `${ext} images are not supported; convert them to PNG or JPEG`,
      );
    }
  }
  if (files.length === 0) throw new DatasetError('layout', dir, 'class folder holds no .jpg, .jpeg or .png images');
  return files;
}

async function classFolders(splitDir: string): Promise<string[]> {
  const list = await entries(splitDir);
  const dirs = list.filter((e) => e.isDirectory()).map((e) => e.name);
  const images = list.filter((e) => e.isFile() && IMAGE_EXTENSIONS.has(path.extname(e.name).toLowerCase()));
  if (images.length > 0) {
    throw new DatasetError(
      'layout',
      splitDir,
      `holds images directly (${images[0]!.name}…); put them in one folder per class: ${splitDir}${path.sep}<class>${path.sep}*.jpg`,
    );
  }
  if (dirs.length === 0) {
    throw new DatasetError(
      'layout',
      splitDir,
      `holds no class folders; expected ${splitDir}${path.sep}<class>${path.sep}*.jpg|png`,
    );
  }
  return dirs;
}

async function labelledFiles(
  splitDir: string,
  classNames: readonly string[],
  isTrain: boolean,
): Promise<LabelledFile[]> {
  const folders = await classFolders(splitDir);
  const unknown = folders.filter((f) => !classNames.includes(f));
  if (!isTrain && unknown.length > 0) {
    throw new DatasetError('mismatch', splitDir, `has class folders the training split lacks: ${unknown.join(', ')}`);
  }
  const out: LabelledFile[] = [];
  for (const folder of folders) {
    const label = classNames.indexOf(folder);
    for (const file of await classImages(path.join(splitDir, folder))) out.push({ file, label });
  }
  return out;
}

/** Lists the images and their classes without decoding anything. */
export async function scanImageFolder(root: string): Promise<ImageFolderScan> {
  const top = await entries(root);
  const dirs = top.filter((e) => e.isDirectory()).map((e) => e.name);
  const splitDirs = dirs.filter((d) => SPLIT_NAMES[d.toLowerCase()] !== undefined);
  if (splitDirs.length === 0) {
    const classNames = await classFolders(root);
    return {
      root,
      layout: 'flat',
      classNames,
      train: await labelledFiles(root, classNames, true),
      validation: null,
      test: null,
    };
  }
  const others = dirs.filter((d) => !splitDirs.includes(d));
  if (others.length > 0) {
    throw new DatasetError(
      'layout',
      root,
      `mixes split folders (${splitDirs.join(', ')}) with other folders (${others.join(', ')}); ` +
        `expected either ${root}${path.sep}<split>${path.sep}<class>${path.sep}*.jpg or ${root}${path.sep}<class>${path.sep}*.jpg`,
    );
  }
  const find = (split: 'train' | 'validation' | 'test'): string | null => {
    const matches = splitDirs.filter((d) => SPLIT_NAMES[d.toLowerCase()] === split);
    if (matches.length > 1)
      throw new DatasetError('layout', root, `has several ${split} folders: ${matches.join(', ')}`);
    return matches.length === 1 ? path.join(root, matches[0]!) : null;
  };
  const trainDir = find('train');
  if (trainDir === null) throw new DatasetError('layout', root, `has ${splitDirs.join(', ')} but no train folder`);
  const classNames = await classFolders(trainDir);
  const validationDir = find('validation');
  const testDir = find('test');
  return {
    root,
    layout: 'split',
    classNames,
    train: await labelledFiles(trainDir, classNames, true),
    validation: validationDir === null ? null : await labelledFiles(validationDir, classNames, false),
    test: testDir === null ? null : await labelledFiles(testDir, classNames, false),
  };
}

export interface ImageFolderOptions {
  /** 'auto' (default): one channel when every image is grey, else three. */
  channels?: 'auto' | 1 | 3;
  /** Called after each chunk of images is decoded; totals count every split. */
  onProgress?: (done: number, total: number) => void;
  /** The size every image must have (a layout that fixes it, as Tiny ImageNet's 64×64); absent: the first image's. */
  size?: { readonly width: number; readonly height: number; readonly layout: string };
}

/** Files read at once: enough to overlap disk reads with decoding, few enough to keep memory flat. */
const CHUNK = 64;

interface Geometry {
  width: number;
  height: number;
  /** The first image's file, or the layout that fixes the size. */
  first: string;
  declared: boolean;
}

async function decodeSplit(
  files: readonly LabelledFile[],
  geometry: { value: Geometry | null },
  progress: { done: number; total: number; report?: (done: number, total: number) => void },
): Promise<{ rgb: Uint8Array; y: Int32Array; grey: boolean }> {
  let rgb = new Uint8Array(0);
  const y = new Int32Array(files.length);
  let grey = true;
  for (let start = 0; start < files.length; start += CHUNK) {
    const chunk = files.slice(start, start + CHUNK);
    // Reading in parallel, decoding in order: the await per chunk also lets other work on the event loop run.
    const buffers = await Promise.all(chunk.map((f) => readFileBytes(f.file)));
    for (let i = 0; i < chunk.length; i++) {
      const { file, label } = chunk[i]!;
      const image = decodeImage(buffers[i]!, file);
      if (geometry.value === null)
        geometry.value = { width: image.width, height: image.height, first: file, declared: false };
      const g = geometry.value;
      if (image.width !== g.width || image.height !== g.height) {
        throw new DatasetError(
          'mismatch',
          file,
          g.declared
            ? `is ${image.width}×${image.height}, but ${g.first} images are ${g.width}×${g.height}`
            : `is ${image.width}×${image.height} but the other images are ${g.width}×${g.height} (as ${g.first}); all images must share one size`,
        );
      }
      const d = g.width * g.height * 3;
      if (rgb.length === 0) rgb = new Uint8Array(files.length * d);
      rgb.set(image.rgb, (start + i) * d);
      y[start + i] = label;
      if (grey && !isGrey(image.rgb)) grey = false;
    }
    progress.done += chunk.length;
    progress.report?.(progress.done, progress.total);
  }
  return { rgb, y, grey };
}

/** RGB → one channel: the copy when R = G = B, else ITU-R BT.601 luma. */
function toGrey(rgb: Uint8Array): Uint8Array {
  const out = new Uint8Array(rgb.length / 3);
  for (let p = 0; p < out.length; p++) {
    out[p] = Math.round(0.299 * rgb[3 * p]! + 0.587 * rgb[3 * p + 1]! + 0.114 * rgb[3 * p + 2]!);
  }
  return out;
}

/** Decodes every image of the folder into one source. */
export async function readImageFolder(root: string, options: ImageFolderOptions = {}): Promise<RawSource> {
  return decodeImageFolder(await scanImageFolder(root), options);
}

/**
 * Identifies the folder's inputs without decoding: every file's path, label, size and modification
 * time, and the channel option. Any added, removed, renamed or rewritten image changes it.
 */
export async function fingerprintImageFolder(scan: ImageFolderScan, options: ImageFolderOptions = {}): Promise<string> {
  const hash = createHash('sha256');
  hash.update(
    JSON.stringify({
      format: 'broadcast-lab/image-folder/v1',
      channels: options.channels ?? 'auto',
      classes: scan.classNames,
    }),
  );
  for (const [split, files] of [
    ['train', scan.train],
    ['validation', scan.validation],
    ['test', scan.test],
  ] as const) {
    if (files === null) continue;
    for (let i = 0; i < files.length; i++) {
      const { file, label } = files[i]!;
      // statSync: for tens of thousands of small files it is several times faster than the thread pool.
      let stat: fsSync.Stats;
      try {
        stat = fsSync.statSync(file);
      } catch (error) {
        throw ioError(file, error);
      }
      hash.update(
        `${split}\u0000${path.relative(scan.root, file)}\u0000${label}\u0000${stat.size}\u0000${stat.mtimeMs}\n`,
      );
      if (i % 4096 === 4095) await new Promise((resolve) => setImmediate(resolve)); // let the event loop breathe
    }
  }
  return hash.digest('hex');
}

/** Decodes the images a scan found. */
export async function decodeImageFolder(scan: ImageFolderScan, options: ImageFolderOptions = {}): Promise<RawSource> {
  const root = scan.root;
  const total = scan.train.length + (scan.validation?.length ?? 0) + (scan.test?.length ?? 0);
  const progress = { done: 0, total, report: options.onProgress };
  const size = options.size;
  const geometry: { value: Geometry | null } = {
    value: size === undefined ? null : { width: size.width, height: size.height, first: size.layout, declared: true },
  };
  const train = await decodeSplit(scan.train, geometry, progress);
  const validation = scan.validation === null ? null : await decodeSplit(scan.validation, geometry, progress);
  const test = scan.test === null ? null : await decodeSplit(scan.test, geometry, progress);
  const g = geometry.value!;
  const wantGrey =
    options.channels === 1 ||
    ((options.channels ?? 'auto') === 'auto' && [train, validation, test].every((s) => s === null || s.grey));
  const part = (s: { rgb: Uint8Array; y: Int32Array } | null): RawPart | null =>
    s === null ? null : { size: s.y.length, x: wantGrey ? toGrey(s.rgb) : s.rgb, y: s.y };
  return {
    name: path.basename(root),
    task: 'classification',
    inputShape: [g.height, g.width, wantGrey ? 1 : 3],
    outputSize: scan.classNames.length,
    classNames: scan.classNames,
    featureNames: [],
    location: root,
    scaleByDefault: true,
    train: part(train)!,
    validation: part(validation),
    test: part(test),
  };
}
