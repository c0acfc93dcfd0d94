/** The error of every failed call of the SDK: the HTTP status and the API's error code (lib/errors.ts on the server). */
export interface ErrorIssue {
  path: string;
  message: string;
}

export class CadreApiError extends Error {
  readonly status: number;
  /** the AppError code: UNAUTHORIZED, FORBIDDEN, NOT_FOUND, VALIDATION_FAILED, BUDGET_EXCEEDED, ... or NETWORK_ERROR */
  readonly code: string;
  readonly requestId: string | undefined;
  readonly issues: ErrorIssue[];

  constructor(status: number, code: string, message: string, requestId?: string, issues: ErrorIssue[] = []) {
    super(message);
    this.name = "CadreApiError";
    this.status = status;
    this.code = code;
    this.requestId = requestId;
    this.issues = issues;
  }
}

/** The CadreApiError of an error answer (its `{ error: { code, message } }` body, else the bare status). */
export function apiErrorOf(status: number, body: unknown, requestId?: string | null): CadreApiError {
  const error = (body as { error?: { code?: unknown; message?: unknown; requestId?: unknown; issues?: unknown } } | null)?.error;
  if (error && typeof error.code === "string") {
    return new CadreApiError(
      status,
      error.code,
      typeof error.message === "string" ? error.message : error.code,
      typeof error.requestId === "string" ? error.requestId : (requestId ?? undefined),
      Array.isArray(error.issues) ? (error.issues as ErrorIssue[]) : [],
    );
  }
  return new CadreApiError(status, `HTTP_${status}`, `The server answered HTTP ${status}`, requestId ?? undefined);
}

/** The data of an openapi-fetch call, or its error thrown as a CadreApiError. */
export async function unwrap<R extends { data?: unknown; error?: unknown; response: Response }>(call: Promise<R>): Promise<NonNullable<R["data"]>> {
  const result = await call;
  if (result.error !== undefined || !result.response.ok) {
    throw apiErrorOf(result.response.status, result.error, result.response.headers.get("x-request-id"));
  }
  return result.data as NonNullable<R["data"]>;
}
