import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { mnistFiles, serveFiles, sourceFor, underPrefix, type DatasetServer } from '../support/dataset-server';
import { openLab, screenshot, type Lab } from './harness';
import { DatasetPanel } from './pages/dataset-panel';
import { DesignPage } from './pages/design-page';
import { MonitorPage } from './pages/monitor-page';
import { SessionsPage } from './pages/sessions-page';

/**
 * The designer's dataset picker against a serve-mode server whose downloads come from a mirror on 127.0.0.1
 * (--dataset-mirror) holding small MNIST files this test wrote; their sizes and checksums reach the server
 * through BROADCAST_LAB_DATASET_SOURCES, since the real catalogue's would refuse them.
 */
describe('Design view: downloading and importing datasets', () => {
  const files = mnistFiles();
  const total = [...files.values()].reduce((sum, b) => sum + b.length, 0);
  const served = underPrefix('mirror/mnist', files);
  const lastFile = '/mirror/mnist/t10k-labels-idx1-ubyte.gz';
  let mirror: DatasetServer;
  let scratch: string;
  let lab: Lab;
  let panel: DatasetPanel;

  beforeAll(async () => {
    // Slow (about 100 KB a second), so that the progress bar is on screen for a couple of seconds.
    mirror = await serveFiles(served, { chunkBytes: 4096, chunkDelayMs: 40 });
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'bl-e2e-datasets-'));
    const sources = path.join(scratch, 'sources.json');
    fs.writeFileSync(sources, JSON.stringify({ mnist: sourceFor('MNIST', 'http://127.0.0.1:9/unused/', files) }));
    lab = await openLab(
      {},
      { args: ['--dataset-mirror', `${mirror.base}/mirror/`], env: { BROADCAST_LAB_DATASET_SOURCES: sources } },
    );
    const design = new DesignPage(lab.page);
    await design.shell.waitForConnection('connected');
    await design.open();
    panel = new DatasetPanel(lab.page);
  });

  afterAll(async () => {
    await lab?.close();
    await mirror?.close();
    if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
  });

  test('an absent dataset downloads with a progress bar, a failure offers a retry, then it shows as present', async () => {
    // The last file arrives damaged the first time: the download fails at its checksum.
    const good = served.get(lastFile)!;
    const damaged = Buffer.from(good);
    damaged[damaged.length - 2]! ^= 0xff;
    served.set(lastFile, damaged);

    await panel.option('mnist').waitFor({ state: 'attached' });
    await panel.picker.selectOption('mnist');
    expect(await panel.status.textContent()).toContain('Absent — can be downloaded');
    // Not "Ready": the design names the missing files, where they were looked for and how to get them.
    const design = new DesignPage(lab.page);
    await expect
      .poll(() => design.runReason.textContent())
      .toContain('MNIST handwritten digits is not on this machine');
    const reason = (await design.runReason.textContent()) ?? '';
    expect(reason).toContain('t10k-labels-idx1-ubyte');
    expect(reason).toContain(path.join(lab.server.dataDir, 'datasets', 'mnist'));
    expect(reason).toContain('broadcast-lab datasets download mnist');
    expect(await design.runButton.isDisabled()).toBe(true);
    expect(await design.fieldIssue('design-dataset-section').textContent()).toContain('Download it (Download');
    await panel.downloadButton.click();

    await panel.progressBar.waitFor({ timeout: 10_000 });
    await expect
      .poll(async () => Number(await panel.progressBar.getAttribute('aria-valuenow')), { timeout: 10_000 })
      .toBeGreaterThan(0);
    expect(Number(await panel.progressBar.getAttribute('aria-valuemax'))).toBe(total);
    expect(await panel.progressBar.getAttribute('aria-valuetext')).toMatch(/^Downloading · \S+\.gz · .* of .*KB$/);
    await screenshot(lab.page, 'design-dataset-download');

    await panel.downloadError.waitFor({ timeout: 30_000 });
    const failure = (await panel.downloadError.textContent()) ?? '';
    expect(failure).toContain(`checksum mismatch for the download from ${mirror.base}${lastFile}`);
    expect(await panel.progressBar.count()).toBe(0);
    await screenshot(lab.page, 'design-dataset-download-failed');
    served.set(lastFile, good);
    await panel.downloadError.getByTestId('dataset-download-retry').click();

    await expect.poll(async () => (await panel.status.textContent())?.trim(), { timeout: 30_000 }).toBe('Present');
    expect(await panel.progressBar.count()).toBe(0);
    expect(await panel.downloadButton.count()).toBe(0);
    expect(await panel.info.textContent()).toMatch(/train 300\s*· test 20/);
    expect(await panel.option('mnist').textContent()).toContain('present');
    expect(await design.runReason.textContent()).not.toContain('not on this machine');
    expect(await design.fieldIssue('design-dataset-section').count()).toBe(0);
    expect(fs.existsSync(path.join(lab.server.dataDir, 'datasets', 'mnist', 'train-images-idx3-ubyte.gz'))).toBe(true);
    await screenshot(lab.page, 'design-dataset-downloaded');
  }, 60_000);

  test('a CSV imported by its path is selected, with its sizes and classes', async () => {
    const csv = path.join(scratch, 'blobs.csv');
    const rows = Array.from({ length: 12 }, (_, i) => `${i},${i % 4},${['cat', 'dog', 'owl'][i % 3]}`);
    fs.writeFileSync(csv, ['x,y,label', ...rows].join('\n'));
    await panel.import(csv);
    await expect.poll(() => panel.picker.inputValue()).toBe('blobs');
    const info = (await panel.info.textContent()) ?? '';
    expect(info).toContain('train 12');
    expect(info).toContain('cat, dog, owl');
    expect(info).toContain(csv);
    expect(await panel.importError.count()).toBe(0);
    await screenshot(lab.page, 'design-dataset-import');
  });

  test('a bad path or a damaged file is named in the error, inline', async () => {
    const nowhere = path.join(scratch, 'nowhere.csv');
    await panel.import(nowhere);
    await panel.importError.waitFor();
    expect(await panel.importError.textContent()).toContain(`${nowhere}: no such file or folder`);

    const broken = path.join(scratch, 'broken.csv');
    fs.writeFileSync(broken, 'a,label\n1,x\n2\n');
    await panel.import(broken);
    await expect
      .poll(async () => (await panel.importError.textContent()) ?? '')
      .toContain(`${broken}: line 3 has 1 cells but the header has 2 columns`);
    expect(await panel.option('broken').count()).toBe(0);
    await screenshot(lab.page, 'design-dataset-import-error');
  });

  test("a run that fails says why in the Monitor and in the session's run table", async () => {
    // experiments.start trusts its caller (the designer and the CLI validate first): a run on absent data fails.
    const session = (await lab.invoke('sessions.create', { name: 'Fails' })) as { id: number };
    const spec = {
      name: 'CIFAR without CIFAR',
      dataset: { name: 'cifar-100' },
      network: { hidden: [{ units: 8 }] },
      rules: [{ rule: 'dfa' }],
      seeds: [1],
      epochs: 1,
      batchSize: 16,
    };
    const experiment = (await lab.invoke('experiments.create', { sessionId: session.id, spec })) as { id: number };
    const [run] = (await lab.invoke('experiments.start', { id: experiment.id })) as { id: number }[];
    const monitor = new MonitorPage(lab.page);
    await lab.page.goto(`${lab.server.url}#monitor/${experiment.id}`);
    await monitor.waitForStatus(run!.id, 'failed');
    const why = /CIFAR-100 is not in .*cifar-100/;
    await expect
      .poll(async () => (await monitor.rowById(run!.id).getByTestId('run-error').textContent()) ?? '')
      .toMatch(why);

    const sessions = new SessionsPage(lab.page);
    await sessions.open();
    await sessions.openSession('Fails');
    expect(await sessions.runRow(run!.id).getByTestId('run-error').textContent()).toMatch(why);
    await screenshot(lab.page, 'sessions-failed-run-reason');
    await new DesignPage(lab.page).open();
  });

  test('an imported dataset can be forgotten after a confirmation', async () => {
    await panel.picker.selectOption('blobs');
    await panel.forgetChosen();
    await panel.option('blobs').waitFor({ state: 'detached' });
    expect(await panel.picker.inputValue()).not.toBe('blobs');
    expect(lab.errors).toEqual([]);
  });
});
