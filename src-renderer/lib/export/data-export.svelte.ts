import {
  EXPORT_FORMATS,
  type ExportFormat,
  type ExportPreview,
  type ExportRequestInput,
  type ExportSelection,
} from '../../../shared/api/contract-export';
import type { FigureError } from '../../../shared/export/figure-spec';
import type { ApiClient } from '../api/client';
import { errorMessage, isDisconnected } from '../api/errors';
import { downloadServedExport } from './data-download';

export const DATA_FORMAT_LABELS: Record<ExportFormat, string> = {
  'tidy-csv': 'Tidy CSV (one row per point)',
  'wide-csv': 'Wide CSV (one metric)',
  'aggregate-csv': 'Aggregate CSV (mean, std, SEM, 95% CI per epoch)',
  'specs-json': 'Resolved specs (JSON)',
  'environment-json': 'Environment manifest (JSON)',
  'table-latex': 'Table: LaTeX (booktabs)',
  'table-markdown': 'Table: Markdown',
  'table-csv': 'Table: CSV',
  'methods-markdown': 'Methods text: Markdown',
  'methods-latex': 'Methods text: LaTeX',
  bibtex: 'BibTeX for the methods used',
  bundle: 'Bundle (zip with all of the above and a manifest)',
};

const PREVIEW_CHARS = 20_000;

/**
 * Data, tables, methods text and bundles (the export.* API): a preview of the start of exactly what would be written,
 * and the file itself, downloaded by the browser in serve mode or written to a path on this machine in the desktop
 * app (whose window has no HTTP server to download from).
 */
export class DataExportState {
  format = $state<ExportFormat>('table-latex');
  error = $state<FigureError>('std');
  boldBest = $state(false);
  siunitx = $state(false);
  preview = $state.raw<ExportPreview | null>(null);
  previewError = $state<string | null>(null);
  busy = $state(false);
  outcome = $state<string | null>(null);
  failure = $state<string | null>(null);
  readonly formats = EXPORT_FORMATS;

  readonly #client: ApiClient;
  #previewToken = 0;

  constructor(client: ApiClient) {
    this.#client = client;
  }

  request(selection: ExportSelection): ExportRequestInput {
    return {
      selection,
      format: this.format,
      options: { error: this.error, table: { boldBest: this.boldBest, siunitx: this.siunitx } },
    };
  }

  async refreshPreview(selection: ExportSelection | null): Promise<void> {
    const token = ++this.#previewToken;
    if (!selection) {
      this.preview = null;
      this.previewError = null;
      return;
    }
    try {
      const preview = await this.#client.call('export.preview', {
        ...this.request(selection),
        maxChars: PREVIEW_CHARS,
      });
      if (token !== this.#previewToken) return;
      this.preview = preview;
      this.previewError = null;
    } catch (error) {
      if (token !== this.#previewToken || isDisconnected(error)) return;
      this.preview = null;
      this.previewError = errorMessage(error);
    }
  }

  /** Serve mode: the browser downloads the file. */
  async download(selection: ExportSelection): Promise<void> {
    await this.#run(async () => {
      const name = await downloadServedExport(this.request(selection), this.preview?.fileName ?? 'export');
      return `Saved ${name}`;
    });
  }

  /** Desktop: written on this machine, atomically, at the path given. */
  async writeTo(selection: ExportSelection, path: string): Promise<void> {
    await this.#run(async () => {
      const written = await this.#client.call('export.write', { ...this.request(selection), path });
      return `Wrote ${written.path} (${written.bytes} bytes, SHA-256 ${written.sha256.slice(0, 12)}…)`;
    });
  }

  async #run(job: () => Promise<string>): Promise<void> {
    this.busy = true;
    this.failure = null;
    this.outcome = null;
    try {
      this.outcome = await job();
    } catch (error) {
      this.failure = errorMessage(error);
    } finally {
      this.busy = false;
    }
  }
}
