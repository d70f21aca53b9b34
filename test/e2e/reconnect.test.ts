import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openLab, screenshot, type Lab } from './harness';
import { SessionsPage } from './pages/sessions-page';

describe('Losing and regaining the server', () => {
  let lab: Lab;
  let sessions: SessionsPage;

  beforeAll(async () => {
    lab = await openLab();
    sessions = new SessionsPage(lab.page);
    await sessions.shell.waitForConnection('connected');
  });

  afterAll(async () => {
    await lab?.close();
  });

  test('the UI says when the server is gone, and calls fail with a clear message', async () => {
    await sessions.create('Survives restarts');
    await lab.server.stop();

    await sessions.shell.waitForConnection('disconnected');
    expect(await sessions.shell.connectionStatus.textContent()).toContain('Disconnected — reconnecting…');
    // What was on screen stays on screen.
    expect(await sessions.names()).toEqual(['Survives restarts']);

    await sessions.submitCreate('Made while offline');
    await sessions.createError.waitFor();
    expect(await sessions.createError.textContent()).toMatch(/disconnected/i);
    await screenshot(lab.page, 'disconnected');
  });

  test('a server started again on the same port and data reconnects the page', async () => {
    await lab.restartServer();
    await sessions.shell.waitForConnection('connected', 20_000);
    expect(await sessions.shell.connectionStatus.textContent()).toContain('Connected');
    // The list is read again from the new server.
    await sessions.row('Survives restarts').waitFor();
    await sessions.create('Made after reconnecting');
    // Event subscriptions were made again on the new socket: a change by another client shows up live.
    await lab.invoke('sessions.create', { name: 'Made by another client' });
    await sessions.row('Made by another client').waitFor();
    expect((await sessions.names()).sort()).toEqual([
      'Made after reconnecting',
      'Made by another client',
      'Survives restarts',
    ]);
    await screenshot(lab.page, 'reconnected');
  });
});
