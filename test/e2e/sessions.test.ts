import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openLab, screenshot, type Lab } from './harness';
import { SessionsPage } from './pages/sessions-page';

describe('Sessions view against the real server', () => {
  let lab: Lab;
  let sessions: SessionsPage;

  beforeAll(async () => {
    lab = await openLab();
    sessions = new SessionsPage(lab.page);
  });

  afterAll(async () => {
    await lab?.close();
  });

  test('the app loads, connects and shows an empty list with no console errors', async () => {
    await sessions.shell.waitForConnection('connected');
    await lab.page.getByTestId('sessions-empty').waitFor();
    expect(await lab.page.getByTestId('connection-status').textContent()).toContain('Connected');
    expect(await lab.page.title()).toBe('Sessions — Broadcast Lab');
    expect(lab.errors).toEqual([]);
  });

  test('an empty name is refused inline with the schema message', async () => {
    await sessions.submitCreate('   ');
    await sessions.createError.waitFor();
    expect(await sessions.createError.textContent()).toContain('a session needs a name');
    expect(await sessions.rows.count()).toBe(0);
  });

  test('creates sessions and opens the new one', async () => {
    await sessions.create('Fashion-MNIST baselines');
    await sessions.create('Scratch');
    expect(await sessions.names()).toEqual(['Scratch', 'Fashion-MNIST baselines']);
    const row = sessions.row('Fashion-MNIST baselines');
    expect(await row.getByTestId('session-counts').textContent()).toBe('0 experiments · 0 runs');
    // Creating opens the new session's detail.
    const detail = lab.page.getByTestId('session-detail');
    await detail.getByTestId('session-detail-name').getByText('Scratch').waitFor();
    expect(await detail.getByTestId('experiments-empty').isVisible()).toBe(true);
    expect(await detail.getByTestId('runs-empty').isVisible()).toBe(true);
    await screenshot(lab.page, 'sessions-detail');
  });

  test('renames inline: Escape cancels, Enter saves', async () => {
    let input = await sessions.startRename('Fashion-MNIST baselines');
    expect(await input.inputValue()).toBe('Fashion-MNIST baselines');
    await input.fill('Not this');
    await input.press('Escape');
    await input.waitFor({ state: 'detached' });
    expect(await sessions.names()).toContain('Fashion-MNIST baselines');
    // Focus returns to the Rename button so a keyboard user keeps their place.
    expect((await sessions.shell.focused()).id).toBe('session-rename');

    input = await sessions.startRename('Fashion-MNIST baselines');
    await input.fill('FMNIST: EBD vs BP');
    await input.press('Enter');
    await sessions.row('FMNIST: EBD vs BP').waitFor();
    expect((await sessions.names()).sort()).toEqual(['FMNIST: EBD vs BP', 'Scratch']);
  });

  test('changes made elsewhere appear live, and a session opens to show its experiments', async () => {
    const listed = await lab.invoke('sessions.list', {});
    const target = (listed as { id: number; name: string }[]).find((s) => s.name === 'FMNIST: EBD vs BP');
    expect(target).toBeDefined();
    await lab.invoke('experiments.create', {
      sessionId: target?.id,
      spec: {
        name: 'EBD vs BP, 2×256',
        dataset: { name: 'fashion-mnist' },
        network: { hidden: [{ units: 256 }, { units: 256 }] },
        rules: [{ rule: 'ebd' }, { rule: 'bp' }],
        seeds: [1, 2, 3],
        epochs: 5,
        batchSize: 64,
      },
    });
    // No reload: the server's session.changed event refreshes the list.
    const row = sessions.row('FMNIST: EBD vs BP');
    await row.getByTestId('session-counts').getByText('1 experiment · 0 runs').waitFor();
    const detail = await sessions.openSession('FMNIST: EBD vs BP');
    const experiment = detail.getByTestId('experiment-item');
    await experiment.waitFor();
    expect(await experiment.textContent()).toContain('EBD vs BP, 2×256');
    expect(await experiment.textContent()).toContain('3 seeds');
    await screenshot(lab.page, 'sessions-experiment');
  });

  test('deletes only after confirmation, and the dialog says what goes', async () => {
    let dialog = await sessions.requestDelete('Scratch');
    const text = (await dialog.textContent()) ?? '';
    expect(text).toContain('“Scratch”');
    expect(text).toContain('0 experiments and 0 runs');
    expect(text).toContain('cannot be undone');
    await screenshot(lab.page, 'sessions-delete-dialog');
    await sessions.cancelDelete();
    expect(await sessions.names()).toContain('Scratch');

    // Escape also cancels.
    dialog = await sessions.requestDelete('Scratch');
    await lab.page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    expect(await sessions.names()).toContain('Scratch');

    await sessions.requestDelete('Scratch');
    await sessions.confirmDelete();
    await sessions.row('Scratch').waitFor({ state: 'detached' });
    expect(await sessions.names()).toEqual(['FMNIST: EBD vs BP']);
  });

  test('an error from the server is shown inline, in its own words', async () => {
    await sessions.create('Deleted twice');
    await sessions.requestDelete('Deleted twice');
    // Another client deletes it while the dialog is open: the row goes, the dialog stays.
    const listed = (await lab.invoke('sessions.list', {})) as { id: number; name: string }[];
    const id = listed.find((s) => s.name === 'Deleted twice')?.id;
    await lab.invoke('sessions.delete', { id });
    await sessions.row('Deleted twice').waitFor({ state: 'detached' });
    await lab.page.getByTestId('delete-session-dialog-confirm').click();
    const error = lab.page.getByTestId('delete-session-dialog-error');
    await error.waitFor();
    expect(await error.textContent()).toContain(`No session with id ${id}.`);
    await screenshot(lab.page, 'sessions-delete-error');
    await sessions.cancelDelete();
    expect(await sessions.names()).toEqual(['FMNIST: EBD vs BP']);
  });

  test('a reload shows the same sessions, read back from the server', async () => {
    await lab.page.reload();
    await sessions.shell.waitForConnection('connected');
    await sessions.row('FMNIST: EBD vs BP').waitFor();
    expect(await sessions.names()).toEqual(['FMNIST: EBD vs BP']);
    await screenshot(lab.page, 'sessions');
  });

  test('no console errors over the whole session', () => {
    expect(lab.errors).toEqual([]);
  });
});
