import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { METHOD_NAMES, type MethodName, type RequestOf } from '../../shared/api/contract';
import type { ExperimentSpecInput } from '../../shared/schemas/experiment';
import { IPC_EVENT_CHANNEL, IPC_INVOKE_CHANNEL, InvokeOutcome } from '../../shared/api/envelope';
import type { Connection } from '../../src-main/api/connection';
import { createDispatcher } from '../../src-main/api/dispatcher';
import { createApiHost, type ApiHost } from '../../src-main/api/host';
import { EventBus } from '../../src-main/api/event-bus';
import type { Handlers } from '../../src-main/api/handler-types';
import { registerApiIpc, type ApiIpc } from '../../src-main/desktop/ipc';
import { FakeFrame, FakeIpcMain, FakeWebContents } from './fake-electron';
import { testTrainingLauncher } from '../support/training-launcher';
import { CONTRACT_SCENARIO_TIMEOUT_MS, runContractScenario, type RawInvoke } from '../support/api-scenario';
import type { ApiEvent } from '../../shared/api/events';

const spec: ExperimentSpecInput = {
  name: 'ebd vs bp',
  dataset: { name: 'fashion-mnist' },
  network: { hidden: [{ units: 64 }] },
  rules: [{ rule: 'ebd' }, { rule: 'bp' }],
  seeds: [1, 2],
  epochs: 2,
  batchSize: 32,
};

/** One valid request per contract method; the mapped type makes the compiler demand every method. */
const SAMPLE_REQUESTS: { [M in MethodName]: RequestOf<M> } = {
  'app.info': {},
  'sessions.list': {},
  'sessions.create': { name: 'Pilot', notes: 'first try' },
  'sessions.rename': { id: 1, name: 'Pilot 2' },
  'sessions.setNotes': { id: 1, notes: 'notes' },
  'sessions.delete': { id: 1 },
  'sessions.open': { id: 1 },
  'experiments.validate': { spec },
  'experiments.create': { sessionId: 1, spec },
  'experiments.get': { id: 3 },
  'experiments.list': { sessionId: 1 },
  'experiments.duplicate': { id: 3, name: 'copy' },
  'experiments.delete': { id: 3 },
  'experiments.estimate': { spec, backend: 'cpu' },
  'presets.list': {},
  'templates.list': {},
  'templates.save': { name: 'EBD baseline', spec, replace: true },
  'templates.delete': { id: 7 },
  'experiments.start': { id: 3, backend: 'cpu' },
  'runs.list': { status: 'completed' },
  'runs.get': { id: 5 },
  'runs.pause': { id: 5 },
  'runs.resume': { id: 5 },
  'runs.stop': { id: 5 },
  'runs.progress': { id: 5 },
  'runs.events': { runId: 5 },
  'datasets.list': {},
  'datasets.import': { path: '/home/me/blobs.csv', name: 'blobs' },
  'datasets.forget': { name: 'blobs' },
  'datasets.download': { name: 'mnist' },
  'metrics.names': { runId: 5 },
  'metrics.series': { runId: 5, name: 'loss', split: 'train', maxPoints: 100 },
  'events.subscribe': { filter: { types: ['run.status'] } },
  'events.unsubscribe': { subscriptionId: 'abc' },
  'sweeps.preview': { sweep: { experiment: {} } },
  'sweeps.start': { sessionId: 1, sweep: { experiment: {} }, priority: 2 },
  'scheduler.get': {},
  'scheduler.setSlots': { slots: 3 },
  'runs.setPriority': { id: 5, priority: 1 },
  'runs.import': { path: '/home/me/results' },
  'cluster.plan': { sessionId: 1, sweep: { experiment: {} }, results: '/scratch/me/sweep', slurm: { time: '1:00:00' } },
  'cluster.submit': {
    sessionId: 1,
    sweep: { experiment: {} },
    results: '/scratch/me/sweep',
    slurm: { gpus: 1 },
    script: '#!/bin/bash\n#SBATCH --array=0-3\n',
  },
  'cluster.follow': { results: '/scratch/me/sweep', sessionId: 1 },
  'cluster.list': {},
  'cluster.resubmit': { results: '/scratch/me/sweep', tasks: [2] },
  'export.figure': {
    selection: { kind: 'experiment', experimentId: 3 },
    figure: { kind: 'learning-curves', metrics: ['accuracy'] },
  },
  'export.figurePreview': {
    selection: { kind: 'runs', runIds: [5] },
    figure: { kind: 'final-best', metrics: ['loss'] },
  },
  'export.preview': { selection: { kind: 'experiment', experimentId: 3 }, format: 'table-latex' },
  'export.write': { selection: { kind: 'run', runId: 5 }, format: 'tidy-csv', path: '/home/me/run.csv' },
  'export.verify': { path: '/home/me/bundle.zip' },
};

interface Recorded {
  method: MethodName;
  request: unknown;
  connection: Connection;
}

/** A real dispatcher over handlers that record what reached them; the event methods use the real Connection. */
function recordingHandlers(calls: Recorded[]): Handlers {
  const handlers = {} as Record<MethodName, (request: unknown, connection: Connection) => unknown>;
  for (const method of METHOD_NAMES) {
    handlers[method] = (request, connection) => {
      calls.push({ method, request, connection });
      if (method === 'events.subscribe') return { subscriptionId: connection.subscribe({}) };
      if (method === 'events.unsubscribe')
        return { removed: connection.unsubscribe((request as { subscriptionId: string }).subscriptionId) };
      return { echoed: method };
    };
  }
  return handlers as unknown as Handlers;
}

describe('desktop IPC wiring', () => {
  let ipcMain: FakeIpcMain;
  let bus: EventBus;
  let calls: Recorded[];
  let ipc: ApiIpc;
  let contents: FakeWebContents;
  let logs: string[];

  const call = async (args: unknown[], from: FakeWebContents = contents, frame?: FakeFrame | null) => {
    const outcome = await ipcMain.invoke(
      IPC_INVOKE_CHANNEL,
      from.invokeEvent(frame === undefined ? from.mainFrame : frame),
      ...args,
    );
    return InvokeOutcome.parse(outcome);
  };

  beforeEach(() => {
    ipcMain = new FakeIpcMain();
    bus = new EventBus();
    calls = [];
    logs = [];
    const dispatcher = createDispatcher(recordingHandlers(calls), { log: () => {} });
    ipc = registerApiIpc({ ipcMain, dispatcher, bus, log: (m) => logs.push(m) });
    contents = new FakeWebContents();
    ipc.trust(contents);
  });

  it('registers exactly one handler, on the contract channel', () => {
    expect([...ipcMain.handlers.keys()]).toEqual([IPC_INVOKE_CHANNEL]);
  });

  it('dispatches every contract method from a trusted window', async () => {
    for (const method of METHOD_NAMES) {
      const outcome = await call([{ method, payload: SAMPLE_REQUESTS[method] }]);
      expect(outcome.ok, `${method}: ${JSON.stringify(outcome)}`).toBe(true);
    }
    expect(calls.map((c) => c.method)).toEqual(METHOD_NAMES);
    // The handler sees the request the contract parsed (defaults filled in, e.g. the spec's schemaVersion).
    const create = calls.find((c) => c.method === 'experiments.create');
    expect(create?.request).toMatchObject({ sessionId: 1, spec: { name: 'ebd vs bp', schemaVersion: 1 } });
    // One Connection per webContents, reused across calls.
    expect(new Set(calls.map((c) => c.connection)).size).toBe(1);
    expect(ipc.connectionCount).toBe(1);
  });

  it('refuses a webContents the shell did not create', async () => {
    const stranger = new FakeWebContents();
    const outcome = await call([{ method: 'sessions.list', payload: {} }], stranger);
    expect(outcome).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    expect(calls).toHaveLength(0);
    expect(logs.join('\n')).toMatch(/not a window of this app/);
  });

  it('refuses a page that is not ours, even in our window', async () => {
    contents.mainFrame.url = 'https://example.com/';
    const outcome = await call([{ method: 'sessions.list', payload: {} }]);
    expect(outcome).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    contents.mainFrame.url = 'file:///etc/passwd';
    expect(await call([{ method: 'sessions.list', payload: {} }])).toMatchObject({
      ok: false,
      error: { code: 'unauthorized' },
    });
    contents.mainFrame.url = 'app://evil.example/index.html';
    expect(await call([{ method: 'sessions.list', payload: {} }])).toMatchObject({
      ok: false,
      error: { code: 'unauthorized' },
    });
    expect(calls).toHaveLength(0);
  });

  it('refuses subframes and frames that are gone', async () => {
    const child = new FakeFrame('app://broadcast-lab/index.html', contents.mainFrame, 7, 99);
    expect(await call([{ method: 'app.info', payload: {} }], contents, child)).toMatchObject({
      ok: false,
      error: { code: 'unauthorized' },
    });
    expect(await call([{ method: 'app.info', payload: {} }], contents, null)).toMatchObject({
      ok: false,
      error: { code: 'unauthorized' },
    });
    expect(calls).toHaveLength(0);
  });

  it('refuses a window after it is destroyed', async () => {
    contents.destroy();
    expect(await call([{ method: 'app.info', payload: {} }])).toMatchObject({
      ok: false,
      error: { code: 'unauthorized' },
    });
  });

  it('answers malformed messages with invalid_request before any handler runs', async () => {
    const malformed: unknown[][] = [
      [],
      ['sessions.list'],
      [{ method: 'sessions.list', payload: {} }, 'extra'],
      [{ payload: {} }],
      [{ method: 42, payload: {} }],
      [{ method: '', payload: {} }],
      [{ method: 'sessions.list', payload: {}, extra: true }],
      [null],
    ];
    for (const args of malformed) {
      const outcome = await call(args);
      expect(outcome, JSON.stringify(args)).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
    }
    expect(calls).toHaveLength(0);
  });

  it('answers a payload that breaks the contract with invalid_request and names the field', async () => {
    const outcome = await call([{ method: 'sessions.rename', payload: { id: -1, name: 'x' } }]);
    expect(outcome).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
    if (!outcome.ok) expect(outcome.error.issues?.map((i) => i.path)).toContain('id');
    expect(calls).toHaveLength(0);
  });

  it('answers an unknown method with unknown_method', async () => {
    expect(await call([{ method: 'fs.readFile', payload: {} }])).toMatchObject({
      ok: false,
      error: { code: 'unknown_method' },
    });
    expect(await call([{ method: 'constructor', payload: {} }])).toMatchObject({
      ok: false,
      error: { code: 'unknown_method' },
    });
  });

  it('pushes subscribed events on the event channel to that window only', async () => {
    const other = new FakeWebContents();
    ipc.trust(other);
    const outcome = await call([{ method: 'events.subscribe', payload: {} }]);
    if (!outcome.ok) throw new Error('subscribe failed');
    const { subscriptionId } = outcome.result as { subscriptionId: string };
    bus.publish({ type: 'session.changed', sessionId: 4, change: 'created' });
    expect(contents.sent).toEqual([
      [IPC_EVENT_CHANNEL, subscriptionId, { type: 'session.changed', sessionId: 4, change: 'created' }],
    ]);
    expect(other.sent).toEqual([]);
  });

  it('closes the connection when the window is destroyed, reloads or crashes', async () => {
    await call([{ method: 'events.subscribe', payload: {} }]);
    expect(bus.listenerCount).toBe(1);
    contents.reload();
    expect(bus.listenerCount).toBe(0);
    expect(ipc.connectionCount).toBe(0);

    await call([{ method: 'events.subscribe', payload: {} }]);
    contents.emit('render-process-gone');
    expect(bus.listenerCount).toBe(0);

    await call([{ method: 'events.subscribe', payload: {} }]);
    contents.emit('did-start-navigation', { isMainFrame: true, isSameDocument: true });
    expect(bus.listenerCount).toBe(1); // an in-page navigation keeps the document and its subscriptions
    contents.destroy();
    expect(bus.listenerCount).toBe(0);
    expect(ipc.connectionCount).toBe(0);
    bus.publish({ type: 'session.changed', sessionId: 1, change: 'deleted' });
    expect(contents.sent).toEqual([]);
  });

  it('dispose removes the handler and every connection', async () => {
    await call([{ method: 'events.subscribe', payload: {} }]);
    ipc.dispose();
    expect(ipcMain.handlers.size).toBe(0);
    expect(bus.listenerCount).toBe(0);
  });

  it('accepts another page origin only when the shell names it (dev server)', async () => {
    const devIpcMain = new FakeIpcMain();
    const devIpc = registerApiIpc({
      ipcMain: devIpcMain,
      dispatcher: createDispatcher(recordingHandlers(calls)),
      bus,
      isTrustedPage: (url) => url.startsWith('http://localhost:5173/'),
    });
    const dev = new FakeWebContents('http://localhost:5173/');
    devIpc.trust(dev);
    const outcome = await devIpcMain.invoke(IPC_INVOKE_CHANNEL, dev.invokeEvent(), { method: 'app.info', payload: {} });
    expect(outcome).toMatchObject({ ok: true });
  });
});

describe('desktop IPC over the real API host and store', () => {
  let dir: string;
  let host: ApiHost;
  let ipc: ApiIpc;
  let ipcMain: FakeIpcMain;
  let contents: FakeWebContents;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bl-ipc-store-'));
    host = createApiHost({
      mode: 'desktop',
      dataDir: dir,
      versions: { electron: '45.5.0' },
      validateResponses: true,
      launch: testTrainingLauncher,
    });
    ipcMain = new FakeIpcMain();
    ipc = registerApiIpc({ ipcMain, dispatcher: host.dispatcher, bus: host.bus });
    contents = new FakeWebContents();
    ipc.trust(contents);
  });
  afterEach(async () => {
    ipc.dispose();
    await host.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it(
    'carries every contract method to its handler and back',
    async () => {
      const invoke: RawInvoke = async (method, payload) =>
        InvokeOutcome.parse(await ipcMain.invoke(IPC_INVOKE_CHANNEL, contents.invokeEvent(), { method, payload }));
      const events = () =>
        contents.sent.filter(([channel]) => channel === IPC_EVENT_CHANNEL).map(([, , event]) => event as ApiEvent);
      const covered = await runContractScenario(invoke, host.store, events);
      expect([...covered].sort()).toEqual([...METHOD_NAMES].sort());
    },
    CONTRACT_SCENARIO_TIMEOUT_MS,
  );

  it('reports a missing record as not_found, not as a transport failure', async () => {
    const outcome = await ipcMain.invoke(IPC_INVOKE_CHANNEL, contents.invokeEvent(), {
      method: 'sessions.open',
      payload: { id: 999 },
    });
    expect(outcome).toMatchObject({ ok: false, error: { code: 'not_found' } });
  });
});
