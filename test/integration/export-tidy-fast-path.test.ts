import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ExportRequest } from '../../shared/api/contract-export';
import type { MetricPoint } from '../../shared/schemas/records';
import { exportToFile, previewExport } from '../../src-main/export';
import { PAGE_SIZE } from '../../src-main/export/series-pages';
import type { Store } from '../../src-main/store/types';
import { APP, parseCsv } from '../support/export-fixture';
import { openTestStore, removeDir, sampleSpec, tempDir } from './store-test-helpers';

/**
 * The tidy CSV's fast path (pages read into typed columns, rows written as bytes, epoch texts remembered per step)
 * against a CSV built here the plain way, from the points as they were given to the store: whole text equal, and
 * every value parsed back equal to the stored double.
 */

let dir: string;
let store: Store;
beforeEach(() => {
  dir = tempDir('bl-export-fast-');
  store = openTestStore(path.join(dir, 'db.sqlite'));
});
afterEach(() => {
  store.close();
  removeDir(dir);
});

/** Doubles whose shortest form is long, tiny, huge, negative, whole or needs an exponent. */
const AWKWARD = [
  1e-300,
  5e-324,
  2.2250738585072014e-308,
  -1.7976931348623157e308,
  0.1 + 0.2,
  -1 / 3,
  1e21,
  1e-7,
  123456789.125,
  -0,
  0,
  42,
  2 ** 53,
];

/** A field as RFC 4180 writes it, written out here rather than taken from the exporter. */
function field(value: string | number): string {
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

const pointKey = (p: MetricPoint) => `${p.name}\u0000${p.split}\u0000${p.step}`;

interface Written {
  runId: number;
  points: MetricPoint[];
  /** Wall time per point (name, split, step), undefined where its batch was stored without one. */
  times: Map<string, number | undefined>;
}

describe('tidy CSV fast path', () => {
  it('writes the same bytes as a plain formatting of the stored points, across pages and awkward values', async () => {
    const session = store.sessions.create({ name: 'Séance, "two"\nlines' });
    const spec = sampleSpec('Ablation, "λ ‖R‖"');
    const experiment = store.experiments.create(session.id, spec);
    const labels = ['EBD, "wide"', 'DFA ‖R‖'];
    const written: Written[] = [];
    // Runs 0 and 1 share their epochs at each step (as an experiment's runs do); run 2's differ at the same steps, so
    // the remembered epoch texts must not leak between runs.
    const lengths = [PAGE_SIZE * 2 + 5, PAGE_SIZE, 37];
    for (let r = 0; r < 3; r++) {
      const run = store.runs.create({
        experimentId: experiment.id,
        rule: r === 1 ? 'dfa' : 'ebd',
        seed: r + 1,
        status: 'completed',
        environment: { arm: r % 2, label: labels[r % 2]! },
      });
      const times = new Map<string, number | undefined>();
      const points: MetricPoint[] = [];
      const batch: MetricPoint[] = [];
      const flush = (time: number | undefined) => {
        store.metrics.insert(run.id, batch, time);
        for (const p of batch) times.set(pointKey(p), time);
        points.push(...batch);
        batch.length = 0;
      };
      for (let i = 0; i < lengths[r]!; i++) {
        const step = i * 3 + 1;
        const value = i < AWKWARD.length ? AWKWARD[i]! : Math.sin(i * (r + 1)) / (1 + i);
        const epoch = r === 2 ? step / 7 + 0.5 : step / 250;
        batch.push({ step, epoch, split: 'train', name: 'loss', value });
        if (i % 1000 === 999) batch.push({ step, epoch, split: 'validation', name: 'acc,"top-1"', value: 1 / i });
        // Batches of 500; every third one stored without a wall time (as imported points are).
        if (batch.length >= 500) flush(Math.floor(i / 500) % 3 === 2 ? undefined : Date.UTC(2026, 1, 2, 3, 4, 5) + i);
      }
      flush(Date.UTC(2030, 0, 1));
      written.push({ runId: run.id, points, times });
    }
    // A series' own later insert without a time: known and unknown times interleave inside one page.
    // Steps either side of 2^31 (written digit by digit below it) and the largest safe integer.
    const late: MetricPoint[] = [2 ** 31 - 1, 2 ** 31, 2 ** 53 - 1].map((step, i) => ({
      step,
      epoch: 4e6 + i,
      split: 'train',
      name: 'loss',
      value: 7 - i,
    }));
    store.metrics.insert(written[0]!.runId, late);
    for (const p of late) {
      written[0]!.points.push(p);
      written[0]!.times.set(pointKey(p), undefined);
    }

    // The plain computation: every point, in (run, metric name, split, step) order.
    let expected =
      'run_id,experiment_id,experiment,session_id,session,rule,arm_label,seed,epoch,step,split,metric,value,wall_time\n';
    let expectedRows = 0;
    written.forEach(({ runId, points, times }, r) => {
      const series = new Map<string, MetricPoint[]>();
      for (const p of points) {
        const key = `${p.name}\u0000${p.split}`;
        const list = series.get(key);
        if (list) list.push(p);
        else series.set(key, [p]);
      }
      for (const key of [...series.keys()].sort()) {
        for (const p of series.get(key)!.sort((a, b) => a.step - b.step)) {
          const time = times.get(pointKey(p));
          expected += [
            runId,
            experiment.id,
            field(experiment.name),
            session.id,
            field(session.name),
            r === 1 ? 'dfa' : 'ebd',
            field(labels[r % 2]!),
            r + 1,
            String(p.epoch),
            String(p.step),
            p.split,
            field(p.name),
            String(p.value),
            time === undefined ? '' : new Date(time).toISOString(),
          ].join(',');
          expected += '\n';
          expectedRows++;
        }
      }
    });

    const file = path.join(dir, 'tidy.csv');
    const request = ExportRequest.parse({
      selection: { kind: 'runs', runIds: written.map((w) => w.runId) },
      format: 'tidy-csv',
    });
    const result = await exportToFile(store, request, file, APP);
    const text = fs.readFileSync(file, 'utf8');
    expect(text).toBe(expected);
    expect(result.bytes).toBe(Buffer.byteLength(expected, 'utf8'));

    // Parsed back, each value is the stored double (compared with Object.is: a sign or a last bit would show).
    const rows = parseCsv(text);
    expect(rows).toHaveLength(expectedRows + 1);
    for (const { runId, points } of written) {
      const bySeries = new Map<string, Map<number, number>>();
      for (const row of rows.slice(1).filter((r) => r[0] === String(runId))) {
        const key = `${row[11]}/${row[10]}`;
        if (!bySeries.has(key)) bySeries.set(key, new Map());
        bySeries.get(key)!.set(Number(row[9]), Number(row[12]));
      }
      const stored = new Map<string, number>();
      for (const { name, split } of store.metrics.names(runId)) {
        for (const [step, , value] of store.metrics.page(runId, name, split, -1, 1_000_000)) {
          stored.set(`${name}/${split}/${step}`, value);
        }
      }
      let mismatches = 0;
      for (const p of points) {
        const value = stored.get(`${p.name}/${p.split}/${p.step}`);
        if (!Object.is(bySeries.get(`${p.name}/${p.split}`)?.get(p.step), value)) mismatches++;
        // SQLite keeps no sign on a zero; every other value is the one given.
        if (!Object.is(value, Object.is(p.value, -0) ? 0 : p.value)) mismatches++;
      }
      expect(mismatches).toBe(0);
    }

    // The preview shows the start of the same bytes.
    const preview = await previewExport(store, request, APP, 5000);
    expect(preview.truncated).toBe(true);
    expect(preview.text).toBe(expected.slice(0, 5000));
  });

  it('reads pages into columns exactly as the row pages, whatever the page size', () => {
    const run = store.runs.create({
      experimentId: store.experiments.create(store.sessions.create({ name: 's' }).id, sampleSpec()).id,
      rule: 'ebd',
      seed: 1,
      status: 'completed',
      environment: { arm: 0 },
    });
    const points: MetricPoint[] = Array.from({ length: 103 }, (_, i) => ({
      step: i * i,
      epoch: i / 10,
      split: 'train',
      name: 'loss',
      value: AWKWARD[i % AWKWARD.length]! + i,
    }));
    store.metrics.insert(run.id, points.slice(0, 50), 1_700_000_000_000);
    store.metrics.insert(run.id, points.slice(50));
    const rows = store.metrics.page(run.id, 'loss', 'train', -1, 1000);
    for (const size of [1, 7, 103, 500]) {
      const into = columns(size);
      const read: (number | null)[][] = [];
      for (let after = -1; ;) {
        const count = store.metrics.pageInto(run.id, 'loss', 'train', after, into);
        expect(count).toBeLessThanOrEqual(size);
        for (let i = 0; i < count; i++) {
          const time = into.wallTime[i]!;
          read.push([into.step[i]!, into.epoch[i]!, into.value[i]!, Number.isNaN(time) ? null : time]);
        }
        if (count < size) break;
        after = into.step[count - 1]!;
      }
      expect(read).toEqual(rows);
    }
    expect(store.metrics.pageInto(run.id, 'no such metric', 'train', -1, columns(4))).toBe(0);
  });

  it('refuses NaN and infinite values at the store, so that no export has to write them', () => {
    const run = store.runs.create({
      experimentId: store.experiments.create(store.sessions.create({ name: 's' }).id, sampleSpec()).id,
      rule: 'ebd',
      seed: 1,
      status: 'completed',
      environment: { arm: 0 },
    });
    for (const value of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      expect(() => store.metrics.insert(run.id, [{ step: 1, epoch: 0, split: 'train', name: 'loss', value }])).toThrow(
        /the value must be finite/,
      );
    }
    expect(store.metrics.names(run.id)).toEqual([]);
  });
});

function columns(size: number) {
  return {
    step: new Float64Array(size),
    epoch: new Float64Array(size),
    value: new Float64Array(size),
    wallTime: new Float64Array(size),
  };
}
