import {
  EXPORT_FORMATS,
  type ExportFormat,
  type ExportPreview,
  type ExportRequestInput,
  type ExportSelection,
} from '../../../shared/api/contract-export';
import { ExportWritten } from '../../../shared/api/contract-export';
import { InvokeOutcome } from '../../../shared/api/envelope';
import type { DesktopBridge } from '../../../shared/api/transport';
import { ApiError } from '../../../shared/api/errors';
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
 * and the file itself, downloaded by the browser in serve mode or, in the desktop app (whose window has no HTTP server
 * to download from), written where the native save dialog says.
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

  /**
   * Desktop: the main process asks where with the native save dialog (the suggested name is the preview's), then
   * writes there atomically. Cancel writes nothing and says so.
   */
  async saveWith(bridge: DesktopBridge, selection: ExportSelection): Promise<void> {
    await this.#run(async () => {
      const fileName = this.preview?.fileName ?? `export-${this.format}`;
      const outcome = InvokeOutcome.parse(await bridge.saveExport(this.request(selection), fileName));
      if (!outcome.ok) throw ApiError.fromBody(outcome.error);
      if (outcome.result === null) return 'Not saved (cancelled)';
      const written = ExportWritten.parse(outcome.result);
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
