import { expect } from 'vitest';
import { DatasetError } from '../../src-main/data/errors';

/** Awaits a promise that must reject with a DatasetError, and returns that error for its message to be checked. */
export async function failure(promise: Promise<unknown>): Promise<DatasetError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DatasetError);
  return error as DatasetError;
}
