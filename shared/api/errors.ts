import { z } from 'zod';

export const ErrorCode = z.enum([
  'invalid_request',
  'unknown_method',
  'not_found',
  'conflict',
  'storage',
  'unauthorized',
  'internal',
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

export const Issue = z.object({ path: z.string(), message: z.string() });
export type Issue = z.infer<typeof Issue>;

export const ApiErrorBody = z.object({
  code: ErrorCode,
  message: z.string(),
  issues: z.array(Issue).optional(),
});
export type ApiErrorBody = z.infer<typeof ApiErrorBody>;

/** Thrown by handlers and by clients: carries a machine-readable code and a sentence a user can act on. */
export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly issues: Issue[] | undefined;
  constructor(code: ErrorCode, message: string, issues?: Issue[]) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.issues = issues;
  }
  toBody(): ApiErrorBody {
    return this.issues
      ? { code: this.code, message: this.message, issues: this.issues }
      : { code: this.code, message: this.message };
  }
  static fromBody(body: ApiErrorBody): ApiError {
    return new ApiError(body.code, body.message, body.issues);
  }
}

/** Flattens zod issues into "path: message" pairs, the form every transport and view shows. */
export function issuesFromZod(error: z.ZodError): Issue[] {
  return error.issues.map((i) => ({
    path: i.path.map(String).join('.') || '(root)',
    message: i.message,
  }));
}

export function describeIssues(issues: Issue[]): string {
  return issues.map((i) => (i.path === '(root)' ? i.message : `${i.path}: ${i.message}`)).join('; ');
}
