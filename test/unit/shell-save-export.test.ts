import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvokeOutcome } from '../../shared/api/envelope';
import { createApiHost, type ApiHost } from '../../src-main/api/host';
import { SAVE_EXPORT_CHANNEL } from '../../src-main/desktop/bridge-constants';
import { createBridge } from '../../src-main/desktop/bridge';
import { startShell } from '../../src-main/desktop/shell';
import { createFakeElectron, FakeWebContents, type FakeElectron } from './fake-electron';
import { testTrainingLauncher } from '../support/training-launcher';
import { writeExperiment } from '../support/export-fixture';

/**
 * The desktop's Save… for exports, through the shell as main.ts starts it (fake electron, real API host and SQLite):
 * the native dialog opens with the suggested name and the format's filter, Cancel writes nothing, and the chosen
 * path is where export.write puts the file.
 */
describe('desktop save dialog for exports', () => {
  let dir: string;
  let electron: FakeElectron;
  let host: ApiHost;
  let experimentId: number;
  /** The host's close, as the shell starts it on will-quit; awaited before the folder goes. */
  let closing: Promise<void> | null;

  beforeEach(async () => {
    closing = null;
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bl-shell-save-'));
    electron = createFakeElectron({ userData: path.join(dir, 'userData') });
    const shell = startShell({
      electron,
      mainDir: path.join(dir, 'out', 'main'),
      argv: ['/usr/bin/broadcast-lab', `--data=${path.join(dir, 'data')}`],
      env: {},
      platform: 'linux',
      versions: {},
      openApi: (dataDir) => {
        host = createApiHost({ mode: 'desktop', dataDir, versions: {}, launch: testTrainingLauncher });
        experimentId = writeExperiment(host.store, { stepsPerEpoch: 4 }).experiment.id;
        return { dispatcher: host.dispatcher, bus: host.bus, close: () => void (closing = host.close()) };
      },
      log: () => {},
    });
    electron.app.becomeReady();
    await shell.started;
  });
  afterEach(async () => {
    if (!closing) electron.app.emit('will-quit');
    await closing;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** The preload's bridge as the page would call it, wired to the shell's ipcMain from the main window. */
  const bridgeOf = (contents: FakeWebContents = electron.windows[0]!.webContents) =>
    createBridge({
      invoke: (channel, ...args) => electron.ipcMain.invoke(channel, contents.invokeEvent(), ...args),
      on: () => undefined,
      removeListener: () => undefined,
    });

  const request = () => ({ selection: { kind: 'experiment', experimentId }, format: 'table-markdown' as const });

  it('opens the dialog on the main window with the suggested name and a filter for the format', async () => {
    await bridgeOf().saveExport(request(), 'experiment-1-table.md');
    expect(electron.saveDialogs).toHaveLength(1);
    const [{ window, options }] = electron.saveDialogs as [(typeof electron.saveDialogs)[number]];
    expect(window).toBe(electron.windows[0]);
    expect(options.defaultPath).toBe('experiment-1-table.md');
    expect(options.filters?.[0]).toEqual({ name: 'Markdown', extensions: ['md'] });
    expect(options.filters?.at(-1)).toEqual({ name: 'All files', extensions: ['*'] });
  });

  it('writes nothing when the dialog is cancelled', async () => {
    electron.saveDialogAnswer = null;
    const before = fs.readdirSync(dir, { recursive: true }).length;
    const outcome = InvokeOutcome.parse(await bridgeOf().saveExport(request(), 'table.md'));
    expect(outcome).toEqual({ ok: true, result: null });
    expect(fs.readdirSync(dir, { recursive: true }).length).toBe(before);
  });

  it('passes the chosen path to export.write, which writes the file there', async () => {
    const target = path.join(dir, 'paper', 'results.md');
    fs.mkdirSync(path.dirname(target));
    electron.saveDialogAnswer = target;
    const outcome = InvokeOutcome.parse(await bridgeOf().saveExport(request(), 'table.md'));
    expect(outcome).toMatchObject({ ok: true, result: { path: target } });
    const text = fs.readFileSync(target, 'utf8');
    expect(text).toMatch(/^\|/m); // a Markdown table
    expect(text).toContain('EBD');
    expect(outcome.ok && (outcome.result as { bytes: number }).bytes).toBe(Buffer.byteLength(text));
  });

  it('reports a failed write with the path, leaving no file', async () => {
    const target = path.join(dir, 'no-such-folder', 'results.md');
    electron.saveDialogAnswer = target;
    const outcome = InvokeOutcome.parse(await bridgeOf().saveExport(request(), 'table.md'));
    expect(outcome.ok).toBe(false);
    if (!outcome.ok) expect(outcome.error.message).toContain(path.dirname(target));
    expect(fs.existsSync(target)).toBe(false);
  });

  it('refuses a malformed message or a file name with a folder before any dialog opens', async () => {
    const bridge = bridgeOf();
    const withFolder = InvokeOutcome.parse(await bridge.saveExport(request(), '../../etc/passwd'));
    expect(withFolder).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
    if (!withFolder.ok) expect(withFolder.error.message).toMatch(/fileName.*without a folder/);
    const withPath = InvokeOutcome.parse(await bridge.saveExport({ ...request(), path: '/tmp/x.md' }, 'x.md'));
    expect(withPath).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
    const badFormat = InvokeOutcome.parse(await bridge.saveExport({ ...request(), format: 'pdf' }, 'x.md'));
    expect(badFormat).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
    expect(electron.saveDialogs).toHaveLength(0);
  });

  it('refuses a webContents the shell did not create', async () => {
    const outcome = InvokeOutcome.parse(await bridgeOf(new FakeWebContents()).saveExport(request(), 'x.md'));
    expect(outcome).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    expect(electron.saveDialogs).toHaveLength(0);
  });

  it('removes the channel when the app quits', () => {
    expect(electron.ipcMain.handlers.has(SAVE_EXPORT_CHANNEL)).toBe(true);
    electron.app.emit('will-quit');
    expect(electron.ipcMain.handlers.has(SAVE_EXPORT_CHANNEL)).toBe(false);
  });
});
