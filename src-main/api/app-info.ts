import path from 'node:path';
import type { AppInfo, BackendInfo } from '../../shared/api/contract';
import type { Store } from '../store/types';
import pkg from '../../package.json';

/** Until the engine lands, the backends are listed with the reason each is not usable yet. */
const PLANNED_BACKENDS: BackendInfo[] = ['webgpu', 'tensorflow', 'wasm', 'cpu'].map((name) => ({
  name,
  available: false,
  detail: 'training engine not installed in this version',
}));

export interface AppInfoInput {
  mode: AppInfo['mode'];
  store: Store;
  /** Extra runtime versions the host knows (electron, chrome). */
  versions?: Record<string, string>;
}

export function buildAppInfo({ mode, store, versions = {} }: AppInfoInput): AppInfo {
  return {
    name: pkg.name,
    version: pkg.version,
    mode,
    dataDir: path.dirname(store.path),
    databasePath: store.path,
    schemaVersion: store.schemaVersion,
    versions: { node: process.versions.node, ...versions },
    backends: PLANNED_BACKENDS,
  };
}
