import type { ApiEvent } from '../../shared/api/events';

type Listener = (event: ApiEvent) => void;

/** In-process fan-out of API events; transports attach one listener per connection. */
export class EventBus {
  private readonly listeners = new Set<Listener>();

  publish(event: ApiEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        // One broken connection must not stop the others from hearing about a run.
        console.error('event listener failed:', error);
      }
    }
  }

  listen(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get listenerCount(): number {
    return this.listeners.size;
  }
}
