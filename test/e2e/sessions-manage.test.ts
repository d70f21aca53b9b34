import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ExperimentSpecInput, RuleName } from '../../shared/schemas/experiment';
import type { Experiment, MetricSeries, Run, RunEvent, Session } from '../../shared/schemas/records';
import { openLab, screenshot, type Lab } from './harness';
import { MonitorPage } from './pages/monitor-page';
import { SessionsPage } from './pages/sessions-page';

/** Exists in the page, where waitForFunction's callback runs; this file compiles without the DOM library. */
declare const window: { location: { hash: string } };

const tiny = (name: string, dataset: string, rules: RuleName[]): ExperimentSpecInput => ({
  name,
  dataset: { name: dataset, trainSubset: 400 },
  network: { hidden: [{ units: 16 }] },
  rules: rules.map((rule) => ({ rule })),
  seeds: [1],
  epochs: 1,
  batchSize: 16,
  // A loss point per step, so that the Monitor's plot can be compared with the store point for point.
  monitoring: { readEvery: 1, diagnosticsEvery: 0, checkpointEvery: 0 },
});

describe('Managing sessions: search and filters, notes, reopening and resuming runs', () => {
  let lab: Lab;
  let sessions: SessionsPage;
  const MIXTURE = 'Mixture baselines';
  const SPIRALS = 'Spiral study';
  const ZEBRA = 'Zebra notebook 42';
  let mixtureRun: Run;

  async function call<T>(method: string, payload: unknown): Promise<T> {
    return (await lab.invoke(method, payload)) as T;
  }

  async function runStatus(id: number): Promise<Run['status']> {
    return (await call<Run>('runs.get', { id })).status;
  }

  /** expect.poll is for tests only; beforeAll waits with this. */
  async function waitFor(condition: () => Promise<boolean>, timeout: number): Promise<void> {
    const deadline = Date.now() + timeout;
    while (!(await condition())) {
      if (Date.now() > deadline) throw new Error(`not true within ${timeout} ms: ${condition.toString()}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  async function apiNames(filter: Record<string, string>): Promise<string[]> {
    return (await call<Session[]>('sessions.list', filter)).map((s) => s.name).sort();
  }

  beforeAll(async () => {
    lab = await openLab();
    sessions = new SessionsPage(lab.page);
    await sessions.shell.waitForConnection('connected');
    await sessions.waitForList();

    const mixture = await call<Session>('sessions.create', { name: MIXTURE });
    const m = await call<Experiment>('experiments.create', {
      sessionId: mixture.id,
      spec: tiny('EBD on a mixture', 'gaussian-mixture', ['ebd']),
    });
    const spirals = await call<Session>('sessions.create', { name: SPIRALS });
    const s = await call<Experiment>('experiments.create', {
      sessionId: spirals.id,
      spec: tiny('DFA vs BP on spirals', 'spirals', ['dfa', 'bp']),
    });
    await call('sessions.create', { name: ZEBRA, notes: 'nothing trained here yet' });

    mixtureRun = (await call<Run[]>('experiments.start', { id: m.id }))[0]!;
    const spiralRuns = await call<Run[]>('experiments.start', { id: s.id });
    // The queue trains one run at a time and the first has not even started: BP is still queued and stops at once.
    const bp = spiralRuns.find((r) => r.rule === 'bp')!;
    expect((await call<Run>('runs.stop', { id: bp.id })).status).toBe('stopped');
    const trained = [mixtureRun, ...spiralRuns.filter((r) => r.rule !== 'bp')];
    for (const run of trained) await waitFor(async () => (await runStatus(run.id)) === 'completed', 90_000);
  }, 120_000);

  afterAll(async () => {
    await lab?.close();
  });

  test('search and each filter show exactly the matching sessions, as the API lists them', async () => {
    await sessions.waitForNames([MIXTURE, SPIRALS, ZEBRA]);

    await sessions.search('zebra');
    await sessions.waitForNames([ZEBRA]);
    // Notes are searched too, and wildcards are literal.
    await sessions.search('TRAINED here');
    await sessions.waitForNames([ZEBRA]);
    await sessions.search('%');
    await sessions.page.getByTestId('sessions-filtered-empty').waitFor();
    await sessions.search('');
    await sessions.waitForNames([MIXTURE, SPIRALS, ZEBRA]);

    const cases: [by: 'rule' | 'dataset' | 'status', value: string, expected: string[]][] = [
      ['rule', 'ebd', [MIXTURE]],
      ['rule', 'dfa', [SPIRALS]],
      ['dataset', 'spirals', [SPIRALS]],
      ['dataset', 'gaussian-mixture', [MIXTURE]],
      ['status', 'stopped', [SPIRALS]],
      ['status', 'completed', [MIXTURE, SPIRALS]],
    ];
    for (const [by, value, expected] of cases) {
      await sessions.filter(by, value);
      await sessions.waitForNames(expected);
      expect(await apiNames({ [by]: value })).toEqual([...expected].sort());
      if (by === 'dataset' && value === 'spirals') await screenshot(lab.page, 'sessions-filters');
      await sessions.filter(by, '');
      await sessions.waitForNames([MIXTURE, SPIRALS, ZEBRA]);
    }

    // Filters combine; when they hide everything the list says so and offers to clear them.
    await sessions.filter('rule', 'ebd');
    await sessions.filter('dataset', 'spirals');
    const empty = sessions.page.getByTestId('sessions-filtered-empty');
    await empty.waitFor();
    expect(await empty.textContent()).toContain('they hide all 3 sessions');
    await screenshot(lab.page, 'sessions-filters-empty');
    await sessions.page.getByTestId('sessions-clear-filters').click();
    await sessions.waitForNames([MIXTURE, SPIRALS, ZEBRA]);
    expect(await sessions.page.getByTestId('session-filter-rule').inputValue()).toBe('');
    expect(await sessions.page.getByTestId('session-search').inputValue()).toBe('');
  });

  test('notes are edited, kept as a draft across sessions, saved, and read back after a reload', async () => {
    await sessions.openSession(ZEBRA);
    expect(await sessions.notes.inputValue()).toBe('nothing trained here yet');
    const text = 'Plan: EBD with λ = 0.99 on spirals.\nCheck decorrelation of layer 1 first.';
    await sessions.notes.fill(text);
    await sessions.detail.locator('[data-testid="session-notes-state"][data-state="unsaved"]').waitFor();

    // Switching to another session keeps the draft, and the list marks it.
    await sessions.openSession(MIXTURE);
    expect(await sessions.notes.inputValue()).toBe('');
    await sessions.row(ZEBRA).getByTestId('session-notes-draft').waitFor();
    await sessions.openSession(ZEBRA);
    expect(await sessions.notes.inputValue()).toBe(text);
    await screenshot(lab.page, 'sessions-notes-draft');

    await sessions.saveNotes();
    expect(await sessions.notesState.textContent()).toContain('Saved');
    expect(await sessions.row(ZEBRA).getByTestId('session-notes-draft').count()).toBe(0);
    const stored = (await call<Session[]>('sessions.list', { query: ZEBRA }))[0];
    expect(stored?.notes).toBe(text);

    await lab.page.reload();
    await sessions.shell.waitForConnection('connected');
    await sessions.detail.getByTestId('session-detail-name').getByText(ZEBRA, { exact: true }).waitFor();
    await expect.poll(() => sessions.notes.inputValue()).toBe(stored?.notes);
    expect(await sessions.notesState.getAttribute('data-state')).toBe('saved');
    await screenshot(lab.page, 'sessions-notes');
  });

  test('a past run reopens in the Monitor, plotting exactly the stored values', async () => {
    await sessions.openSession(MIXTURE);
    await sessions.runRow(mixtureRun.id).getByTestId('run-monitor').click();
    const monitor = new MonitorPage(lab.page);
    await monitor.shell.panel('monitor').waitFor();
    await lab.page.waitForFunction((id) => window.location.hash === `#monitor/${id}`, mixtureRun.experimentId);

    const loss = await call<MetricSeries>('metrics.series', {
      runId: mixtureRun.id,
      name: 'loss',
      split: 'train',
      maxPoints: 2000,
    });
    const accuracy = await call<MetricSeries>('metrics.series', {
      runId: mixtureRun.id,
      name: 'accuracy',
      split: 'test',
    });
    expect(loss.downsampled).toBe(false);
    expect(loss.points.length).toBeGreaterThan(10);
    // One run drawn raw (no mean or band): the chart plots every stored point, and the row shows the stored
    // final accuracy.
    await lab.page.getByTestId('monitor-seed-view').selectOption('seeds');
    await expect.poll(() => monitor.pointsPlotted('chart-train-loss')).toBe(loss.total);
    await expect.poll(() => monitor.pointsPlotted('chart-test-accuracy')).toBe(accuracy.total);
    await expect.poll(() => monitor.testAccuracy(mixtureRun.id)).toBe(accuracy.points.at(-1)?.value);
    await screenshot(lab.page, 'sessions-reopened-monitor');
    await sessions.open();
    // Checked before the crash below, whose dropped socket the browser reports on its console.
    expect(lab.errors).toEqual([]);
  });

  test('an interrupted run is marked so after a crash, and Resume takes it from its checkpoint to the end', async () => {
    const session = await call<Session>('sessions.create', { name: 'Crash and resume' });
    const experiment = await call<Experiment>('experiments.create', {
      sessionId: session.id,
      spec: {
        name: 'BP, long enough to crash',
        dataset: { name: 'gaussian-mixture', trainSubset: 2000 },
        network: { hidden: [{ units: 16 }] },
        rules: [{ rule: 'bp' }],
        seeds: [1],
        epochs: 40,
        batchSize: 16,
        monitoring: { readEvery: 1, diagnosticsEvery: 0, checkpointEvery: 25 },
      } satisfies ExperimentSpecInput,
    });
    const [run] = await call<Run[]>('experiments.start', { id: experiment.id });
    const id = run!.id;
    await expect
      .poll(async () => (await call<{ step: number } | null>('runs.progress', { id }))?.step ?? 0, {
        timeout: 60_000,
        interval: 100,
      })
      .toBeGreaterThanOrEqual(100);

    await lab.server.crash();
    await sessions.shell.waitForConnection('disconnected');
    await lab.restartServer();
    await sessions.shell.waitForConnection('connected', 20_000);
    expect(await runStatus(id)).toBe('interrupted');
    const before = await call<MetricSeries>('metrics.series', { runId: id, name: 'loss', split: 'train' });
    expect(before.total).toBeGreaterThanOrEqual(100);

    await sessions.openSession('Crash and resume');
    await sessions.waitForRunStatus(id, 'interrupted', 10_000);
    await screenshot(lab.page, 'sessions-interrupted');
    await sessions.runRow(id).getByTestId('run-resume').click();
    // Live: the row follows run.status events without a reload.
    await sessions.waitForRunStatus(id, 'running', 60_000);
    expect(await sessions.runRow(id).getByTestId('run-resume').count()).toBe(0);
    await sessions.waitForRunStatus(id, 'completed', 120_000);
    await screenshot(lab.page, 'sessions-resumed');

    const events = await call<RunEvent[]>('runs.events', { runId: id });
    const resumedAt = Number(
      /resuming from the checkpoint at step (\d+)/.exec(events.map((e) => e.message).join('\n'))?.[1],
    );
    expect(resumedAt).toBeGreaterThan(0);
    // A checkpoint's step counts the steps done, loss points are numbered from 0: a crash just after a checkpoint
    // leaves the last point at its step − 1.
    expect(resumedAt).toBeLessThanOrEqual(before.points.at(-1)!.step + 1);

    const after = await call<MetricSeries>('metrics.series', {
      runId: id,
      name: 'loss',
      split: 'train',
      maxPoints: 10_000,
    });
    const steps = after.points.map((p) => p.step);
    const total = 40 * (2000 / 16);
    // A loss point per step, each exactly once: no gap where the crash was, no step stored twice.
    expect(after.downsampled).toBe(false);
    expect(steps).toEqual(Array.from({ length: total }, (_, i) => i));
    // What was recorded up to the checkpoint was kept, not retrained.
    const kept = before.points.filter((p) => p.step <= resumedAt);
    expect(after.points.slice(0, kept.length)).toEqual(kept);
  }, 240_000);
});
