/**
 * Electron entry point. Deliberately thin: everything with a decision in it lives in src-main/desktop/,
 * written against small interfaces so the unit tests can drive it with a fake `electron`.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, BrowserWindow, dialog, ipcMain, Menu, protocol, screen, session, shell, utilityProcess } from 'electron';
import { createApiHost } from './api/host';
import { startShell } from './desktop/shell';
import { utilityProcessLauncher } from './desktop/utility-launcher';

const mainDir = path.dirname(fileURLToPath(import.meta.url));

startShell({
  electron: { app, BrowserWindow, dialog, ipcMain, Menu, protocol, screen, session, shell },
  mainDir,
  argv: process.argv,
  env: process.env,
  platform: process.platform,
  versions: process.versions,
  openApi: (dataDir) => {
    const host = createApiHost({
      mode: 'desktop',
      dataDir,
      launch: utilityProcessLauncher(utilityProcess, path.join(mainDir, 'training-process.js')),
      versions: { electron: process.versions.electron, chrome: process.versions.chrome },
    });
    for (const runId of host.store.interruptedAtOpen)
      console.warn(`run ${runId} was interrupted by the last shutdown; its data is kept`);
    return host;
  },
});
