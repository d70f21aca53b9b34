import { randomUUID } from 'node:crypto';
import { eventMatches, type ApiEvent, type EventFilter } from '../../shared/api/events';
import type { EventBus } from './event-bus';

export type EventSink = (subscriptionId: string, event: ApiEvent) => void;

/**
 * One client of the API (a renderer's webContents or a WebSocket). It owns that client's event
 * subscriptions so that they end when the client goes away.
 */
export class Connection {
  private readonly subscriptions = new Map<string, () => void>();

  constructor(
    private readonly bus: EventBus,
    private readonly sink: EventSink,
  ) {}

  subscribe(filter: EventFilter): string {
    const id = randomUUID();
    const stop = this.bus.listen((event) => {
      if (eventMatches(filter, event)) this.sink(id, event);
    });
    this.subscriptions.set(id, stop);
    return id;
  }

  unsubscribe(id: string): boolean {
    const stop = this.subscriptions.get(id);
    if (!stop) return false;
    stop();
    this.subscriptions.delete(id);
    return true;
  }

  get subscriptionCount(): number {
    return this.subscriptions.size;
  }

  close(): void {
    for (const stop of this.subscriptions.values()) stop();
    this.subscriptions.clear();
  }
}
