import { describe, expect, it } from 'vitest';
import { newClusterForm, readClusterForm } from '../../src-renderer/lib/design/cluster-form';

/** The designer's "Run on cluster" fields, read into the API's request with the contract's own schema. */
describe('the Run on cluster form', () => {
  it('turns filled fields into sbatch options and leaves empty ones to the cluster', () => {
    const form = { ...newClusterForm(), results: ' /scratch/me/sweep ', partition: 'gpu', time: '2-00:00:00' };
    expect(readClusterForm({ ...form, gpus: '2', arrayLimit: '8' })).toEqual({
      ok: true,
      results: '/scratch/me/sweep',
      slurm: { partition: 'gpu', time: '2-00:00:00', cpusPerTask: 1, gpus: 2, arrayLimit: 8 },
    });
    expect(readClusterForm({ ...form, cpusPerTask: '' })).toEqual({
      ok: true,
      results: '/scratch/me/sweep',
      slurm: { partition: 'gpu', time: '2-00:00:00' },
    });
    expect(readClusterForm({ ...form, datasetCache: ' /scratch/me/datasets ' })).toMatchObject({
      ok: true,
      datasetCache: '/scratch/me/datasets',
    });
  });

  it('names each field that sbatch would refuse by its label', () => {
    const read = readClusterForm({
      results: 'sweeps/here',
      datasetCache: 'datasets',
      partition: 'gpu a100',
      time: 'soon',
      cpusPerTask: '1.5',
      gpus: '0',
      arrayLimit: 'x',
    });
    expect(read.ok).toBe(false);
    const said = read.ok ? [] : read.issues.map((i) => `${i.path}: ${i.message}`);
    expect(said).toEqual([
      'CPUs per task: must be a whole number, got "1.5"',
      'Tasks at once: must be a whole number, got "x"',
      'Results folder: must be an absolute path',
      'Dataset cache: must be an absolute path the nodes share',
      expect.stringMatching(/^Partition: a partition holds only letters/),
      expect.stringMatching(/^Time limit: a time limit is minutes/),
      expect.stringMatching(/^GPUs per task: .*>=1/),
    ]);
    expect(readClusterForm(newClusterForm())).toEqual({
      ok: false,
      issues: [{ path: 'Results folder', message: 'is needed: a folder the nodes share with this machine' }],
    });
  });
});
