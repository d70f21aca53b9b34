import { ApiError, type ErrorCode } from '../../shared/api/errors';
import { DatasetError, type DatasetErrorKind } from '../data/errors';

/** Everything that is not a missing thing or a taken name is something wrong with what was asked for. */
function codeFor(kind: DatasetErrorKind): ErrorCode {
  if (kind === 'not_found') return 'not_found';
  if (kind === 'conflict') return 'conflict';
  return 'invalid_request';
}

/**
 * The data layer's error as the API's, keeping its sentence (which names the file and the problem).
 * `location` is the file the user asked about: named in front when the data layer's sentence does not
 * name it already (a bad or taken dataset name says nothing about the file).
 */
export function datasetApiError(error: unknown, action: string, location?: string): unknown {
  if (!(error instanceof DatasetError)) return error;
  const named = location === undefined || error.message.includes(location);
  const message = named ? `${action}: ${error.message}` : `${action} ${location}: ${error.message}`;
  return new ApiError(codeFor(error.kind), message);
}
