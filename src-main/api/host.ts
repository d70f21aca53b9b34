import path from 'node:path';
import type { AppInfo } from '../../shared/api/contract';
import { cliCommand } from '../cluster/cli-command';
import { ClusterSweeps } from '../cluster/cluster-sweeps';
import { DatasetManager, type DatasetManagerOptions } from '../data/manager';
import { RunManager } from '../runs/run-manager';
import { StepEstimator } from '../runs/step-estimator';
import type { TrainingProcessLauncher } from '../runs/training-channel';
import type { BackendChoice } from '../runs/protocol';
import { openStore } from '../store';
import { lockDataFolder } from '../store/folder-lock';
import type { Store } from '../store/types';
import { DATABASE_FILE } from '../data-dir';
import { buildAppInfo } from './app-info';
import { DatasetDownloads } from './dataset-downloads';
import { toDatasetInfo } from './dataset-info';
import { createDispatcher, type Dispatcher, type DispatcherOptions } from './dispatcher';
import { EventBus } from './event-bus';
import { exportDownloads, exportingApp, type DownloadExport } from './export-download';
import { createHandlers } from './handlers';

export interface ApiHost {
  store: Store;
  bus: EventBus;
  runs: RunManager;
  dispatcher: Dispatcher;
  /** Writes an export for serve mode's browser downloads (POST /api/export). */
  download: DownloadExport;
  /** Stops the active run (it checkpoints), then closes the database and unlocks the data folder. */
  close(): Promise<void>;
}

/**
 * 'write' (the default) makes this host the data folder's one writer: it locks the folder, upgrades the
 * database, recovers a crashed host's runs, and trains. 'read' only reads, beside a writer that may be
 * training: no lock, no upgrade, no recovery, and nothing it does changes a run.
 */
export type HostAccess = 'write' | 'read';

export interface ApiHostOptions extends DispatcherOptions {
  mode: AppInfo['mode'];
  dataDir: string;
  access?: HostAccess;
  /** What the lock names as its holder when a second host is refused; default: this process's command line. */
  command?: string;
  /** Checkpoints kept per run besides the best by validation metric; default 2. */
  keepCheckpoints?: number;
  /** Starts a training process: a Node child in serve mode and the CLI, a utilityProcess in the desktop app. */
  launch: TrainingProcessLauncher;
  backend?: BackendChoice;
  /** ONNX Runtime's intra-op threads for every run; absent: the physical cores. */
  threads?: number;
  /** Runs that train at once; absent: as many as the cores hold at `threads` each (one without it). */
  slots?: number;
  versions?: Record<string, string>;
  /** Base URL of a mirror holding `<dataset>/<file>` for each downloadable dataset (an offline site, the tests). */
  datasetMirror?: string;
  /** Replaces entries of the download catalogue: tests serve files of their own, with their own checksums. */
  datasetSources?: DatasetManagerOptions['downloadSources'];
  /** How cluster nodes start broadcast-lab; default: the CLI beside this host's entry (cluster/cli-command.ts). */
  clusterCli?: readonly string[];
  /** Time between looks at followed cluster sweeps; default 1 s. */
  clusterPollMs?: number;
}

/** Opens the data folder's database and wires the one API implementation over it. */
export function createApiHost(options: ApiHostOptions): ApiHost {
  const readOnly = options.access === 'read';
  const lock = readOnly ? null : lockDataFolder(options.dataDir, options.command ?? commandLine(options.mode));
  let store: Store;
  try {
    store = openStoreExplained(path.join(options.dataDir, DATABASE_FILE), readOnly);
  } catch (error) {
    lock?.release();
    throw error;
  }
  const bus = new EventBus();
  const runs = new RunManager({
    store,
    bus,
    launch: options.launch,
    dataDir: options.dataDir,
    backend: options.backend,
    threads: options.threads,
    keepCheckpoints: options.keepCheckpoints,
    slots: options.slots,
  });
  const datasets = new DatasetManager({ dataDir: options.dataDir, downloadSources: options.datasetSources });
  const datasetDownloads = new DatasetDownloads({ manager: datasets, bus, mirror: options.datasetMirror });
  const cluster = new ClusterSweeps({
    store,
    publish: (event) => bus.publish(event),
    cli: () => options.clusterCli ?? cliCommand(),
    pollMs: options.clusterPollMs,
    datasets: async (name) => {
      const entry = (await datasets.list()).find((d) => d.name === name);
      return entry && toDatasetInfo(entry, datasets.unavailableReason(entry));
    },
  });
  const appInfo = () => buildAppInfo({ mode: options.mode, store, versions: options.versions ?? {} });
  const dispatcher = createDispatcher(
    createHandlers({
      store,
      bus,
      runs,
      estimator: new StepEstimator(options.launch, options.threads),
      datasets: async () => (await datasets.list()).map((d) => toDatasetInfo(d, datasets.unavailableReason(d))),
      datasetManager: datasets,
      datasetDownloads,
      appInfo,
      cluster,
    }),
    options,
  );
  // The app and serve mode follow their cluster sweeps (those of earlier starts too); a CLI command follows only
  // what it submits itself, and a reader changes nothing.
  if (!readOnly && options.mode !== 'cli') cluster.start();
  // Likewise the stored queue: the app and serve mode train what an earlier start left queued; a CLI command trains
  // only what it queues itself.
  if (!readOnly && options.mode !== 'cli') runs.serveStoredQueue();
  return {
    store,
    bus,
    runs,
    dispatcher,
    download: exportDownloads(store, exportingApp),
    close: async () => {
      datasetDownloads.close();
      try {
        await cluster.close();
        // A reader never queued or started anything: the queue it would shut down is the writer's.
        if (!readOnly) await runs.shutdown();
      } finally {
        store.close();
        lock?.release();
      }
    },
  };
}

/**
 * better-sqlite3 is a native module built for one runtime at a time: `npm start` rebuilds it for Electron,
 * after which plain Node (serve, CLI) cannot load it. Say so instead of printing the loader's ABI numbers.
 */
function openStoreExplained(file: string, readOnly: boolean): Store {
  try {
    return openStore({ path: file, readOnly });
  } catch (error) {
    if (error instanceof Error && error.message.includes('NODE_MODULE_VERSION')) {
      throw new Error(
        'the SQLite module (better-sqlite3) was built for another runtime (Electron and Node need separate builds). ' +
          'Run `npm run rebuild:node` for serve mode and the CLI; `npm start` rebuilds it for the desktop app.',
        { cause: error },
      );
    }
    throw error;
  }
}

/** How a refused second host names this one: the mode and the arguments it was started with. */
function commandLine(mode: AppInfo['mode']): string {
  const script = process.argv[1] ? path.basename(process.argv[1]) : 'node';
  return [`${mode}:`, script, ...process.argv.slice(2)].join(' ');
}
