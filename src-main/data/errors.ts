/**
 * What went wrong, as a word the UI and API can branch on. The message is always a sentence that names
 * the file (or URL) and says what was expected and what was found.
 */
export type DatasetErrorKind =
  | 'not_found' // a file, folder or dataset name that is not there
  | 'format' // wrong magic number, wrong header, not the expected kind of file
  | 'truncated' // fewer (or more) bytes than the header promises
  | 'mismatch' // two files that must agree do not (image and label counts, image sizes, class sets)
  | 'label' // a label outside the classes
  | 'decode' // an image or archive that cannot be decoded
  | 'layout' // a folder that is not in a layout we can read
  | 'table' // CSV: ragged rows, non-numeric cells, missing columns
  | 'options' // a bad argument (negative size, unknown dataset option)
  | 'conflict' // a name already taken by another dataset
  | 'network' // HTTP failure, dropped connection after the retries
  | 'checksum' // downloaded bytes differ from the published checksum or size
  | 'changed'; // a dataset's files differ from what was recorded at import (or from the published data)

export class DatasetError extends Error {
  readonly kind: DatasetErrorKind;
  /** The file, folder or URL concerned; null when none applies (a bad option, a generator). */
  readonly file: string | null;

  constructor(kind: DatasetErrorKind, file: string | null, message: string, options?: { cause?: unknown }) {
    super(file === null ? message : `${file}: ${message}`, options);
    this.name = 'DatasetError';
    this.kind = kind;
    this.file = file;
  }
}

/** Node's errno codes worth turning into a plain sentence; anything else keeps the system's text. */
export function ioError(file: string, error: unknown): DatasetError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return new DatasetError('not_found', file, 'no such file or folder', { cause: error });
  if (code === 'EACCES' || code === 'EPERM')
    return new DatasetError('not_found', file, 'cannot be read (permission denied)', { cause: error });
  if (code === 'EISDIR') return new DatasetError('format', file, 'is a folder, expected a file', { cause: error });
  const detail = error instanceof Error ? error.message : String(error);
  return new DatasetError('not_found', file, `cannot be read (${detail})`, { cause: error });
}
