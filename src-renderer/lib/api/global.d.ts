import type { DesktopBridge } from '../../../shared/api/transport';

declare global {
  interface Window {
    /** Present only in the desktop app, set by the Electron preload through contextBridge. */
    readonly broadcastLab?: DesktopBridge;
  }
}

export {};
