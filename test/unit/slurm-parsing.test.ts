import { describe, expect, it } from 'vitest';
import { shellQuote } from '../../src-main/cluster/sbatch-script';
import { parseTaskStates } from '../../src-main/cluster/slurm-client';
import { runStatusOfSlurmState } from '../../src-main/cluster/slurm-states';

describe('SLURM answers', () => {
  it('reads squeue and sacct lines per array task, expanding a pending remainder', () => {
    const states = parseTaskStates(
      ['12_0|COMPLETED', '12_1|RUNNING', '12_[2-4,7%2]|PENDING', '13_0|CANCELLED by 0', 'garbage', ''].join('\n'),
    );
    expect([...states.get('12')!]).toEqual([
      [0, 'COMPLETED'],
      [1, 'RUNNING'],
      [2, 'PENDING'],
      [3, 'PENDING'],
      [4, 'PENDING'],
      [7, 'PENDING'],
    ]);
    expect(states.get('13')!.get(0)).toBe('CANCELLED by 0');
  });

  it('maps job states to run statuses: ended by SLURM before the run finished is interrupted', () => {
    expect(runStatusOfSlurmState('PENDING')).toBe('queued');
    expect(runStatusOfSlurmState('RUNNING')).toBe('running');
    expect(runStatusOfSlurmState('COMPLETED')).toBe('completed');
    expect(runStatusOfSlurmState('CANCELLED by 1000')).toBe('stopped');
    expect(runStatusOfSlurmState('FAILED')).toBe('failed');
    expect(runStatusOfSlurmState('OUT_OF_MEMORY')).toBe('failed');
    expect(runStatusOfSlurmState('PREEMPTED')).toBe('interrupted');
    expect(runStatusOfSlurmState('TIMEOUT')).toBe('interrupted');
    expect(runStatusOfSlurmState('NODE_FAIL')).toBe('interrupted');
    expect(runStatusOfSlurmState('SOMETHING_NEW')).toBeUndefined();
  });

  it('quotes words for the shell only where needed', () => {
    expect(shellQuote('/usr/bin/node')).toBe('/usr/bin/node');
    expect(shellQuote('/data/my results/plan.json')).toBe("'/data/my results/plan.json'");
    expect(shellQuote("it's")).toBe("'it'\\''s'");
  });
});
