import type { SessionDetail } from '../../../shared/api/contract';
import type { Run, Session } from '../../../shared/schemas/records';
import type { ApiClient } from '../api/client';
import { errorMessage, isDisconnected } from '../api/errors';
import { SessionSearch } from './session-search.svelte';

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

  /** Notes edited but not saved, by session id: switching sessions or views keeps them instead of dropping them. */
  noteDrafts = $state<Record<number, string>>({});
  /** Kept here rather than in the view, so that filters survive a visit to another view. */
  readonly search: SessionSearch;

  readonly #client: ApiClient;
  #listRequest = 0;
  #detailRequest = 0;

  constructor(client: ApiClient) {
    this.#client = client;
    this.search = new SessionSearch(client);
    // Closing or reloading the page would lose unsaved notes: let the browser ask first.
    window.addEventListener('beforeunload', (event) => {
      if (Object.keys(this.noteDrafts).length > 0) event.preventDefault();
    });
  }

  /**
   * Keeps the list and the open session current when another window or client changes them.
   * onDeleted hears of the deletion of any session, so the owner can close it if it is open.
   * Run status changes update the open session's runs table live.
   */
  watch(onDeleted: (id: number) => void = () => {}): () => void {
    return this.#client.subscribe({ types: ['session.changed', 'run.status'] }, (event) => {
      if (event.type === 'run.status') return this.#onRunStatus(event.run);
      if (event.type !== 'session.changed') return;
      void this.load();
      if (this.search.active) void this.search.refresh();
      if (event.change === 'deleted') {
        this.list = this.list.filter((s) => s.id !== event.sessionId);
        this.#dropDraft(event.sessionId);
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
    if (this.search.results) this.search.results = this.search.results.filter((s) => s.id !== id);
    this.#dropDraft(id);
    if (this.detail?.session.id === id) this.detail = null;
  }

  /** Saves the notes; the draft goes only if nothing was typed while the save was on its way. */
  async setNotes(id: number, notes: string): Promise<Session> {
    const session = await this.#client.call('sessions.setNotes', { id, notes });
    this.#upsert(session);
    if (this.detail?.session.id === id) this.detail = { ...this.detail, session };
    if (this.noteDrafts[id] === notes) this.#dropDraft(id);
    return session;
  }

  /** A draft equal to the saved notes is no draft. */
  setNoteDraft(id: number, text: string): void {
    const saved = this.detail?.session.id === id ? this.detail.session.notes : undefined;
    if (text === saved) this.#dropDraft(id);
    else this.noteDrafts[id] = text;
  }

  discardNoteDraft(id: number): void {
    this.#dropDraft(id);
  }

  /** Restarts an interrupted, stopped or failed run from its latest checkpoint; run.status events follow it. */
  async resumeRun(id: number): Promise<Run> {
    const run = await this.#client.call('runs.resume', { id });
    this.#onRunStatus(run);
    return run;
  }

  #onRunStatus(run: Run): void {
    const detail = this.detail;
    if (detail && detail.session.id === run.sessionId) {
      const known = detail.runs.some((r) => r.id === run.id);
      const runs = known ? detail.runs.map((r) => (r.id === run.id ? run : r)) : [...detail.runs, run];
      this.detail = { ...detail, runs };
    }
    // New runs change a session's run count; any change can move a session in or out of a status filter.
    if (run.status === 'queued') void this.load();
    if (this.search.form.status) this.search.schedule();
  }

  #dropDraft(id: number): void {
    if (!(id in this.noteDrafts)) return;
    const rest = { ...this.noteDrafts };
    delete rest[id];
    this.noteDrafts = rest;
  }

  #upsert(session: Session): void {
    this.list = sortByUpdated([session, ...this.list.filter((s) => s.id !== session.id)]);
    // A filtered list keeps its membership until the server is asked again; only the shown fields change.
    if (this.search.results) this.search.results = this.search.results.map((s) => (s.id === session.id ? session : s));
  }
}

function sortByUpdated(sessions: Session[]): Session[] {
  return [...sessions].sort((a, b) => b.updatedAt - a.updatedAt || b.id - a.id);
}
