import type { ExportOptions } from '../../shared/api/contract-export';
import type { Store } from '../store/types';
import type { ResolvedSelection } from './selection';

/** Who wrote an export: for manifests, methods text and file metadata. */
export interface AppIdentity {
  name: string;
  version: string;
  /** Runtime versions of the exporting host (node, electron…). */
  versions: Record<string, string>;
}

/** Reports rows (or files) done of the total; phase names what is being written. */
export type ExportProgress = (done: number, total: number, phase: string) => void;

/** Everything one export reads from. */
export interface ExportContext {
  store: Store;
  selection: ResolvedSelection;
  options: ExportOptions;
  app: AppIdentity;
  progress?: ExportProgress;
  /** Wall-clock "now", for the manifest; tests pass a fixed one. */
  now?: () => Date;
}
