import { ApiError } from '../../../shared/api/errors';

/**
 * Raised for calls that could not complete because the connection to the engine host dropped.
 * The shared ErrorCode set has no transport-level code, so this carries 'internal' and is told apart
 * by class (see isDisconnected) — the message is what a user sees.
 */
export class DisconnectedError extends ApiError {
  readonly disconnected = true;
  constructor(message = 'Disconnected from the Broadcast Lab server — reconnecting. Try again in a moment.') {
    super('internal', message);
    this.name = 'DisconnectedError';
  }
}

export function isDisconnected(error: unknown): error is DisconnectedError {
  return error instanceof DisconnectedError;
}

/** The sentence to show for anything a call threw. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
