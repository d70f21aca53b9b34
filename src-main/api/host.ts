import path from 'node:path';
import type { AppInfo } from '../../shared/api/contract';
import { openStore } from '../store';
import type { Store } from '../store/types';
import { DATABASE_FILE } from '../data-dir';
import { buildAppInfo } from './app-info';
import { createDispatcher, type Dispatcher, type DispatcherOptions } from './dispatcher';
import { EventBus } from './event-bus';
import { createHandlers } from './handlers';

export interface ApiHost {
  store: Store;
  bus: EventBus;
  dispatcher: Dispatcher;
  close(): void;
}

export interface ApiHostOptions extends DispatcherOptions {
  mode: AppInfo['mode'];
  dataDir: string;
  versions?: Record<string, string>;
}

/** Opens the data folder's database and wires the one API implementation over it. */
export function createApiHost(options: ApiHostOptions): ApiHost {
  const store = openStoreExplained(path.join(options.dataDir, DATABASE_FILE));
  const bus = new EventBus();
  const appInfo = () => buildAppInfo({ mode: options.mode, store, versions: options.versions ?? {} });
  const dispatcher = createDispatcher(createHandlers({ store, bus, appInfo }), options);
  return { store, bus, dispatcher, close: () => store.close() };
}

/**
 * better-sqlite3 is a native module built for one runtime at a time: `npm start` rebuilds it for Electron,
 * after which plain Node (serve, CLI) cannot load it. Say so instead of printing the loader's ABI numbers.
 */
function openStoreExplained(file: string): Store {
  try {
    return openStore({ path: file });
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
