import type { SessionDetail } from '../../../shared/api/contract';
import type { Session } from '../../../shared/schemas/records';
import type { ApiClient } from '../api/client';
import { errorMessage, isDisconnected } from '../api/errors';

/**
 * The session list and the open session's detail. Actions throw their ApiError so the component that started
 * them shows it next to the control; load failures are kept here because several places show them.
 */
export class SessionsState {
  list = $state<Session[]>([]);
  loaded = $state(false);
  loading = $state(false);
  listError = $state<string | null>(null);

  detail = $state<SessionDetail | null>(null);
  detailLoading = $state(false);
  detailError = $state<string | null>(null);

  readonly #client: ApiClient;
  #listRequest = 0;
  #detailRequest = 0;

  constructor(client: ApiClient) {
    this.#client = client;
  }

  /**
   * Keeps the list and the open session current when another window or client changes them.
   * onDeleted hears of the deletion of any session, so the owner can close it if it is open.
   */
  watch(onDeleted: (id: number) => void = () => {}): () => void {
    return this.#client.subscribe({ types: ['session.changed'] }, (event) => {
      if (event.type !== 'session.changed') return;
      void this.load();
      if (event.change === 'deleted') {
        this.list = this.list.filter((s) => s.id !== event.sessionId);
        onDeleted(event.sessionId);
      } else if (this.detail?.session.id === event.sessionId) {
        void this.open(event.sessionId);
      }
    });
  }

  async load(): Promise<void> {
    const request = ++this.#listRequest;
    this.loading = true;
    try {
      const sessions = await this.#client.call('sessions.list', {});
      if (request !== this.#listRequest) return;
      this.list = sortByUpdated(sessions);
      this.loaded = true;
      this.listError = null;
    } catch (error) {
      // A dropped connection is shown by the chrome and answered by a reload on reconnect.
      if (request === this.#listRequest && !isDisconnected(error)) this.listError = errorMessage(error);
    } finally {
      if (request === this.#listRequest) this.loading = false;
    }
  }

  async open(id: number | null): Promise<void> {
    const request = ++this.#detailRequest;
    if (id === null) {
      this.detail = null;
      this.detailError = null;
      this.detailLoading = false;
      return;
    }
    if (this.detail?.session.id !== id) this.detail = null;
    this.detailLoading = true;
    try {
      const detail = await this.#client.call('sessions.open', { id });
      if (request !== this.#detailRequest) return;
      this.detail = detail;
      this.detailError = null;
    } catch (error) {
      if (request === this.#detailRequest && !isDisconnected(error)) this.detailError = errorMessage(error);
    } finally {
      if (request === this.#detailRequest) this.detailLoading = false;
    }
  }

  async create(name: string): Promise<Session> {
    const session = await this.#client.call('sessions.create', { name });
    this.#upsert(session);
    return session;
  }

  async rename(id: number, name: string): Promise<Session> {
    const session = await this.#client.call('sessions.rename', { id, name });
    this.#upsert(session);
    if (this.detail?.session.id === id) this.detail = { ...this.detail, session };
    return session;
  }

  async remove(id: number): Promise<void> {
    await this.#client.call('sessions.delete', { id });
    this.list = this.list.filter((s) => s.id !== id);
    if (this.detail?.session.id === id) this.detail = null;
  }

  #upsert(session: Session): void {
    this.list = sortByUpdated([session, ...this.list.filter((s) => s.id !== session.id)]);
  }
}

function sortByUpdated(sessions: Session[]): Session[] {
  return [...sessions].sort((a, b) => b.updatedAt - a.updatedAt || b.id - a.id);
}
