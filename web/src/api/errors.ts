import type { ApiErrorBody } from './types';

/**
 * A failed API call. `status` is the HTTP status (0 when the request never got
 * an answer), `code` the server's machine-readable code, and `field` names the
 * input a validation error belongs to so forms can show it in place.
 */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly field?: string;

  constructor(status: number, code: string, message: string, field?: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.field = field;
  }

  get isNetwork(): boolean {
    return this.status === 0;
  }
}

const fallbackMessages: Record<number, string> = {
  400: 'The request was not valid.',
  401: 'Your session has expired. Please sign in again.',
  403: 'You do not have permission to do that.',
  404: 'Not found.',
  409: 'That conflicts with existing data.',
  413: 'The request is too large.',
  415: 'Unsupported request encoding.',
  422: 'Some fields are not valid.',
  429: 'Too many requests. Please wait a moment.',
};

/** Builds an ApiError from a response whose status is not 2xx. */
export async function errorFromResponse(res: Response): Promise<ApiError> {
  let body: Partial<ApiErrorBody> | null = null;
  try {
    body = (await res.json()) as Partial<ApiErrorBody>;
  } catch {
    // Not JSON (a proxy error page, an empty body): fall back below.
  }
  const err = body?.error;
  const message =
    err?.message ||
    fallbackMessages[res.status] ||
    (res.status >= 500 ? 'The server had a problem. Try again shortly.' : `Request failed (${res.status}).`);
  const code = err?.code || `http_${res.status}`;
  return new ApiError(res.status, code, sentence(message), err?.field ?? fieldByCode[code]);
}

/** Conflicts the server reports without a `field`, tied to the input they concern. */
const fieldByCode: Record<string, string> = {
  email_taken: 'email',
  slug_taken: 'slug',
  invalid_credentials: 'password',
};

/** Server messages are lower-case fragments; show them as sentences. */
function sentence(message: string): string {
  const m = message.trim();
  return m ? m.charAt(0).toUpperCase() + m.slice(1) : m;
}

/** The input an error belongs to, if any (for showing it in place). */
export function errorField(err: unknown): string | undefined {
  return err instanceof ApiError ? err.field : undefined;
}

/** Human text for anything thrown by a query or mutation. */
export function errorMessage(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  if (err instanceof Error) return err.message;
  return 'Something went wrong.';
}
