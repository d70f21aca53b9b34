import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const FONT_FILE = path.join('assets', 'fonts', 'DejaVuSans.ttf');

/**
 * The TTF every figure is set in (DejaVu Sans, shipped in assets/fonts with its licence): resvg draws the PNG with
 * it and the PDF embeds it, so that a figure looks the same on every machine and no text falls back to a font the
 * reader lacks. Looked for above this module (the source tree in tests, out/main in the build) and in an Electron
 * package's resources folder.
 */
export function figureFontPath(): string {
  const candidates: string[] = [];
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    candidates.push(path.join(dir, FONT_FILE));
    dir = path.dirname(dir);
  }
  const resources = (process as { resourcesPath?: string }).resourcesPath;
  if (resources) candidates.push(path.join(resources, FONT_FILE));
  const found = candidates.find((file) => fs.existsSync(file));
  if (!found) {
    throw new Error(`the figure font ${FONT_FILE} is missing (looked in ${candidates.join(', ')}); reinstall the app`);
  }
  return found;
}
