/**
 * Serve mode's export downloads over a real socket: POST /api/export answers with the file and
 * Content-Disposition, only with the token in the Authorization header, and a bad request is an error answer.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApiHost, type ApiHost } from '../../src-main/api/host';
import { DOWNLOAD_PATH, startServer, type RunningServer } from '../../src-main/serve/http-server';
import { csvRecords, writeExperiment } from '../support/export-fixture';
import { testTrainingLauncher } from '../support/training-launcher';

const TOKEN = 'download-token-0123456789abcdef';
let dir: string;
let host: ApiHost;
let server: RunningServer;
let experimentId: number;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bl-export-download-'));
  host = createApiHost({ mode: 'serve', dataDir: path.join(dir, 'data'), launch: testTrainingLauncher });
  experimentId = writeExperiment(host.store).experiment.id;
  server = await startServer({
    host: '127.0.0.1',
    port: 0,
    token: TOKEN,
    staticDir: null,
    dispatcher: host.dispatcher,
    bus: host.bus,
    download: host.download,
  });
});

afterAll(async () => {
  await server.close();
  await host.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const post = (body: unknown, headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` }) =>
  fetch(`http://127.0.0.1:${server.port}${DOWNLOAD_PATH}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

describe('POST /api/export', () => {
  it('sends the export as an attachment named for the selection, with its SHA-256', async () => {
    const response = await post({
      selection: { kind: 'experiment', experimentId },
      format: 'aggregate-csv',
      options: { split: 'test', metrics: ['accuracy'] },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/csv');
    expect(response.headers.get('content-disposition')).toContain(
      `filename="experiment-${experimentId}-aggregate.csv"`,
    );
    const text = await response.text();
    expect(csvRecords(text).map((r) => [r.rule, r.epoch, r.n])).toEqual([
      ['ebd', '1', '2'],
      ['ebd', '2', '2'],
      ['ebd', '3', '2'],
      ['dfa', '1', '2'],
      ['dfa', '2', '2'],
      ['dfa', '3', '2'],
    ]);
    const { createHash } = await import('node:crypto');
    expect(response.headers.get('x-content-sha256')).toBe(createHash('sha256').update(text).digest('hex'));
  });

  it('needs the token in the Authorization header and answers bad requests with the reason', async () => {
    const selection = { kind: 'experiment', experimentId };
    expect((await post({ selection, format: 'bibtex' }, {})).status).toBe(401);
    const missing = await post({ selection: { kind: 'run', runId: 999 }, format: 'tidy-csv' });
    expect([missing.status, ((await missing.json()) as { error: { message: string } }).error.message]).toEqual([
      404,
      'No run with id 999.',
    ]);
    const bad = await post({ selection, format: 'docx' });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('format');
    // Nothing is left behind by failed or finished downloads (a sent file goes once its stream has closed).
    await vi.waitFor(() =>
      expect(fs.readdirSync(os.tmpdir()).filter((n) => n.startsWith('broadcast-lab-download-'))).toEqual([]),
    );
  });
});
