import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SessionFilter } from '../../shared/api/session-filter';
import { ExperimentSpec } from '../../shared/schemas/experiment';
import type { RuleName } from '../../shared/schemas/experiment';
import type { Store } from '../../src-main/store';
import { openTestStore, removeDir, tempDir } from './store-test-helpers';

/**
 * sessions.list's filter on a real SQLite file. Each session differs from the others in exactly the ways one
 * filter looks at, so a filter that is ignored, inverted or applied to the wrong column lists the wrong names.
 */
let dir: string;
let store: Store;
let clock = 1_700_000_000_000;
const T = { alpha: 0, beta: 0, gamma: 0 };

function spec(name: string, dataset: string, rules: RuleName[]): ExperimentSpec {
  return ExperimentSpec.parse({
    name,
    dataset: { name: dataset, trainSubset: 400 },
    network: { hidden: [{ units: 16 }] },
    rules: rules.map((rule) => ({ rule })),
    seeds: [1],
    epochs: 1,
    batchSize: 16,
  });
}

/** The filter as the API would hand it over: through the schema, so defaults and trimming apply. */
function names(filter: unknown): string[] {
  return store.sessions.list(SessionFilter.parse(filter)).map((s) => s.name);
}

beforeAll(() => {
  dir = tempDir();
  store = openTestStore(path.join(dir, 'lab.sqlite'), { now: () => clock });

  // Alpha: gaussian-mixture comparing EBD (completed) with BP (failed); notes with a literal "50%".
  clock = T.alpha = 1_700_000_000_000;
  const alpha = store.sessions.create({ name: 'Alpha baseline', notes: 'λ sweep at 50% of the rate' });
  const a = store.experiments.create(alpha.id, spec('ebd vs bp', 'gaussian-mixture', ['ebd', 'bp']));
  store.runs.create({ experimentId: a.id, rule: 'ebd', seed: 1, status: 'completed' });
  store.runs.create({ experimentId: a.id, rule: 'bp', seed: 1, status: 'failed' });

  // Beta: DFA on spirals (interrupted), and SBD on gaussian-mixture never started. A day later.
  clock = T.beta = T.alpha + 86_400_000;
  const beta = store.sessions.create({ name: 'Beta Études', notes: 'see run_2 notes' });
  const b1 = store.experiments.create(beta.id, spec('dfa', 'spirals', ['dfa']));
  store.runs.create({ experimentId: b1.id, rule: 'dfa', seed: 1, status: 'interrupted' });
  store.experiments.create(beta.id, spec('sbd', 'gaussian-mixture', ['sbd']));

  // Gamma: no experiments; its name and notes are near misses for unescaped wildcards. A day after Beta.
  clock = T.gamma = T.beta + 86_400_000;
  store.sessions.create({ name: 'Gamma 500 runs', notes: 'mini2 axb' });
});

afterAll(() => {
  store.close();
  removeDir(dir);
});

describe('sessions.list filter', () => {
  it('lists every session, most recently changed first, with no filter or an empty one', () => {
    const all = ['Gamma 500 runs', 'Beta Études', 'Alpha baseline'];
    expect(names({})).toEqual(all);
    expect(store.sessions.list().map((s) => s.name)).toEqual(all);
    expect(names({ query: '   ' })).toEqual(all);
  });

  it('searches names and notes case-insensitively, beyond ASCII too', () => {
    expect(names({ query: 'ALPHA' })).toEqual(['Alpha baseline']);
    expect(names({ query: 'études' })).toEqual(['Beta Études']);
    expect(names({ query: 'Λ SWEEP' })).toEqual(['Alpha baseline']);
    expect(names({ query: 'runs' })).toEqual(['Gamma 500 runs']);
    expect(names({ query: 'nothing like this' })).toEqual([]);
  });

  it('matches % and _ literally', () => {
    expect(names({ query: '50%' })).toEqual(['Alpha baseline']);
    // Unescaped, "n_2" would also match "mini2" and "a_b" would match "axb".
    expect(names({ query: 'n_2' })).toEqual(['Beta Études']);
    expect(names({ query: 'a_b' })).toEqual([]);
    expect(names({ query: '\\' })).toEqual([]);
  });

  it('filters by a rule an experiment compares, whether or not it has runs', () => {
    expect(names({ rule: 'ebd' })).toEqual(['Alpha baseline']);
    expect(names({ rule: 'sbd' })).toEqual(['Beta Études']);
    expect(names({ rule: 'drtp' })).toEqual([]);
  });

  it("filters by the experiment spec's dataset name", () => {
    expect(names({ dataset: 'spirals' })).toEqual(['Beta Études']);
    expect(names({ dataset: 'gaussian-mixture' })).toEqual(['Beta Études', 'Alpha baseline']);
    expect(names({ dataset: 'fashion-mnist' })).toEqual([]);
  });

  it('filters by the status of any run', () => {
    expect(names({ status: 'failed' })).toEqual(['Alpha baseline']);
    expect(names({ status: 'interrupted' })).toEqual(['Beta Études']);
    expect(names({ status: 'running' })).toEqual([]);
  });

  it('needs one experiment, or one run, to match rule, dataset and status together', () => {
    // Beta has SBD and has spirals, but not in the same experiment.
    expect(names({ rule: 'sbd', dataset: 'spirals' })).toEqual([]);
    expect(names({ rule: 'dfa', dataset: 'spirals' })).toEqual(['Beta Études']);
    // Alpha has a BP run and a completed run, but its BP run failed.
    expect(names({ rule: 'bp', status: 'completed' })).toEqual([]);
    expect(names({ rule: 'bp', status: 'failed' })).toEqual(['Alpha baseline']);
    expect(names({ status: 'interrupted', dataset: 'gaussian-mixture' })).toEqual([]);
    expect(names({ status: 'interrupted', dataset: 'spirals', query: 'beta' })).toEqual(['Beta Études']);
  });

  it("bounds the session's updatedAt, inclusively", () => {
    expect(names({ from: T.beta })).toEqual(['Gamma 500 runs', 'Beta Études']);
    expect(names({ to: T.beta })).toEqual(['Beta Études', 'Alpha baseline']);
    expect(names({ from: T.beta, to: T.beta })).toEqual(['Beta Études']);
    expect(names({ from: T.beta + 1, to: T.gamma - 1 })).toEqual([]);
    expect(names({ from: T.alpha, rule: 'ebd' })).toEqual(['Alpha baseline']);
  });

  it('refuses a malformed filter with a message naming the field', () => {
    const issue = (filter: unknown) => {
      const parsed = SessionFilter.safeParse(filter);
      return parsed.success ? null : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    };
    expect(issue({ from: T.gamma, to: T.alpha })).toMatch(/^from: the date range ends before it starts/);
    expect(issue({ rule: 'hebb' })).toMatch(/^rule:/);
    expect(issue({ status: 'lost' })).toMatch(/^status:/);
    expect(issue({ from: -1 })).toMatch(/^from:/);
    expect(issue({ dataset: ' ' })).toMatch(/^dataset: a dataset filter needs a dataset name/);
    expect(issue({ query: 'x'.repeat(201) })).toMatch(/^query: a search has at most 200 characters/);
    expect(issue({ name: 'Alpha' })).toMatch(/name/);
    expect(issue({})).toBeNull();
  });
});
