import type { SessionFilter } from '../../shared/api/session-filter';
import type { Db } from './sqlite';

/** SQLite's LIKE folds ASCII only; this function folds the rest too (É/é, Λ/λ), for search in any language. */
export const FOLD_FUNCTION = 'bl_fold';

export function registerFoldFunction(db: Db): void {
  db.function(FOLD_FUNCTION, { deterministic: true }, (value: unknown) =>
    typeof value === 'string' ? value.toLowerCase() : value,
  );
}

/** `%`, `_` and the escape character itself match literally: a search for "50%" finds "50%", not "500". */
export function likePattern(text: string): string {
  return `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

const DATASET = `json_extract(e.spec, '$.dataset.name') = ?`;

/**
 * The WHERE clause (over `sessions s`) and its arguments for a filter. The clause text depends only on which
 * fields are given, so callers can cache one prepared statement per shape. See SessionFilter for the semantics.
 */
export function sessionFilterSql(filter: SessionFilter): { where: string; args: (string | number)[] } {
  const clauses: string[] = [];
  const args: (string | number)[] = [];
  const query = filter.query?.trim();
  if (query) {
    clauses.push(`(${FOLD_FUNCTION}(s.name) LIKE ? ESCAPE '\\' OR ${FOLD_FUNCTION}(s.notes) LIKE ? ESCAPE '\\')`);
    args.push(likePattern(query), likePattern(query));
  }
  if (filter.from !== undefined) {
    clauses.push('s.updated_at >= ?');
    args.push(filter.from);
  }
  if (filter.to !== undefined) {
    clauses.push('s.updated_at <= ?');
    args.push(filter.to);
  }
  if (filter.status !== undefined) {
    // One run must match every criterion given, so its rule is the run's own.
    const inner = ['e.session_id = s.id', 'r.status = ?'];
    args.push(filter.status);
    if (filter.rule !== undefined) {
      inner.push('r.rule = ?');
      args.push(filter.rule);
    }
    if (filter.dataset !== undefined) {
      inner.push(DATASET);
      args.push(filter.dataset);
    }
    clauses.push(
      `EXISTS (SELECT 1 FROM runs r JOIN experiments e ON e.id = r.experiment_id WHERE ${inner.join(' AND ')})`,
    );
  } else if (filter.rule !== undefined || filter.dataset !== undefined) {
    // Without a status the experiment decides: a rule it compares counts even before any run has been started.
    const inner = ['e.session_id = s.id'];
    if (filter.dataset !== undefined) {
      inner.push(DATASET);
      args.push(filter.dataset);
    }
    if (filter.rule !== undefined) {
      inner.push(`EXISTS (SELECT 1 FROM json_each(e.spec, '$.rules') j WHERE json_extract(j.value, '$.rule') = ?)`);
      args.push(filter.rule);
    }
    clauses.push(`EXISTS (SELECT 1 FROM experiments e WHERE ${inner.join(' AND ')})`);
  }
  return { where: clauses.length > 0 ? ` WHERE ${clauses.join(' AND ')}` : '', args };
}
