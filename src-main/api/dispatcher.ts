import { ApiError, describeIssues, issuesFromZod } from '../../shared/api/errors';
import { contract, isMethodName, type MethodName } from '../../shared/api/contract';
import type { InvokeOutcome } from '../../shared/api/envelope';
import { StoreError } from '../store/types';
import type { Connection } from './connection';
import type { Handlers } from './handler-types';

export interface Dispatcher {
  invoke(method: unknown, payload: unknown, connection: Connection): Promise<InvokeOutcome>;
}

export interface DispatcherOptions {
  /** Check every response against its schema too: on in tests, where a handler bug should fail loudly. */
  validateResponses?: boolean;
  log?: (message: string, error: unknown) => void;
}

/**
 * The single entry point both transports call. Requests are parsed by the contract's schema before a
 * handler sees them, so handlers receive typed, validated input and never raw JSON.
 */
export function createDispatcher(handlers: Handlers, options: DispatcherOptions = {}): Dispatcher {
  const log = options.log ?? ((message, error) => console.error(message, error));
  return {
    async invoke(method, payload, connection) {
      if (!isMethodName(method)) {
        return failure(new ApiError('unknown_method', `Unknown API method ${JSON.stringify(method)}.`));
      }
      const parsed = contract[method].request.safeParse(payload ?? {});
      if (!parsed.success) {
        const issues = issuesFromZod(parsed.error);
        return failure(
          new ApiError('invalid_request', `Invalid request for ${method}: ${describeIssues(issues)}`, issues),
        );
      }
      try {
        const result = await callHandler(handlers, method, parsed.data, connection);
        if (options.validateResponses) {
          const checked = contract[method].response.safeParse(result);
          if (!checked.success) {
            throw new Error(
              `handler for ${method} returned a malformed response: ${describeIssues(issuesFromZod(checked.error))}`,
            );
          }
        }
        return { ok: true, result };
      } catch (error) {
        return failure(toApiError(method, error, log));
      }
    },
  };
}

function callHandler(handlers: Handlers, method: MethodName, request: unknown, connection: Connection): unknown {
  // The request was parsed by this method's own schema just above, so the cast only restates that.
  const handler = handlers[method] as (request: unknown, connection: Connection) => unknown;
  return handler(request, connection);
}

function toApiError(method: MethodName, error: unknown, log: NonNullable<DispatcherOptions['log']>): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof StoreError) return new ApiError('storage', error.message);
  log(`internal error in ${method}:`, error);
  const detail = error instanceof Error ? error.message : String(error);
  return new ApiError('internal', `${method} failed: ${detail}`);
}

function failure(error: ApiError): InvokeOutcome {
  return { ok: false, error: error.toBody() };
}
