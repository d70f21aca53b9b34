import type { Transport } from '../../../shared/api/transport';
import type { LiveTransport } from './live-transport';

/**
 * Desktop transport: the preload's bridge on window.broadcastLab. IPC to the main process cannot drop while the
 * window lives, so it is always 'connected'.
 */
export function ipcTransport(bridge: Transport): LiveTransport {
  return {
    status: 'connected',
    invoke: (method, payload) => bridge.invoke(method, payload),
    onEvent: (listener) => bridge.onEvent(listener),
    onStatus: () => () => {},
    reconnectNow: () => {},
  };
}
