import type { z } from 'zod';
import { StoreError } from './types';

/**
 * Columns whose meaning SQLite cannot check (JSON documents, enum strings) are parsed on the way out, so
 * that a row damaged by hand-editing or by a bug surfaces as an error naming the row, not as bad data
 * flowing into a figure.
 */
function damaged(file: string, what: string, detail: string, cause?: unknown): StoreError {
  return new StoreError(
    'corrupt',
    file,
    `The database ${file} holds a damaged value: ${what} ${detail}. The rest of the database is usable; ` +
      'delete or repair that record (or restore the file from a backup).',
    cause === undefined ? undefined : { cause },
  );
}

function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.length > 0 ? i.path.join('.') : '(root)'}: ${i.message}`).join('; ');
}

export function parseColumn<T>(schema: z.ZodType<T>, value: unknown, what: string, file: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw damaged(file, what, `is invalid (${describeIssues(parsed.error)})`, parsed.error);
  return parsed.data;
}

export function parseJsonColumn<T>(schema: z.ZodType<T>, text: string, what: string, file: string): T {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw damaged(file, what, `is not valid JSON (${error instanceof Error ? error.message : String(error)})`, error);
  }
  return parseColumn(schema, value, what, file);
}
