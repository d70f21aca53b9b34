import { describeIssues, issuesFromZod } from '../../shared/api/errors';
import { EXPERIMENT_SCHEMA_VERSION, ExperimentSpec } from '../../shared/schemas/experiment';
import { TemplateName, type Template } from '../../shared/schemas/records';
import type { Db } from './sqlite';
import type { TemplateStore } from './types';

interface TemplateRow {
  id: number;
  name: string;
  schemaVersion: number;
  spec: string;
  createdAt: number;
  updatedAt: number;
}

const TEMPLATE_SELECT = `SELECT id, name, schema_version AS schemaVersion, spec, created_at AS createdAt,
  updated_at AS updatedAt FROM templates`;

/** Thrown when a template name is already in use (ignoring case); the API turns it into a 'conflict'. */
export class TemplateNameTaken extends Error {
  constructor(
    readonly requested: string,
    readonly existing: { id: number; name: string },
  ) {
    super(`A template named “${existing.name}” already exists.`);
    this.name = 'TemplateNameTaken';
  }
}

/**
 * The form names are compared in. NFC first, so that an accented letter typed as one code point or as two
 * is the same name; then lower case, which folds more than ASCII (unlike SQLite's NOCASE).
 */
export function templateNameKey(name: string): string {
  return name.normalize('NFC').toLowerCase();
}

/**
 * The stored spec parsed, or why it cannot be used: worded for the designer, which lists the template with
 * this sentence instead of loading it.
 */
function specProblem(row: TemplateRow): { spec: ExperimentSpec; problem: null } | { spec: null; problem: string } {
  const which = `The template “${row.name}” (id ${row.id})`;
  if (row.schemaVersion > EXPERIMENT_SCHEMA_VERSION) {
    return {
      spec: null,
      problem:
        `${which} was saved by a newer Broadcast Lab (spec schema version ${row.schemaVersion}; this one reads ` +
        `up to ${EXPERIMENT_SCHEMA_VERSION}). Update Broadcast Lab to load it.`,
    };
  }
  let json: unknown;
  try {
    json = JSON.parse(row.spec);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    return { spec: null, problem: `${which} cannot be loaded: its spec is not valid JSON (${detail}).` };
  }
  // A spec written by an older app would be migrated here (EXPERIMENT_SCHEMA_VERSION > row.schemaVersion).
  const parsed = ExperimentSpec.safeParse(json);
  if (parsed.success) return { spec: parsed.data, problem: null };
  const issues = issuesFromZod(parsed.error).slice(0, 3);
  return {
    spec: null,
    problem: `${which} cannot be loaded: its spec is not a valid experiment (${describeIssues(issues)}).`,
  };
}

function fromRow(row: TemplateRow): Template {
  const base = { id: row.id, name: row.name, createdAt: row.createdAt, updatedAt: row.updatedAt };
  return { ...base, ...specProblem(row) };
}

/** Designer templates: specs validated on the way in and parsed on the way out, never crashing a list. */
export function createTemplateStore(db: Db, now: () => number): TemplateStore {
  const list = db.prepare<[], TemplateRow>(`${TEMPLATE_SELECT} ORDER BY name_key, id`);
  const get = db.prepare<[number], TemplateRow>(`${TEMPLATE_SELECT} WHERE id = ?`);
  const byKey = db.prepare<[string], { id: number; name: string }>('SELECT id, name FROM templates WHERE name_key = ?');
  const insert = db.prepare<[string, string, number, string, number, number], { id: number }>(
    `INSERT INTO templates (name, name_key, schema_version, spec, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
  );
  const overwrite = db.prepare<[string, string, number, string, number, number]>(
    'UPDATE templates SET name = ?, name_key = ?, schema_version = ?, spec = ?, updated_at = ? WHERE id = ?',
  );
  const rename = db.prepare<[string, string, number, number]>(
    'UPDATE templates SET name = ?, name_key = ?, updated_at = ? WHERE id = ?',
  );
  const remove = db.prepare<[number]>('DELETE FROM templates WHERE id = ?');

  function byId(id: number): Template | undefined {
    const row = get.get(id);
    return row && fromRow(row);
  }

  function readBack(id: number): Template {
    const template = byId(id);
    if (!template) throw new Error(`template ${id} could not be read back`);
    return template;
  }

  const save = db.transaction((input: { name: string; spec: ExperimentSpec; replace?: boolean }): Template => {
    const name = TemplateName.parse(input.name);
    const json = JSON.stringify(ExperimentSpec.parse(input.spec));
    const key = templateNameKey(name);
    const existing = byKey.get(key);
    const stamp = now();
    if (existing) {
      if (!input.replace) throw new TemplateNameTaken(name, existing);
      overwrite.run(name, key, EXPERIMENT_SCHEMA_VERSION, json, stamp, existing.id);
      return readBack(existing.id);
    }
    const row = insert.get(name, key, EXPERIMENT_SCHEMA_VERSION, json, stamp, stamp);
    if (!row) throw new Error('the new template could not be read back');
    return readBack(row.id);
  });

  const renameTx = db.transaction((id: number, newName: string): Template | undefined => {
    const name = TemplateName.parse(newName);
    const key = templateNameKey(name);
    const clash = byKey.get(key);
    if (clash && clash.id !== id) throw new TemplateNameTaken(name, clash);
    return rename.run(name, key, now(), id).changes > 0 ? readBack(id) : undefined;
  });

  return {
    list: () => list.all().map(fromRow),
    get: byId,
    // IMMEDIATE: the name check and the write happen under one write lock, so another process cannot slip in.
    save: (input) => save.immediate(input),
    rename: (id, name) => renameTx.immediate(id, name),
    delete: (id) => remove.run(id).changes > 0,
  };
}
