import type { ExportPreview, ExportRequest, ExportWritten } from '../../shared/api/contract-export';
import { writeAtomically } from './atomic-file';
import { bundleParts, bundleReadme, writeBundle } from './bundle';
import type { AppIdentity, ExportContext, ExportProgress } from './context';
import { FORMAT_FILES, produceText, suggestedFileName } from './formats';
import { partialRuns, resolveSelection } from './selection';
import { PreviewFull, previewSink, type TextSink } from './text-sink';
import type { Store } from '../store/types';

export type { AppIdentity, ExportProgress } from './context';
export { verifyBundle } from './verify-bundle';

function context(store: Store, request: ExportRequest, app: AppIdentity, progress?: ExportProgress): ExportContext {
  return { store, selection: resolveSelection(store, request.selection), options: request.options, app, progress };
}

function produce(ctx: ExportContext, request: ExportRequest, sink: TextSink): Promise<void> {
  return request.format === 'bundle' ? writeBundle(ctx, sink) : produceText(ctx, request.format, sink);
}

/** Writes the export to `target` atomically: the whole file, or (on any failure) no file and the old one untouched. */
export async function exportToFile(
  store: Store,
  request: ExportRequest,
  target: string,
  app: AppIdentity,
  progress?: ExportProgress,
): Promise<ExportWritten> {
  const ctx = context(store, request, app, progress);
  const written = await writeAtomically(target, (sink) => produce(ctx, request, sink));
  return { ...written, partialRuns: partialRuns(ctx.selection) };
}

/** The start of what exportToFile would write (a bundle: its README, which lists every file). */
export async function previewExport(
  store: Store,
  request: ExportRequest,
  app: AppIdentity,
  maxChars: number,
): Promise<ExportPreview> {
  const ctx = context(store, request, app);
  const sink = previewSink(maxChars);
  try {
    if (request.format === 'bundle') {
      await sink.write(bundleReadme(ctx, bundleParts(ctx), []));
    } else {
      await produceText(ctx, request.format, sink);
    }
  } catch (error) {
    if (!(error instanceof PreviewFull)) throw error;
  }
  return {
    fileName: suggestedFileName(ctx, request.format),
    mediaType: FORMAT_FILES[request.format].mediaType,
    text: sink.text(),
    truncated: sink.truncated(),
    partialRuns: partialRuns(ctx.selection),
  };
}
