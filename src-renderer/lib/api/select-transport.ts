import { ipcTransport } from './ipc-transport';
import type { LiveTransport } from './live-transport';
import { resolveToken, socketUrl } from './token';
import { WebSocketTransport } from './websocket-transport';

/** IPC through the preload when the desktop shell provides it, otherwise the serve-mode WebSocket of this origin. */
export function selectTransport(win: Window = window): LiveTransport {
  if (win.broadcastLab) return ipcTransport(win.broadcastLab);
  const token = resolveToken(win.location, safeSessionStorage(win));
  return new WebSocketTransport({ url: socketUrl(win.location, token) });
}

function safeSessionStorage(win: Window): Storage | null {
  try {
    return win.sessionStorage;
  } catch {
    return null;
  }
}
