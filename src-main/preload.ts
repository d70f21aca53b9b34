/**
 * The sandboxed renderer's one door to the main process: `window.broadcastLab`, exactly the Transport of
 * shared/api/transport.ts (invoke and onEvent) and nothing else. ipcRenderer itself and the IPC event
 * object (whose `sender` is ipcRenderer) never cross the bridge. Imports stay tiny: this file is bundled
 * on its own and runs before the page.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { createBridge } from './desktop/bridge';

contextBridge.exposeInMainWorld('broadcastLab', createBridge(ipcRenderer));
