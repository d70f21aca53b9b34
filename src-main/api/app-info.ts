import path from 'node:path';
import type { AppInfo } from '../../shared/api/contract';
import { probeBackends } from '../engine/backend-probe';
import type { Store } from '../store/types';
import pkg from '../../package.json';

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
    backends: probeBackends(),
  };
}
