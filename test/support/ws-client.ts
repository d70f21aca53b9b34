import WebSocket from 'ws';
import { ServerMessage, type InvokeOutcome } from '../../shared/api/envelope';
import type { ApiEvent } from '../../shared/api/events';

/** A minimal Node client of the serve-mode socket, for tests: request/reply by id and a log of pushed events. */
export class TestSocketClient {
  readonly events: ApiEvent[] = [];
  private nextId = 1;
  private readonly pending = new Map<number, (outcome: InvokeOutcome) => void>();

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      const message = ServerMessage.parse(JSON.parse(String(data)));
      if (message.kind === 'event') this.events.push(message.event);
      else this.pending.get(message.id)?.(message.outcome);
    });
  }

  static connect(url: string, headers: Record<string, string> = {}): Promise<TestSocketClient> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url, { headers });
      socket.once('open', () => resolve(new TestSocketClient(socket)));
      socket.once('unexpected-response', (_request, response) => reject(new Error(`HTTP ${response.statusCode}`)));
      socket.once('error', reject);
    });
  }

  invoke = (method: string, payload: unknown): Promise<InvokeOutcome> => {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.socket.send(JSON.stringify({ id, method, payload }));
    });
  };

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.socket.readyState === WebSocket.CLOSED) resolve();
      else {
        this.socket.once('close', () => resolve());
        this.socket.close();
      }
    });
  }
}

/** Resolves with the close code the server gave, for tests of refused messages. */
export function closeCode(socket: WebSocket): Promise<number> {
  return new Promise((resolve) => socket.once('close', (code) => resolve(code)));
}
