import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ExperimentSpec } from '../../shared/schemas/experiment';
import { FigureSpec, type FigureSpecInput } from '../../shared/export/figure-spec';
import type { FigureFile } from '../../shared/export/figure-spec';
import type { ExportSelection } from '../../shared/api/contract-export';
import { ApiError } from '../../shared/api/errors';
import { figureContext } from '../../src-main/export/figures/figure-context';
import { renderFigure, previewFigure } from '../../src-main/export/figures/render-figure';
import type { Store } from '../../src-main/store/types';
import { axisMap, elements, hasClass, parseSvg, pathVertices, textsIn } from '../support/svg-figure';
import { openTestStore, prng, removeDir, tempDir } from './store-test-helpers';

/**
 * Figures from a real SQLite file: 2 rules × 2 seeds with test accuracy and per-layer diagnostics, rendered to SVG,
 * PDF and PNG and checked the way a journal or a reader would (poppler for the PDF, the PNG's own chunks, the SVG as
 * strict XML whose marks map back to the stored numbers through its own axes).
 */

const STEPS = Array.from({ length: 12 }, (_, i) => i * 25);
let dir: string;
let store: Store;
let experimentId: number;
/** Stored test accuracy by rule, then seed, then step. */
const stored = new Map<string, Map<number, Map<number, number>>>();

beforeAll(() => {
  dir = tempDir('bl-figures-');
  store = openTestStore(path.join(dir, 'lab.sqlite'));
  const session = store.sessions.create({ name: 'Figures' });
  const spec = ExperimentSpec.parse({
    name: 'EBD vs BP',
    dataset: { name: 'gaussian-mixture' },
    network: { hidden: [{ units: 8 }, { units: 8 }] },
    rules: [{ rule: 'ebd' }, { rule: 'bp' }],
    seeds: [1, 2],
    epochs: 3,
    batchSize: 16,
  });
  experimentId = store.experiments.create(session.id, spec).id;
  const random = prng(7);
  spec.rules.forEach((arm, armIndex) => {
    const bySeed = new Map<number, Map<number, number>>();
    stored.set(arm.rule, bySeed);
    for (const seed of spec.seeds) {
      const run = store.runs.create({
        experimentId,
        rule: arm.rule,
        seed,
        status: 'completed',
        environment: { arm: armIndex },
      });
      const values = new Map<number, number>();
      bySeed.set(seed, values);
      const points = STEPS.flatMap((step, i) => {
        const value = 0.3 + 0.05 * i + (arm.rule === 'bp' ? 0.1 : 0) + 0.04 * random();
        values.set(step, value);
        const diagnostics = [1, 2].flatMap((layer) =>
          ['decorrelation_norm', 'bp_cosine', 'activation_power'].map((m) => ({
            step,
            epoch: step / 100,
            split: 'diagnostic' as const,
            name: `layer${layer}.${m}`,
            value: random() * layer,
          })),
        );
        // Factor quantiles q05…q95 spread evenly around a random median.
        const factors = [1, 2].flatMap((layer) =>
          ['pre', 'post', 'mod'].flatMap((factor) => {
            const median = random();
            return ['q05', 'q25', 'q50', 'q75', 'q95'].map((q, k) => ({
              step,
              epoch: step / 100,
              split: 'diagnostic' as const,
              name: `layer${layer}.${factor}.${q}`,
              value: median + (k - 2) * 0.1,
            }));
          }),
        );
        return [
          { step, epoch: step / 100, split: 'test' as const, name: 'accuracy', value },
          ...diagnostics,
          ...factors,
        ];
      });
      store.metrics.insert(run.id, points);
    }
  });
});

afterAll(() => {
  store?.close();
  if (dir) removeDir(dir);
});

const experiment = (): ExportSelection => ({ kind: 'experiment', experimentId });

async function render(input: FigureSpecInput, selection = experiment()): Promise<FigureFile> {
  return renderFigure(FigureSpec.parse(input), figureContext(store, selection, '9.8.7'));
}

function write(file: FigureFile): string {
  const out = path.join(dir, file.fileName);
  fs.writeFileSync(out, Buffer.from(file.content, file.encoding));
  return out;
}

const poppler = (tool: string, ...args: string[]) => execFileSync(tool, args, { encoding: 'utf8' });

describe('SVG', () => {
  test('is strict XML whose titles, ticks and legend are <text>, with the runs and version in its metadata', async () => {
    const file = await render({ kind: 'learning-curves', metrics: ['accuracy'], split: 'test', seeds: true });
    expect(file.mimeType).toBe('image/svg+xml');
    const root = parseSvg(file.content);
    expect(root.getAttribute('width')).toBe('3.5in');
    expect(textsIn(root, 'role-axis-title')).toEqual(['Step', 'Test accuracy']);
    expect(textsIn(root, 'role-legend-label')).toEqual(['EBD (N=2)', 'BP (N=2)']);
    const ticks = textsIn(root, 'role-axis-label');
    expect(ticks.length).toBeGreaterThanOrEqual(4);
    expect(ticks.every((t) => /^-?[\d.,]+$/.test(t))).toBe(true);
    for (const text of elements(root, 'text')) expect(text.getAttribute('font-family')).toBe('DejaVu Sans');
    const [title] = elements(root, 'title');
    expect(title?.textContent).toContain('runs 1, 2, 3, 4');
    const metadata = JSON.parse(elements(root, 'metadata')[0]?.textContent ?? '{}') as Record<string, unknown>;
    expect(metadata).toMatchObject({ generator: 'Broadcast Lab 9.8.7', runs: [1, 2, 3, 4] });
    expect(file.caption).toContain('no smoothing');
    // Faint seeds: one thin, translucent line per run under the means.
    const seedLines = elements(root, 'path').filter((p) => /; run: \d+$/.test(p.getAttribute('aria-label') ?? ''));
    expect(seedLines.map((p) => /run: (\d+)$/.exec(p.getAttribute('aria-label') ?? '')?.[1]).sort()).toEqual([
      '1',
      '2',
      '3',
      '4',
    ]);
    for (const line of seedLines) expect(Number(line.getAttribute('opacity'))).toBeLessThan(0.5);
  });

  test('plots each mean where the axes put the stored mean of its seeds, within a pixel', async () => {
    const file = await render({ kind: 'learning-curves', metrics: ['accuracy'], split: 'test', error: 'sem' });
    const root = parseSvg(file.content);
    const x = axisMap(root, 'X-axis', 'x');
    const y = axisMap(root, 'Y-axis', 'y');
    const lines = elements(root, 'g')
      .filter((g) => hasClass(g, 'mark-line'))
      .flatMap((g) => elements(g, 'path'));
    for (const [rule, colour] of [
      ['ebd', '#E69F00'],
      ['bp', '#000000'],
    ] as const) {
      const line = lines.find((p) => p.getAttribute('stroke')?.toUpperCase() === colour);
      expect(line, `the ${rule} mean line`).toBeDefined();
      const seeds = [...stored.get(rule)!.values()];
      const vertices = pathVertices(line!);
      expect(vertices.length).toBe(STEPS.length);
      // One pixel in value units: the mapping's slope, taken from the axis.
      const xPixel = Math.abs(x.toValue(1) - x.toValue(0));
      const yPixel = Math.abs(y.toValue(1) - y.toValue(0));
      vertices.forEach(([px, py], i) => {
        const step = STEPS[i]!;
        const mean = seeds.reduce((s, v) => s + v.get(step)!, 0) / seeds.length;
        expect(Math.abs(x.toValue(px) - step)).toBeLessThanOrEqual(xPixel);
        expect(Math.abs(y.toValue(py) - mean)).toBeLessThanOrEqual(yPixel);
      });
    }
    // The data written beside it holds the same means, and the Vega-Lite spec reads that file.
    const rows = JSON.parse(file.data) as { layer: string; group: string; x: number; mean: number }[];
    const ebd = stored.get('ebd')!;
    const at100 = rows.find((r) => r.layer === 'mean' && r.group === 'EBD (N=2)' && r.x === 100);
    expect(at100?.mean).toBe((ebd.get(1)!.get(100)! + ebd.get(2)!.get(100)!) / 2);
    expect(JSON.parse(file.vegaLite)).toMatchObject({ data: { url: file.dataFileName } });
  });

  test('final and best: one point per rule with its error bar; diagnostics: a panel per layer and metric', async () => {
    const points = parseSvg(
      (await render({ kind: 'final-best', metrics: ['accuracy'], split: 'test', error: 'ci95' })).content,
    );
    expect(textsIn(points, 'role-axis-title')).toEqual(['Final test accuracy', 'Best test accuracy']);
    const symbols = elements(points, 'g').filter((g) => hasClass(g, 'mark-symbol') && hasClass(g, 'role-mark'));
    expect(symbols.flatMap((g) => elements(g, 'path')).length).toBe(4);

    const preview = await previewFigure(
      FigureSpec.parse({ kind: 'layer-diagnostics', metrics: ['decorrelation_norm', 'bp_cosine'], preset: 'double' }),
      figureContext(store, experiment(), '9.8.7'),
    );
    const diag = parseSvg(preview.svg);
    expect(diag.getAttribute('width')).toBe('7.2in');
    expect(textsIn(diag, 'role-title-text')).toEqual(['Layer 1', 'Layer 2']);
    expect(textsIn(diag, 'role-axis-title').filter((t) => t !== 'Step')).toEqual([
      'Decorrelation ‖R‖',
      'Decorrelation ‖R‖',
      'BP cosine',
      'BP cosine',
    ]);
  });
});

describe('three-factor distributions', () => {
  test('one panel per factor and layer; median and bands are the stored quantiles averaged over seeds', async () => {
    const file = await render({ kind: 'factor-distributions', metrics: ['pre', 'mod'], preset: 'double' });
    const root = parseSvg(file.content);
    expect(textsIn(root, 'role-title-text')).toEqual(['Layer 1', 'Layer 2']);
    expect(textsIn(root, 'role-axis-title').filter((t) => t !== 'Step')).toEqual([
      'Presynaptic factor',
      'Presynaptic factor',
      'Modulatory factor',
      'Modulatory factor',
    ]);
    const stored = new Map<string, number>();
    const ebdRuns = store.runs.list({ experimentId }).filter((r) => r.rule === 'ebd');
    expect(ebdRuns.length).toBe(2);
    for (const run of ebdRuns) {
      for (const q of ['q05', 'q25', 'q50', 'q75', 'q95']) {
        const point = store.metrics.series({ runId: run.id, name: `layer2.mod.${q}`, split: 'diagnostic' }).points[3]!;
        stored.set(`${run.id}|${q}`, point.value);
        stored.set('step', point.step);
      }
    }
    const mean = (q: string) => ebdRuns.reduce((sum, run) => sum + (stored.get(`${run.id}|${q}`) ?? NaN), 0) / 2;
    const rows = JSON.parse(file.data) as { layer: string; panel: string; group: string; x: number }[];
    const at = (layer: string) =>
      rows.find(
        (r) => r.layer === layer && r.panel === 'f1-l2' && r.group === 'EBD (N=2)' && r.x === stored.get('step'),
      );
    expect(at('mean')).toMatchObject({ mean: mean('q50'), lower: mean('q25'), upper: mean('q75'), n: 2 });
    expect(at('outer')).toMatchObject({ lower: mean('q05'), upper: mean('q95') });
    expect(file.caption).toContain('5–95%');
  });

  test('a factor that is not one of pre, post, mod is refused, naming the choices', async () => {
    await expect(render({ kind: 'factor-distributions', metrics: ['pre', 'bp_cosine'] })).rejects.toThrow(
      'a factor-distributions figure plots the factors pre, post, mod; got bp_cosine',
    );
  });
});

describe('PDF', () => {
  test('has the preset’s page size, only embedded fonts, the titles and legend as text, and ink on the page', async () => {
    const file = await render({ kind: 'learning-curves', metrics: ['accuracy'], split: 'test', format: 'pdf' });
    expect(file.mimeType).toBe('application/pdf');
    const pdf = write(file);
    const info = poppler('pdfinfo', pdf);
    const size = /Page size:\s+([\d.]+) x ([\d.]+) pts/.exec(info);
    expect(Number(size?.[1])).toBeCloseTo(252, 1);
    expect(info).toMatch(/Creator:\s+Broadcast Lab 9\.8\.7/);
    expect(info).toMatch(/Keywords:\s+runs 1, 2, 3, 4/);
    const fonts = poppler('pdffonts', pdf).trim().split('\n').slice(2);
    expect(fonts.length).toBeGreaterThan(0);
    for (const line of fonts) {
      expect(line).toContain('DejaVuSans');
      // Columns: name, type, encoding, emb, sub, uni, object, id.
      expect(line.split(/\s+/).slice(-5, -2)[0], line).toBe('yes');
    }
    const text = poppler('pdftotext', pdf, '-');
    for (const words of ['Step', 'Test accuracy', 'EBD (N=2)', 'BP (N=2)']) expect(text).toContain(words);
    execFileSync('pdftoppm', ['-r', '40', '-gray', '-singlefile', pdf, path.join(dir, 'page')]);
    const pgm = fs.readFileSync(path.join(dir, 'page.pgm'));
    const header = /^P5\s+(\d+)\s+(\d+)\s+255\s/.exec(pgm.toString('latin1', 0, 40));
    expect(header).not.toBeNull();
    const pixels = pgm.subarray(pgm.length - Number(header![1]) * Number(header![2]));
    const dark = pixels.filter((v) => v < 128).length;
    expect(dark / pixels.length).toBeGreaterThan(0.01);
  });

  test('double column: a 7.2 in page', async () => {
    const file = await render({ kind: 'final-best', metrics: ['accuracy'], preset: 'double', format: 'pdf' });
    const info = poppler('pdfinfo', write(file));
    expect(Number(/Page size:\s+([\d.]+) x/.exec(info)?.[1])).toBeCloseTo(518.4, 1);
  });
});

/** Chunks of a PNG, each with its CRC checked. */
function pngChunks(png: Buffer): { type: string; data: Buffer }[] {
  expect(png.subarray(0, 8).toString('latin1')).toBe('\x89PNG\r\n\x1a\n');
  const chunks: { type: string; data: Buffer }[] = [];
  for (let at = 8; at < png.length;) {
    const length = png.readUInt32BE(at);
    const type = png.toString('latin1', at + 4, at + 8);
    expect(png.readUInt32BE(at + 8 + length)).toBe(crc32(png.subarray(at + 4, at + 8 + length)) >>> 0);
    chunks.push({ type, data: png.subarray(at + 8, at + 8 + length) });
    at += 12 + length;
  }
  return chunks;
}

describe('PNG', () => {
  test.each([300, 600] as const)('at %i dpi: the column width in pixels, and pHYs says the dpi', async (dpi) => {
    const file = await render({ kind: 'learning-curves', metrics: ['accuracy'], format: 'png', dpi });
    const png = Buffer.from(file.content, 'base64');
    const chunks = pngChunks(png);
    const ihdr = chunks[0]!;
    expect(ihdr.type).toBe('IHDR');
    expect(ihdr.data.readUInt32BE(0)).toBe(Math.round(3.5 * dpi));
    const phys = chunks.find((c) => c.type === 'pHYs')!;
    expect(phys.data.readUInt8(8)).toBe(1);
    expect(Math.round(phys.data.readUInt32BE(0) * 0.0254)).toBe(dpi);
    expect(chunks.findIndex((c) => c.type === 'pHYs')).toBeLessThan(chunks.findIndex((c) => c.type === 'IDAT'));
    const texts = chunks.filter((c) => c.type === 'tEXt').map((c) => c.data.toString('latin1'));
    expect(texts).toContain('Software\0Broadcast Lab 9.8.7');
    expect(texts).toContain('Comment\0runs 1, 2, 3, 4');
  });
});

describe('bad input', () => {
  test('a metric the runs never recorded is named in the error', async () => {
    await expect(render({ kind: 'learning-curves', metrics: ['acuracy'], split: 'test' })).rejects.toThrow(
      /no stored points of test\/acuracy/,
    );
  });

  test('a run that does not exist is not_found, naming its id', async () => {
    const missing = render({ kind: 'learning-curves', metrics: ['accuracy'] }, { kind: 'runs', runIds: [1, 999] });
    await expect(missing).rejects.toThrow(ApiError);
    await expect(missing).rejects.toThrow('No run with id 999.');
  });

  test('the spec refuses a text size outside 7–9 pt and a dpi other than 300 or 600, naming the field', () => {
    const result = FigureSpec.safeParse({ kind: 'learning-curves', metrics: ['accuracy'], fontSize: 12, dpi: 72 });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path.join('.')).sort()).toEqual(['dpi', 'fontSize']);
  });
});
