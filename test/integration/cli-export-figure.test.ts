import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../src-main/cli';
import { DATABASE_FILE } from '../../src-main/data-dir';
import { openStore } from '../../src-main/store';
import { writeExperiment } from '../support/export-fixture';
import { elements, parseSvg, textsIn } from '../support/svg-figure';
import { testTrainingLauncher } from '../support/training-launcher';

/**
 * `broadcast-lab export … --figure KIND` against a real data folder: the figure goes through export.figure and is
 * written with its Vega-Lite spec and data beside it, and bad input is a usage error or a clear failure.
 */

let dir: string;
let out: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bl-cli-figure-'));
  out = path.join(dir, 'figures');
  fs.mkdirSync(out);
  const store = openStore({ path: path.join(dir, DATABASE_FILE) });
  writeExperiment(store, { stepsPerEpoch: 10 });
  store.close();
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

async function cli(...argv: string[]) {
  const lines = { out: [] as string[], err: [] as string[] };
  const code = await runCli([...argv, '--data', dir], {
    io: { out: (l) => lines.out.push(l), err: (l) => lines.err.push(l) },
    launch: testTrainingLauncher,
  });
  return { code, out: lines.out.join('\n'), err: lines.err.join('\n') };
}

/** The PNG's chunk of the given type, read from the file's own bytes. */
function pngChunk(png: Buffer, type: string): Buffer {
  expect(png.subarray(0, 8).toString('latin1')).toBe('\x89PNG\r\n\x1a\n');
  for (let at = 8; at < png.length;) {
    const length = png.readUInt32BE(at);
    if (png.toString('latin1', at + 4, at + 8) === type) return png.subarray(at + 8, at + 8 + length);
    at += 12 + length;
  }
  throw new Error(`no ${type} chunk`);
}

describe('broadcast-lab export --figure', () => {
  it('writes an SVG with its axis title as text, and its spec and data beside it', async () => {
    const svgPath = path.join(out, 'fig1.svg');
    const result = await cli('export', 'experiment', '1', '--figure', 'learning-curves', '--out', svgPath);
    expect(result.err).toMatch(/^runs 1, 2, 3, 4: /);
    expect(result.code).toBe(0);
    const spec = path.join(out, 'fig1.vl.json');
    const data = path.join(out, 'fig1.data.json');
    expect(result.out.split('\n')).toEqual([svgPath, spec, data]);
    expect(fs.readdirSync(out).sort()).toEqual(['fig1.data.json', 'fig1.svg', 'fig1.vl.json']);

    const svg = parseSvg(fs.readFileSync(svgPath, 'utf8'));
    expect(textsIn(svg, 'role-axis-title')).toContain('Test accuracy');
    expect(elements(svg, 'text').length).toBeGreaterThan(5);
    // The spec reads the data file beside it by its new name, so that the pair opens in the Vega editor.
    const vl = JSON.parse(fs.readFileSync(spec, 'utf8')) as { $schema: string; data: { url: string } };
    expect(vl.$schema).toMatch(/vega-lite/);
    expect(vl.data.url).toBe('fig1.data.json');
    const rows = JSON.parse(fs.readFileSync(data, 'utf8')) as { layer: string; n?: number }[];
    expect(rows.filter((r) => r.layer === 'mean').every((r) => r.n === 2)).toBe(true);
  });

  it('writes a PNG of the double column at 600 dpi from --format, and final-best with --error', async () => {
    const pngPath = path.join(out, 'curves.img');
    const png = await cli(
      'export',
      'experiment',
      '1',
      '--figure',
      'final-best',
      '--out',
      pngPath,
      '--format',
      'png',
      '--column',
      'double',
      '--dpi',
      '600',
      '--metric',
      'loss',
      '--split',
      'validation',
      '--error',
      'sem',
    );
    expect([png.code, png.err.split(':')[0]]).toEqual([0, 'runs 1, 2, 3, 4']);
    expect(png.err).toMatch(/standard error/i);
    const bytes = fs.readFileSync(pngPath);
    expect(pngChunk(bytes, 'IHDR').readUInt32BE(0)).toBe(Math.round(7.2 * 600));
    expect(Math.round(pngChunk(bytes, 'pHYs').readUInt32BE(0) * 0.0254)).toBe(600);
    expect(fs.existsSync(path.join(out, 'curves.vl.json'))).toBe(true);
  });

  it('refuses a bad kind, option or metric with a clear message and writes nothing', async () => {
    const target = path.join(out, 'x.svg');
    const badKind = await cli('export', 'experiment', '1', '--figure', 'histogram', '--out', target);
    expect([badKind.code, badKind.err.split('\n')[0]]).toEqual([
      2,
      'broadcast-lab: --figure must be one of learning-curves, final-best, layer-diagnostics, factor-distributions, got "histogram"',
    ]);
    expect(badKind.err).toContain('--figure KIND');

    const badExtension = await cli('export', 'run', '1', '--figure', 'final-best', '--out', path.join(out, 'x.zip'));
    expect([badExtension.code, badExtension.err.split('\n')[0]]).toEqual([
      2,
      'broadcast-lab: --figure writes .svg, .pdf or .png: "x.zip" does not say which (or give --format)',
    ]);
    const mismatch = await cli('export', 'run', '1', '--figure', 'final-best', '--out', target, '--format', 'pdf');
    expect(mismatch.err.split('\n')[0]).toBe(
      "broadcast-lab: --format pdf does not match --out's .svg: give one or the other",
    );
    const badDpi = await cli('export', 'run', '1', '--figure', 'final-best', '--out', target, '--dpi', '600');
    expect([badDpi.code, badDpi.err.split('\n')[0]]).toEqual([
      2,
      'broadcast-lab: --dpi is for .png figures; this one is svg',
    ]);
    const noFigure = await cli('export', 'run', '1', '--out', path.join(out, 'x.csv'), '--column', 'double');
    expect(noFigure.err.split('\n')[0]).toBe('broadcast-lab: --column is for figures: add --figure KIND');

    const unknownMetric = await cli(
      'export',
      'experiment',
      '1',
      '--figure',
      'learning-curves',
      '--out',
      target,
      '--metric',
      'acc',
    );
    expect([unknownMetric.code, unknownMetric.err]).toEqual([
      1,
      'broadcast-lab: no stored points of test/acc in the chosen runs: pick a metric they recorded',
    ]);
    const unknownRun = await cli('export', 'run', '99', '--figure', 'learning-curves', '--out', target);
    expect([unknownRun.code, unknownRun.err]).toEqual([1, 'broadcast-lab: No run with id 99.']);

    const nowhere = path.join(dir, 'no-such-folder', 'x.svg');
    const unwritable = await cli('export', 'run', '1', '--figure', 'learning-curves', '--out', nowhere);
    expect([unwritable.code, unwritable.err]).toEqual([
      1,
      `broadcast-lab: Cannot write ${nowhere}: the folder does not exist.`,
    ]);
    expect(fs.readdirSync(out)).toEqual([]);

    // The figure goes with its source: when the spec cannot be written, the figure written before it is removed.
    fs.mkdirSync(path.join(out, 'fig.vl.json'));
    const blocked = await cli('export', 'run', '1', '--figure', 'learning-curves', '--out', path.join(out, 'fig.svg'));
    expect([blocked.code, blocked.err]).toEqual([
      1,
      `broadcast-lab: Cannot write ${path.join(out, 'fig.vl.json')}: it is a folder; give a file name.`,
    ]);
    expect(fs.readdirSync(out)).toEqual(['fig.vl.json']);
  });
});
