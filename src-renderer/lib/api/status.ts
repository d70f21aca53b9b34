/** Where a transport stands with its engine host. IPC is always 'connected'; a WebSocket moves between all three. */
export type ConnectionStatus = 'connecting' | 'connected' | 'disconnected';

export type StatusListener = (status: ConnectionStatus) => void;
