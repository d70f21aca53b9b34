import type { BackendChoice, EpochEstimate } from '../../../shared/api/contract';
import type { ExperimentSpec } from '../../../shared/schemas/experiment';
import type { ApiClient } from '../api/client';
import { errorMessage, isDisconnected } from '../api/errors';

/** Waits for typing to settle: each estimate starts a training process that times a few steps. */
const SETTLE_MS = 700;

/**
 * The time-per-epoch estimate of the spec being designed, on the chosen backend. Asked for again when anything that
 * changes a step's cost or the data size changes; an answer for a spec that has since changed is dropped.
 */
export class EstimateState {
  value = $state<EpochEstimate | null>(null);
  measuring = $state(false);
  error = $state<string | null>(null);

  readonly #client: ApiClient;
  #request = 0;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #lastKey = '';

  constructor(client: ApiClient) {
    this.#client = client;
  }

  /** Call with the current spec (null while invalid) and backend; cheap when nothing relevant changed. */
  update(spec: ExperimentSpec | null, backend: BackendChoice): void {
    const key = spec ? JSON.stringify([backend, { ...spec, name: '', description: '' }]) : '';
    if (key === this.#lastKey) return;
    this.#lastKey = key;
    const request = ++this.#request;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    if (!spec) {
      this.value = null;
      this.error = null;
      this.measuring = false;
      return;
    }
    this.measuring = true;
    this.#timer = setTimeout(() => void this.#measure(spec, backend, request), SETTLE_MS);
  }

  /** Forget the last request, so that the next update measures again (after a reconnection). */
  reset(): void {
    this.#lastKey = '';
  }

  close(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#request++;
  }

  async #measure(spec: ExperimentSpec, backend: BackendChoice, request: number): Promise<void> {
    try {
      const value = await this.#client.call('experiments.estimate', { spec, backend });
      if (request !== this.#request) return;
      this.value = value;
      this.error = null;
    } catch (error) {
      if (request !== this.#request) return;
      this.value = null;
      this.error = isDisconnected(error) ? null : errorMessage(error);
    } finally {
      if (request === this.#request) this.measuring = false;
    }
  }
}
