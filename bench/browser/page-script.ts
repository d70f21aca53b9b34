import { build } from 'esbuild';

/**
 * A TypeScript file bundled into one script for page.addInitScript. Functions passed to page.evaluate straight
 * from a tsx-run file carry tsx's __name helper, which the page lacks; a bundle built here does not.
 */
export async function pageScript(entry: string): Promise<string> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    format: 'iife',
    target: 'chrome120',
    write: false,
    logLevel: 'silent',
  });
  const file = result.outputFiles[0];
  if (!file) throw new Error(`esbuild produced nothing for ${entry}`);
  return file.text;
}
