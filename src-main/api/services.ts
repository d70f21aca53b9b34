import type { AppInfo, DatasetInfo } from '../../shared/api/contract';
import type { ClusterSweeps } from '../cluster/cluster-sweeps';
import type { DatasetManager } from '../data/manager';
import type { RunManager } from '../runs/run-manager';
import type { StepEstimator } from '../runs/step-estimator';
import type { Store } from '../store/types';
import type { DatasetDownloads } from './dataset-downloads';
import type { EventBus } from './event-bus';

/** What the handlers work on; each host (Electron, serve, CLI) builds one. */
export interface ApiServices {
  store: Store;
  bus: EventBus;
  runs: RunManager;
  estimator: StepEstimator;
  datasets: () => Promise<DatasetInfo[]>;
  /** Imports and forgets; datasets() is the list. */
  datasetManager: DatasetManager;
  datasetDownloads: DatasetDownloads;
  appInfo: () => AppInfo;
  /** The SLURM sweeps this host submits and follows. */
  cluster: ClusterSweeps;
}
