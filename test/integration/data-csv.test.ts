import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCsvRecords, readCsvSource } from '../../src-main/data/csv';
import { prepareSplits } from '../../src-main/data/prepare';
import { failure } from '../support/dataset-failure';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bl-csv-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

describe('CSV tables', () => {
  it('reads word labels as sorted classes, with quoted cells, CRLF and a byte-order mark', async () => {
    const file = write(
      'iris.csv',
      '\uFEFFsepal,"petal, width",species\r\n1.5,2,setosa\r\n3,"4",virginica\r\n\r\n-2e-1,0.5,setosa\r\n',
    );
    const source = await readCsvSource(file, null, { labelColumn: 'species' });
    expect(source.task).toBe('classification');
    expect(source.featureNames).toEqual(['sepal', 'petal, width']);
    expect(source.classNames).toEqual(['setosa', 'virginica']);
    expect(Array.from(source.train.x)).toEqual([1.5, 2, 3, 4, Math.fround(-0.2), 0.5]);
    expect(Array.from(source.train.y)).toEqual([0, 1, 0]);
  });

  it('orders integer labels numerically and treats 07 and 7 as one class', async () => {
    const file = write('ints.csv', 'a,label\n1,10\n2,9\n3,07\n4,7\n');
    const source = await readCsvSource(file, null);
    expect(source.classNames).toEqual(['7', '9', '10']);
    expect(Array.from(source.train.y)).toEqual([2, 1, 0, 0]);
  });

  it('reads fractional labels and several target columns as regression', async () => {
    const one = await readCsvSource(write('reg.csv', 'x,label\n1,0.5\n2,1.5\n'), null);
    expect(one.task).toBe('regression');
    expect(Array.from(one.train.y)).toEqual([0.5, 1.5]);
    const two = await readCsvSource(write('reg2.csv', 'y1,x,y2\n1,10,2\n3,20,4\n'), null, {
      labelColumn: ['y1', 'y2'],
    });
    expect(two.outputSize).toBe(2);
    expect(two.classNames).toEqual(['y1', 'y2']);
    expect(Array.from(two.train.x)).toEqual([10, 20]);
    expect(Array.from(two.train.y)).toEqual([1, 2, 3, 4]);
  });

  it('names the line and the column of a ragged row or a cell that is not a number', async () => {
    const ragged = await failure(readCsvSource(write('ragged.csv', 'a,b,label\n1,2,x\n3,4\n'), null));
    expect(ragged.kind).toBe('table');
    expect(ragged.message).toMatch(/ragged\.csv: line 3 has 2 cells but the header has 3 columns/);
    const word = await failure(readCsvSource(write('word.csv', 'a,b,label\n1,2,x\n3,four,y\n'), null));
    expect(word.message).toMatch(/word\.csv: line 3, column 2 \('b'\): 'four' is not a finite number/);
    const empty = await failure(readCsvSource(write('gap.csv', 'a,b,label\n1,,x\n'), null));
    expect(empty.message).toMatch(/line 2, column 2 \('b'\): is empty/);
    const nan = await failure(readCsvSource(write('nan.csv', 'a,label\nNaN,x\n'), null));
    expect(nan.message).toMatch(/'NaN' is not a finite number/);
  });

  it('names the missing label column and lists the columns there are', async () => {
    const error = await failure(readCsvSource(write('nolabel.csv', 'a,b,class\n1,2,x\n'), null));
    expect(error.message).toMatch(
      /nolabel\.csv: has no column 'label' for the label; the header has: 'a', 'b', 'class'/,
    );
    const ok = await readCsvSource(write('class.csv', 'a,b,class\n1,2,x\n'), null, { labelColumn: 'class' });
    expect(ok.featureNames).toEqual(['a', 'b']);
  });

  it('rejects empty files, tables without rows, duplicate columns and unclosed quotes', async () => {
    expect((await failure(readCsvSource(write('empty.csv', ''), null))).message).toMatch(/is empty/);
    expect((await failure(readCsvSource(write('header.csv', 'a,label\n'), null))).message).toMatch(
      /has a header but no data rows/,
    );
    expect((await failure(readCsvSource(write('dup.csv', 'a,a,label\n1,2,3\n'), null))).message).toMatch(
      /column name 'a' appears twice/,
    );
    expect(() => parseCsvRecords('a,label\n"1,2\n', 'open.csv', ',')).toThrow(
      /open\.csv: line 2: a quoted cell is never closed/,
    );
  });

  it('uses a test table with the same columns, refusing labels the training table lacks', async () => {
    const train = write('tr.csv', 'a;label\n1;cat\n2;dog\n');
    const test = write('te.csv', 'a;label\n3;dog\n');
    const source = await readCsvSource(train, test);
    expect(Array.from(source.test!.y)).toEqual([1]);
    const bad = write('te-bad.csv', 'a;label\n3;dog\n4;emu\n');
    expect((await failure(readCsvSource(train, bad))).message).toMatch(
      /te-bad\.csv: line 3: label 'emu' is not one of the classes of .*tr\.csv/,
    );
    const other = write('te-cols.csv', 'b;label\n3;dog\n');
    expect((await failure(readCsvSource(train, other))).kind).toBe('mismatch');
  });

  it('scales table features to [0, 1] with the training rows’ min and max', async () => {
    const rows = ['f,g,label', ...Array.from({ length: 40 }, (_, i) => `${i * 10},${-i},${i % 2}`)];
    const source = await readCsvSource(write('scale.csv', rows.join('\n')), null);
    const loaded = prepareSplits(source, { testFraction: 0.25, validationFraction: 0 });
    expect(loaded.split.scale).toBe('minmax');
    let min = Infinity;
    let max = -Infinity;
    for (const v of loaded.train.x) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    expect(min).toBe(0);
    expect(max).toBeCloseTo(1, 6);
    expect(loaded.scaling).not.toBeNull();
    const unscaled = prepareSplits(source, { testFraction: 0.25, validationFraction: 0, scale: false });
    expect(unscaled.split.scale).toBe('none');
    expect(Math.max(...unscaled.train.x)).toBeGreaterThan(100);
  });
});
