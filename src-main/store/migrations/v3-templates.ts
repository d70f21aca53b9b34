import type { Migration } from './migration';

/**
 * Saved designer templates: a named experiment spec to start new experiments from, kept apart from any
 * session. The spec is stored as JSON with the schema version it was written under, like an experiment's.
 *
 * Names are unique regardless of case through `name_key`, the name lower-cased by the store (the same fold
 * as session search). SQLite's NOCASE folds ASCII only, so "Λ sweep" and "λ sweep" would both pass it.
 */
export const v3Templates: Migration = {
  version: 3,
  description: 'designer templates',
  up(db) {
    db.exec(`
      CREATE TABLE templates (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL,
        name_key TEXT NOT NULL UNIQUE,
        schema_version INTEGER NOT NULL,
        spec TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );
    `);
  },
};
