import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { build } from 'vite';

/**
 * Builds a bench page (a folder with an index.html) with the renderer's settings (electron.config.ts: Vite and
 * the Svelte plugin) in production mode, so that the page runs the same compiled Svelte and chart.js as the app.
 * Returns the temporary output folder; the caller removes it.
 */
export async function buildPage(pageDir: string): Promise<string> {
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bl-bench-page-'));
  await build({
    root: path.resolve(pageDir),
    base: './',
    mode: 'production',
    configFile: false,
    logLevel: 'warn',
    plugins: [svelte()],
    worker: { format: 'es' },
    build: { outDir, emptyOutDir: true, reportCompressedSize: false, minify: process.env.BENCH_MINIFY !== '0' },
  });
  return outDir;
}
