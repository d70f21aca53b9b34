import path from 'node:path';
import { z } from 'zod';
import { ExportRequest, type ExportFormat } from '../../shared/api/contract-export';

/**
 * The desktop's "Save…" for data exports: the renderer sends what to export and the suggested file name; the main
 * process asks where with the native save dialog and only then calls export.write with the chosen path. The page never
 * types or sees a path before the user picked one, and a cancelled dialog writes nothing.
 */
export const SaveExportMessage = z.strictObject({
  /** export.write's request without its path: the dialog supplies that. */
  request: ExportRequest.extend({ progressId: z.string().min(1).max(100).optional() }),
  /** The name export.preview suggested (e.g. experiment-3-table.md): a bare file name, no folder. */
  fileName: z
    .string()
    .min(1)
    .max(255)
    .refine((name) => path.basename(name) === name && !/[\\/]/.test(name) && name !== '.' && name !== '..', {
      message: 'must be a file name without a folder',
    }),
});
export type SaveExportMessage = z.infer<typeof SaveExportMessage>;

export interface SaveFileFilter {
  name: string;
  extensions: string[];
}

/** What the save dialog offers per format: the format's own kind first, then anything (a user may rename). */
export const FORMAT_FILTERS: Record<ExportFormat, SaveFileFilter> = {
  'tidy-csv': { name: 'CSV (tidy)', extensions: ['csv'] },
  'wide-csv': { name: 'CSV (wide)', extensions: ['csv'] },
  'aggregate-csv': { name: 'CSV (aggregate)', extensions: ['csv'] },
  'specs-json': { name: 'JSON', extensions: ['json'] },
  'environment-json': { name: 'JSON', extensions: ['json'] },
  'table-latex': { name: 'LaTeX', extensions: ['tex'] },
  'table-markdown': { name: 'Markdown', extensions: ['md'] },
  'table-csv': { name: 'CSV', extensions: ['csv'] },
  'methods-markdown': { name: 'Markdown', extensions: ['md'] },
  'methods-latex': { name: 'LaTeX', extensions: ['tex'] },
  bibtex: { name: 'BibTeX', extensions: ['bib'] },
  bundle: { name: 'Zip bundle', extensions: ['zip'] },
};

/** The subset of Electron's SaveDialogOptions the shell fills in. */
export interface SaveDialogRequest {
  title: string;
  defaultPath: string;
  filters: SaveFileFilter[];
  properties: ('createDirectory' | 'showOverwriteConfirmation')[];
}

/** The parts of Electron's SaveDialogReturnValue the shell reads. */
export interface SaveDialogAnswer {
  canceled: boolean;
  filePath?: string;
}

export function saveDialogRequest(fileName: string, format: ExportFormat): SaveDialogRequest {
  return {
    title: 'Save export',
    defaultPath: fileName,
    filters: [FORMAT_FILTERS[format], { name: 'All files', extensions: ['*'] }],
    properties: ['createDirectory', 'showOverwriteConfirmation'],
  };
}

/** The chosen path, or null when the user cancelled (or the dialog returned no path). */
export function chosenPath(answer: SaveDialogAnswer): string | null {
  return !answer.canceled && answer.filePath ? answer.filePath : null;
}
