import type { ExperimentSpec } from '../../../shared/schemas/experiment';
import type { Template } from '../../../shared/schemas/records';
import type { ApiClient } from '../api/client';
import { errorMessage, isDisconnected } from '../api/errors';

/**
 * The user's saved templates, shared by the designer's picker (load, delete) and its file bar (save). No
 * event announces a change, so every change made here reloads the list; actions throw their ApiError for
 * the component that started them to show next to its control.
 */
export class TemplatesState {
  list = $state<Template[]>([]);
  loaded = $state(false);
  error = $state<string | null>(null);

  readonly #client: ApiClient;
  #request = 0;

  constructor(client: ApiClient) {
    this.#client = client;
  }

  async load(): Promise<void> {
    const request = ++this.#request;
    try {
      const list = await this.#client.call('templates.list', {});
      if (request !== this.#request) return;
      this.list = list;
      this.loaded = true;
      this.error = null;
    } catch (error) {
      // A dropped connection is shown by the chrome and answered by a reload on reconnect.
      if (request === this.#request && !isDisconnected(error))
        this.error = `Could not list templates: ${errorMessage(error)}`;
    }
  }

  /** Throws the API's 'conflict' error when the name is taken and replace is not set. */
  async save(name: string, spec: ExperimentSpec, replace = false): Promise<Template> {
    const template = await this.#client.call('templates.save', { name, spec, replace });
    await this.load();
    return template;
  }

  async remove(id: number): Promise<void> {
    await this.#client.call('templates.delete', { id });
    this.list = this.list.filter((t) => t.id !== id);
    await this.load();
  }
}
