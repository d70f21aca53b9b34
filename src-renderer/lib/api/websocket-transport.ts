import { ServerMessage, type ClientMessage, type InvokeOutcome } from '../../../shared/api/envelope';
import type { ApiEvent } from '../../../shared/api/events';
import { DisconnectedError } from './errors';
import type { ConnectionStatus, StatusListener } from './status';
import type { LiveTransport } from './live-transport';

export interface WebSocketTransportOptions {
  url: string;
  /** First reconnect delay; doubles after every failed attempt up to maxDelayMs. */
  minDelayMs?: number;
  maxDelayMs?: number;
  /** Injected for tests; the browser's WebSocket otherwise. */
  createSocket?: (url: string) => WebSocket;
}

interface Pending {
  method: string;
  resolve: (outcome: InvokeOutcome) => void;
  reject: (error: Error) => void;
}

type EventListener = (subscriptionId: string, event: ApiEvent) => void;

/**
 * Serve-mode transport: one WebSocket, requests matched to replies by id, reconnection with backoff.
 * The status stays 'disconnected' across failed reconnect attempts so the UI does not flicker; it becomes
 * 'connected' only when a socket opens. Subscriptions are per socket on the server: the client re-creates them
 * when it sees 'connected' again.
 */
export class WebSocketTransport implements LiveTransport {
  readonly #url: string;
  readonly #minDelay: number;
  readonly #maxDelay: number;
  readonly #createSocket: (url: string) => WebSocket;
  readonly #pending = new Map<number, Pending>();
  readonly #eventListeners = new Set<EventListener>();
  readonly #statusListeners = new Set<StatusListener>();
  /** Requests made while the socket is still opening; sent on open, rejected if the attempt fails. */
  #queued: ClientMessage[] = [];
  #socket: WebSocket | null = null;
  #status: ConnectionStatus = 'connecting';
  #nextId = 1;
  #delay: number;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #closed = false;

  constructor(options: WebSocketTransportOptions) {
    this.#url = options.url;
    this.#minDelay = options.minDelayMs ?? 500;
    this.#maxDelay = options.maxDelayMs ?? 5000;
    this.#delay = this.#minDelay;
    this.#createSocket = options.createSocket ?? ((url) => new WebSocket(url));
    this.#connect();
  }

  get status(): ConnectionStatus {
    return this.#status;
  }

  invoke(method: string, payload: unknown): Promise<InvokeOutcome> {
    const socket = this.#socket;
    if (this.#closed || !socket || socket.readyState > WebSocket.OPEN) {
      return Promise.reject(new DisconnectedError());
    }
    const message: ClientMessage = { id: this.#nextId++, method, payload };
    return new Promise<InvokeOutcome>((resolve, reject) => {
      this.#pending.set(message.id, { method, resolve, reject });
      if (socket.readyState === WebSocket.OPEN) this.#send(socket, message);
      else this.#queued.push(message);
    });
  }

  onEvent(listener: EventListener): () => void {
    this.#eventListeners.add(listener);
    return () => this.#eventListeners.delete(listener);
  }

  onStatus(listener: StatusListener): () => void {
    this.#statusListeners.add(listener);
    return () => this.#statusListeners.delete(listener);
  }

  /** Skips the rest of the backoff wait and tries at once. */
  reconnectNow(): void {
    if (this.#closed || this.#socket) return;
    this.#clearTimer();
    this.#delay = this.#minDelay;
    this.#connect();
  }

  close(): void {
    this.#closed = true;
    this.#clearTimer();
    const socket = this.#socket;
    this.#socket = null;
    socket?.close();
    this.#failPending('The connection was closed.');
    this.#setStatus('disconnected');
  }

  #connect(): void {
    let socket: WebSocket;
    try {
      socket = this.#createSocket(this.#url);
    } catch {
      this.#lost(null);
      return;
    }
    this.#socket = socket;
    socket.onopen = () => {
      if (this.#socket !== socket) return;
      this.#delay = this.#minDelay;
      const queued = this.#queued;
      this.#queued = [];
      for (const message of queued) this.#send(socket, message);
      this.#setStatus('connected');
    };
    socket.onmessage = (event: MessageEvent) => {
      if (this.#socket === socket) this.#receive(event.data);
    };
    // An error is always followed by a close; the close does the work.
    socket.onerror = () => {};
    socket.onclose = () => this.#lost(socket);
  }

  #lost(socket: WebSocket | null): void {
    if (socket !== this.#socket) return;
    this.#socket = null;
    this.#failPending();
    if (this.#closed) return;
    this.#setStatus('disconnected');
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#connect();
    }, this.#delay);
    this.#delay = Math.min(this.#delay * 2, this.#maxDelay);
  }

  #send(socket: WebSocket, message: ClientMessage): void {
    let text: string;
    try {
      text = JSON.stringify(message);
    } catch (error) {
      const pending = this.#pending.get(message.id);
      this.#pending.delete(message.id);
      pending?.reject(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    socket.send(text);
  }

  #receive(data: unknown): void {
    if (typeof data !== 'string') return;
    let json: unknown;
    try {
      json = JSON.parse(data);
    } catch {
      console.warn('Broadcast Lab: ignored a message that is not JSON');
      return;
    }
    const parsed = ServerMessage.safeParse(json);
    if (!parsed.success) {
      console.warn('Broadcast Lab: ignored a message outside the contract', parsed.error.issues);
      return;
    }
    const message = parsed.data;
    if (message.kind === 'reply') {
      const pending = this.#pending.get(message.id);
      if (!pending) return;
      this.#pending.delete(message.id);
      pending.resolve(message.outcome);
      return;
    }
    for (const listener of this.#eventListeners) {
      try {
        listener(message.subscriptionId, message.event);
      } catch (error) {
        // One broken listener must not starve the others or the socket.
        reportError(error);
      }
    }
  }

  #failPending(reason?: string): void {
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    this.#queued = [];
    for (const p of pending) {
      p.reject(
        new DisconnectedError(reason ?? `Disconnected from the server before “${p.method}” completed — reconnecting.`),
      );
    }
  }

  #setStatus(status: ConnectionStatus): void {
    if (status === this.#status) return;
    this.#status = status;
    for (const listener of this.#statusListeners) listener(status);
  }

  #clearTimer(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }
}
