import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProgressThrottle } from '../../src-main/api/progress-throttle';
import { datasetHostOptions } from '../../src-main/serve/dataset-options';
import { formatBytes } from '../../src-renderer/lib/design/format-bytes';

let dir: string;
beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bl-dl-options-'))));
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('serve mode’s dataset download options', () => {
  it('takes the mirror from the flag before the environment, and refuses what is not an http(s) URL', () => {
    const env = { BROADCAST_LAB_DATASET_MIRROR: 'http://127.0.0.1:8000/env/' };
    expect(datasetHostOptions('http://127.0.0.1:9000/flag/', env)).toEqual({
      datasetMirror: 'http://127.0.0.1:9000/flag/',
    });
    expect(datasetHostOptions(undefined, env)).toEqual({ datasetMirror: 'http://127.0.0.1:8000/env/' });
    expect(datasetHostOptions(undefined, {})).toEqual({});
    expect(() => datasetHostOptions('ftp://mirror/', {})).toThrow('--dataset-mirror must be an http(s) URL');
    expect(() => datasetHostOptions('not a url', {})).toThrow('got not a url');
  });

  it('reads catalogue replacements from BROADCAST_LAB_DATASET_SOURCES, naming the file when one is wrong', () => {
    const file = path.join(dir, 'sources.json');
    const mnist = {
      title: 'MNIST',
      homepage: 'http://127.0.0.1/',
      mirrors: ['http://127.0.0.1:9/mnist/'],
      files: [{ name: 'a.gz', size: 10, checksum: { algorithm: 'sha256', hex: 'ab12' } }],
      extract: 'none',
    };
    fs.writeFileSync(file, JSON.stringify({ mnist }));
    expect(datasetHostOptions(undefined, { BROADCAST_LAB_DATASET_SOURCES: file })).toEqual({
      datasetSources: { mnist },
    });
    fs.writeFileSync(file, JSON.stringify({ mnist: { ...mnist, files: [{ ...mnist.files[0], size: -1 }] } }));
    const where = `${file} (BROADCAST_LAB_DATASET_SOURCES): `;
    expect(() => datasetHostOptions(undefined, { BROADCAST_LAB_DATASET_SOURCES: file })).toThrow(where);
    expect(() => datasetHostOptions(undefined, { BROADCAST_LAB_DATASET_SOURCES: file })).toThrow('mnist.files[0].size');
    fs.writeFileSync(file, '{ not json');
    expect(() => datasetHostOptions(undefined, { BROADCAST_LAB_DATASET_SOURCES: file })).toThrow(where);
  });
});

describe('download progress throttle', () => {
  it('passes one report per interval, and every change of phase at once', () => {
    let now = 0;
    const throttle = new ProgressThrottle(100, () => now);
    const passed: number[] = [];
    for (now = 0; now < 1000; now += 10) if (throttle.admit('downloading')) passed.push(now);
    expect(passed).toEqual([0, 100, 200, 300, 400, 500, 600, 700, 800, 900]);
    now = 905;
    expect(throttle.admit('extracting')).toBe(true);
    expect(throttle.admit('extracting')).toBe(false);
  });
});

describe('byte counts', () => {
  it('reads in decimal units', () => {
    expect(formatBytes(512)).toBe('512 bytes');
    expect(formatBytes(9_912_422)).toBe('9.9 MB');
    expect(formatBytes(251_000)).toBe('251 KB');
    expect(formatBytes(170_052_171)).toBe('170 MB');
  });
});
