import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { FigureFile } from '../../../shared/export/figure-spec';
import { writeAtomically, type WrittenFile } from '../atomic-file';

/** The part of a portable Vega-Lite spec this file changes: its data, read from a file beside it. */
const PortableSpec = z.looseObject({ data: z.looseObject({ url: z.string() }) });

/** The spec and data files beside a figure: fig.svg → fig.vl.json and fig.data.json (as the Export view names them). */
export function figureSourcePaths(figurePath: string): { spec: string; data: string } {
  const base = figurePath.slice(0, figurePath.length - path.extname(figurePath).length);
  return { spec: `${base}.vl.json`, data: `${base}.data.json` };
}

/** The spec with its data read from `url` (a name relative to the spec), so that the pair opens wherever it is moved. */
function specReading(vegaLite: string, url: string): string {
  const spec = PortableSpec.parse(JSON.parse(vegaLite));
  return `${JSON.stringify({ ...spec, data: { ...spec.data, url } }, null, 2)}\n`;
}

/**
 * Writes a rendered figure to `target` and its Vega-Lite spec and data beside it, each atomically. The three go
 * together: when one cannot be written, those already written by this call are removed again, so that a failed
 * export leaves no figure without its source (or the reverse).
 */
export async function writeFigureFiles(file: FigureFile, target: string): Promise<WrittenFile[]> {
  const figure = path.resolve(target);
  const source = figureSourcePaths(figure);
  const parts: [string, string | Buffer][] = [
    [figure, file.encoding === 'base64' ? Buffer.from(file.content, 'base64') : file.content],
    [source.spec, specReading(file.vegaLite, path.basename(source.data))],
    [source.data, file.data],
  ];
  const written: WrittenFile[] = [];
  try {
    for (const [where, content] of parts) {
      written.push(await writeAtomically(where, async (sink) => void (await sink.write(content))));
    }
  } catch (error) {
    for (const done of written) fs.rmSync(done.path, { force: true });
    throw error;
  }
  return written;
}
