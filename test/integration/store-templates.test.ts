import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ExperimentSpec } from '../../shared/schemas/experiment';
import { TemplateNameTaken } from '../../src-main/store';
import type { Store } from '../../src-main/store/types';
import { openTestStore, removeDir, sampleSpec, tempDir } from './store-test-helpers';

let dir: string;
let file: string;
let store: Store;

beforeEach(() => {
  dir = tempDir();
  file = path.join(dir, 'lab.sqlite');
  store = openTestStore(file);
});

afterEach(() => {
  store.close();
  removeDir(dir);
});

/** Writes a row's columns behind the store's back, as hand-editing or a newer app would. */
function tamper(sql: string, ...args: (string | number)[]): void {
  const db = new Database(file);
  try {
    db.prepare(sql).run(...args);
  } finally {
    db.close();
  }
}

describe('the template store', () => {
  it('saves a spec and gives it back whole, across reopening the file', () => {
    const spec = ExperimentSpec.parse({
      ...sampleSpec('Own optimiser'),
      rules: [{ rule: 'ebd', params: { lambda: 0.95 }, optimizer: { kind: 'adam', learningRate: 0.002 } }],
    });
    const saved = store.templates.save({ name: '  EBD, own Adam  ', spec });
    expect(saved).toMatchObject({ name: 'EBD, own Adam', problem: null });
    expect(saved.spec).toEqual(spec);
    expect(saved.updatedAt).toBe(saved.createdAt);
    store.close();
    store = openTestStore(file);
    expect(store.templates.list()).toEqual([saved]);
    expect(store.templates.get(saved.id)).toEqual(saved);
    expect(store.templates.get(saved.id + 1)).toBeUndefined();
  });

  it('lists by name, ignoring case', () => {
    for (const name of ['beta', 'Alpha', 'gamma', 'ALPHA 2']) store.templates.save({ name, spec: sampleSpec() });
    expect(store.templates.list().map((t) => t.name)).toEqual(['Alpha', 'ALPHA 2', 'beta', 'gamma']);
  });

  it('refuses a spec the schema refuses, and an empty name, writing nothing', () => {
    const bad = { ...sampleSpec(), epochs: 0 } as ExperimentSpec;
    expect(() => store.templates.save({ name: 'bad', spec: bad })).toThrow(/epochs/);
    expect(() => store.templates.save({ name: '   ', spec: sampleSpec() })).toThrow(/needs a name/);
    expect(store.templates.list()).toEqual([]);
  });

  it('refuses a name taken in another case, in any script, unless asked to replace', () => {
    const first = store.templates.save({ name: 'Λ sweep', spec: sampleSpec() });
    const taken = (() => {
      try {
        store.templates.save({ name: 'λ SWEEP', spec: sampleSpec('other') });
      } catch (error) {
        return error;
      }
    })();
    expect(taken).toBeInstanceOf(TemplateNameTaken);
    expect((taken as TemplateNameTaken).existing).toEqual({ id: first.id, name: 'Λ sweep' });
    expect(store.templates.list()).toEqual([first]);

    const replaced = store.templates.save({ name: 'λ SWEEP', spec: sampleSpec('other'), replace: true });
    expect(replaced).toMatchObject({ id: first.id, name: 'λ SWEEP', createdAt: first.createdAt });
    expect(replaced.updatedAt).toBeGreaterThan(first.updatedAt);
    expect(replaced.spec?.name).toBe('other');
    expect(store.templates.list()).toEqual([replaced]);
  });

  it('treats a composed and a decomposed accent as the same name', () => {
    store.templates.save({ name: 'Caf\u00e9', spec: sampleSpec() });
    expect(() => store.templates.save({ name: 'CAFE\u0301', spec: sampleSpec() })).toThrow(TemplateNameTaken);
  });

  it('creates with replace when no template has the name', () => {
    const created = store.templates.save({ name: 'new', spec: sampleSpec(), replace: true });
    expect(store.templates.list()).toEqual([created]);
  });

  it('renames, refusing a name another template has but allowing a change of case', () => {
    const a = store.templates.save({ name: 'a', spec: sampleSpec() });
    const b = store.templates.save({ name: 'b', spec: sampleSpec() });
    expect(() => store.templates.rename(b.id, 'A')).toThrow(TemplateNameTaken);
    expect(store.templates.rename(a.id, 'A')).toMatchObject({ id: a.id, name: 'A' });
    expect(store.templates.rename(b.id, 'c')).toMatchObject({ id: b.id, name: 'c', spec: b.spec });
    expect(store.templates.rename(b.id + 100, 'd')).toBeUndefined();
    // The old name is free again.
    expect(store.templates.save({ name: 'B', spec: sampleSpec() }).name).toBe('B');
  });

  it('deletes, freeing the name', () => {
    const t = store.templates.save({ name: 'gone', spec: sampleSpec() });
    expect(store.templates.delete(t.id)).toBe(true);
    expect(store.templates.delete(t.id)).toBe(false);
    expect(store.templates.list()).toEqual([]);
    expect(store.templates.save({ name: 'GONE', spec: sampleSpec() }).id).not.toBe(t.id);
  });
});

describe('a stored spec that no longer parses', () => {
  it('is listed with a problem naming the template, and the others still load', () => {
    const good = store.templates.save({ name: 'good', spec: sampleSpec() });
    const edited = store.templates.save({ name: 'edited', spec: sampleSpec() });
    const broken = store.templates.save({ name: 'broken', spec: sampleSpec() });
    const newer = store.templates.save({ name: 'newer', spec: sampleSpec() });
    store.close();
    tamper("UPDATE templates SET spec = json_set(spec, '$.epochs', -1) WHERE id = ?", edited.id);
    tamper('UPDATE templates SET spec = \'{"name": \' WHERE id = ?', broken.id);
    tamper('UPDATE templates SET schema_version = 99 WHERE id = ?', newer.id);
    store = openTestStore(file);

    const listed = store.templates.list();
    expect(listed.map((t) => t.name)).toEqual(['broken', 'edited', 'good', 'newer']);
    expect(listed.find((t) => t.id === good.id)).toEqual(good);
    const problem = (id: number) => store.templates.get(id)?.problem;
    expect(problem(edited.id)).toMatch(/template “edited” \(id \d+\) cannot be loaded: .*epochs/);
    expect(problem(broken.id)).toMatch(/template “broken” .* not valid JSON/);
    expect(problem(newer.id)).toMatch(/template “newer” .* newer Broadcast Lab .*version 99/);
    expect(listed.filter((t) => t.problem !== null).every((t) => t.spec === null)).toBe(true);

    // A damaged template can still be replaced or deleted.
    expect(store.templates.save({ name: 'Edited', spec: sampleSpec(), replace: true }).problem).toBeNull();
    expect(store.templates.delete(broken.id)).toBe(true);
  });
});
