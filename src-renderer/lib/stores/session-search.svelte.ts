import { SessionFilter } from '../../../shared/api/session-filter';
import type { Session } from '../../../shared/schemas/records';
import type { ApiClient } from '../api/client';
import { errorMessage, isDisconnected } from '../api/errors';
import { EMPTY_FILTER_FORM, isFiltering, toSessionFilter, type FilterForm } from '../sessions/filter-form';

/** Typing pauses this long before the list is asked again, so a search is one request, not one per key. */
export const SEARCH_DEBOUNCE_MS = 250;

/**
 * The Sessions view's search and filters. The server filters (sessions.list with a filter); `results` is null
 * while nothing is filtered, and the view then shows the full list the SessionsState keeps for every view.
 */
export class SessionSearch {
  form = $state<FilterForm>({ ...EMPTY_FILTER_FORM });
  results = $state<Session[] | null>(null);
  loading = $state(false);
  error = $state<string | null>(null);

  readonly #client: ApiClient;
  #request = 0;
  #timer: ReturnType<typeof setTimeout> | null = null;

  constructor(client: ApiClient) {
    this.#client = client;
  }

  get active(): boolean {
    return isFiltering(this.form);
  }

  /** Asks again after the debounce delay; a later call within it replaces this one. */
  schedule(delayMs = SEARCH_DEBOUNCE_MS): void {
    this.#cancelTimer();
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.refresh();
    }, delayMs);
  }

  async refresh(): Promise<void> {
    this.#cancelTimer();
    const request = ++this.#request;
    if (!this.active) {
      this.results = null;
      this.error = null;
      this.loading = false;
      return;
    }
    // The server's own schema, so a reversed date range is named here in the server's words without a round trip.
    const checked = SessionFilter.safeParse(toSessionFilter(this.form));
    if (!checked.success) {
      this.error = checked.error.issues[0]?.message ?? 'This filter is not valid.';
      this.loading = false;
      return;
    }
    this.loading = true;
    try {
      const sessions = await this.#client.call('sessions.list', checked.data);
      if (request !== this.#request) return;
      this.results = sessions;
      this.error = null;
    } catch (error) {
      if (request === this.#request && !isDisconnected(error)) this.error = errorMessage(error);
    } finally {
      if (request === this.#request) this.loading = false;
    }
  }

  clear(): void {
    this.form = { ...EMPTY_FILTER_FORM };
    void this.refresh();
  }

  #cancelTimer(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }
}
