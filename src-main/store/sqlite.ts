import type Database from 'better-sqlite3';

/** The better-sqlite3 connection type, named once so that every module spells it the same way. */
export type Db = Database.Database;
export type Statement<Params extends unknown[] = unknown[], Row = unknown> = Database.Statement<Params, Row>;

/** better-sqlite3 reports SQLite's extended result code (e.g. SQLITE_BUSY_SNAPSHOT) as `code`. */
export function sqliteCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  const code = (error as { code: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

export function isForeignKeyViolation(error: unknown): boolean {
  return sqliteCode(error) === 'SQLITE_CONSTRAINT_FOREIGNKEY';
}
