import { StoreError } from '../store/types';

/**
 * The error box shown when the app cannot start. A database problem (StoreError) names the file first;
 * the store's own message already says what is wrong, that the file was left as it is, and what to do.
 */
export function describeStartupError(error: unknown): { title: string; content: string } {
  if (error instanceof StoreError) {
    return {
      title: 'Broadcast Lab cannot open its database',
      content: `Database: ${error.path}\n\n${error.message}`,
    };
  }
  const detail = error instanceof Error ? error.message : String(error);
  return { title: 'Broadcast Lab could not start', content: detail };
}
