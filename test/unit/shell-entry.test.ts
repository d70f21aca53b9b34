import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { IPC_INVOKE_CHANNEL } from '../../shared/api/envelope';
import type { FakeElectron } from './fake-electron';

/* Loads the real src-main/main.ts against the fake electron module and a stand-in API host: this pins
   that the entry point passes Electron's modules and the host through to the shell unchanged. */
const state = vi.hoisted(() => ({ fake: null as FakeElectron | null, hostOptions: [] as unknown[] }));

vi.mock('electron', async () => {
  const { createFakeElectron } = await import('./fake-electron');
  const fake = createFakeElectron({ userData: path.join(os.tmpdir(), 'bl-entry-user-data-unused') });
  state.fake = fake;
  const { app, BrowserWindow, dialog, ipcMain, Menu, protocol, screen, session, shell } = fake;
  // No training starts in this test; the entry point only builds the launcher.
  const utilityProcess = {
    fork: () => {
      throw new Error('no training process in this test');
    },
  };
  return { app, BrowserWindow, dialog, ipcMain, Menu, protocol, screen, session, shell, utilityProcess };
});

vi.mock('../../src-main/api/host', async () => {
  const { createDispatcher } = await import('../../src-main/api/dispatcher');
  const { EventBus } = await import('../../src-main/api/event-bus');
  const { METHOD_NAMES } = await import('../../shared/api/contract');
  return {
    createApiHost: (options: unknown) => {
      state.hostOptions.push(options);
      const handlers = Object.fromEntries(METHOD_NAMES.map((m) => [m, () => ({ from: 'host' })]));
      return {
        store: { interruptedAtOpen: [] },
        bus: new EventBus(),
        dispatcher: createDispatcher(handlers as never),
        close: () => {},
      };
    },
  };
});

describe('src-main/main.ts', () => {
  it('starts the shell with the real modules: privileged scheme, lock, window, API', async () => {
    // The entry point reads the real environment; make sure it asks for the userData folder.
    vi.stubEnv('BROADCAST_LAB_DATA', '');
    vi.stubEnv('ELECTRON_RENDERER_URL', '');
    await import('../../src-main/main');
    const fake = state.fake;
    if (!fake) throw new Error('electron mock not loaded');
    expect(fake.privileged.map((s) => s.scheme)).toEqual(['app']);
    expect(fake.app.calls).toEqual(['requestSingleInstanceLock']);

    fake.app.becomeReady();
    await vi.waitFor(() => expect(fake.windows).toHaveLength(1));
    expect(state.hostOptions).toEqual([
      expect.objectContaining({
        mode: 'desktop',
        dataDir: path.join(os.tmpdir(), 'bl-entry-user-data-unused'),
        launch: expect.any(Function),
      }),
    ]);
    const win = fake.windows[0]!;
    expect(win.options.webPreferences).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false });
    expect(win.options.webPreferences?.preload).toMatch(/preload[/\\]preload\.c?js$/);
    await expect(
      fake.ipcMain.invoke(IPC_INVOKE_CHANNEL, win.webContents.invokeEvent(), { method: 'sessions.list', payload: {} }),
    ).resolves.toEqual({
      ok: true,
      result: { from: 'host' },
    });
  });
});
