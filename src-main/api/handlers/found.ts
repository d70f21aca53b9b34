import { ApiError } from '../../../shared/api/errors';

/** Turns a missing record into the API's not_found error, naming what was looked for. */
export function found<T>(value: T | undefined, what: string, id: number): T {
  if (value === undefined) throw new ApiError('not_found', `No ${what} with id ${id}.`);
  return value;
}
