/**
 * The one error type of Cadre. Services throw AppError; tRPC and REST map `code` through ERROR_TABLE.
 * 5xx errors never carry internal details to the client.
 */
export const ERROR_TABLE = {
  BAD_REQUEST: { http: 400, trpc: "BAD_REQUEST" },
  /** a list's `cursor` is not the nextCursor of a page of it (see server/db/cursor.ts) */
  INVALID_CURSOR: { http: 400, trpc: "BAD_REQUEST" },
  VALIDATION_FAILED: { http: 422, trpc: "UNPROCESSABLE_CONTENT" },
  UNAUTHORIZED: { http: 401, trpc: "UNAUTHORIZED" },
  FORBIDDEN: { http: 403, trpc: "FORBIDDEN" },
  /** a sensitive action needs a recent authentication of this session: re-authenticate (account.stepUp) and retry */
  STEP_UP_REQUIRED: { http: 403, trpc: "FORBIDDEN" },
  /**
   * like STEP_UP_REQUIRED, for a person with no password and no second factor to confirm it in place: sign in again
   * (single sign-on, GitHub, Google), then retry within the step-up window
   */
  REAUTHENTICATION_REQUIRED: { http: 403, trpc: "FORBIDDEN" },
  /** an organisation requires a second factor of this person: enrol one on the account page first */
  MFA_ENROLMENT_REQUIRED: { http: 403, trpc: "FORBIDDEN" },
  NOT_FOUND: { http: 404, trpc: "NOT_FOUND" },
  CONFLICT: { http: 409, trpc: "CONFLICT" },
  GONE: { http: 410, trpc: "NOT_FOUND" },
  /** the egress guard refused an outbound request; the message names the rule (see server/egress/) */
  EGRESS_REFUSED: { http: 403, trpc: "FORBIDDEN" },
  /** the request body is larger than the limit the message names */
  PAYLOAD_TOO_LARGE: { http: 413, trpc: "PAYLOAD_TOO_LARGE" },
  RATE_LIMITED: { http: 429, trpc: "TOO_MANY_REQUESTS" },
  /** a call would cross a budget limit; nothing was spent */
  BUDGET_EXCEEDED: { http: 402, trpc: "PAYMENT_REQUIRED" },
  /** the router found no model satisfying the policy; the message names the binding constraint */
  NO_FEASIBLE_MODEL: { http: 422, trpc: "UNPROCESSABLE_CONTENT" },
  /** a run refused before anything is spent or queued: a node fits no model (window, JSON); `details.issues` names each */
  RUN_INFEASIBLE: { http: 422, trpc: "UNPROCESSABLE_CONTENT" },
  /** a model provider failed (after fallbacks); the message is composed by Cadre and safe to show */
  UPSTREAM_ERROR: { http: 502, trpc: "BAD_GATEWAY", exposeMessage: true },
  /** the Idempotency-Key header is empty, too long or not printable ASCII */
  IDEMPOTENCY_KEY_INVALID: { http: 400, trpc: "BAD_REQUEST" },
  /** the Idempotency-Key was already used (within its 24 hours) for a different request */
  IDEMPOTENCY_KEY_REUSED: { http: 422, trpc: "UNPROCESSABLE_CONTENT" },
  /** the first request with this Idempotency-Key is still being processed: retry after `Retry-After` */
  IDEMPOTENCY_KEY_IN_FLIGHT: { http: 409, trpc: "CONFLICT" },
  /** a team's final answer does not match its output schema; the details list the problems (the run keeps its output) */
  OUTPUT_INVALID: { http: 422, trpc: "UNPROCESSABLE_CONTENT" },
  /** a run's quality gate judged its output a fail (or a person rejected it on review): the run failed with the verdict */
  QUALITY_GATE_FAILED: { http: 422, trpc: "UNPROCESSABLE_CONTENT" },
  /** the workspace holds as many memories as its cap allows (Memory settings, CADRE_MEMORY_LIMIT_MAX): nothing was written */
  MEMORY_LIMIT_REACHED: { http: 409, trpc: "CONFLICT" },
  INTERNAL: { http: 500, trpc: "INTERNAL_SERVER_ERROR" },
} as const satisfies Record<string, { http: number; trpc: string; exposeMessage?: boolean }>;

export type ErrorCode = keyof typeof ERROR_TABLE;

/**
 * What a failure says about trying again, as typed properties (never read from the message):
 * - `retryable`: false when repeating the same request cannot help (a provider's 4xx about the request itself); true or
 *   absent leaves it to the code (see server/jobs/step.ts `isRetryable`).
 * - `retryAt` (epoch ms): nothing can be attempted before then (every model the call may use is cooling down in the
 *   circuit breaker, or its provider asked to wait with Retry-After); the run engine waits for it durably, within
 *   the step's outage wait limit. `waitingFor` names what it waits for (provider names, for people).
 * - `wakeEvent`: a wait that an event may end early (a tool call's approval): its key. Under Inngest the wait is
 *   `step.waitForEvent` on that key up to `retryAt`, in slices with the database read between them (a wake event
 *   sent before the wait registered is lost: server/jobs/inngest.ts WAKE_SLICE_MS); the in-process executor is woken
 *   by the decision.
 */
export interface RetryHint {
  retryable?: boolean;
  retryAt?: number;
  waitingFor?: string;
  wakeEvent?: string;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details?: Record<string, unknown>;
  readonly retryable?: boolean;
  readonly retryAt?: number;
  readonly waitingFor?: string;
  readonly wakeEvent?: string;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>, hint?: RetryHint) {
    super(message);
    this.name = "AppError";
    this.code = code;
    this.details = details;
    if (hint?.retryable !== undefined) this.retryable = hint.retryable;
    if (hint?.retryAt !== undefined) this.retryAt = hint.retryAt;
    if (hint?.waitingFor !== undefined) this.waitingFor = hint.waitingFor;
    if (hint?.wakeEvent !== undefined) this.wakeEvent = hint.wakeEvent;
  }

  get httpStatus(): number {
    return ERROR_TABLE[this.code].http;
  }

  /** 5xx messages are replaced by a generic one unless the code says its messages are safe to show. */
  get exposeMessage(): boolean {
    const entry: { http: number; exposeMessage?: boolean } = ERROR_TABLE[this.code];
    return entry.http < 500 || entry.exposeMessage === true;
  }
}

export const GENERIC_INTERNAL_MESSAGE = "Something went wrong on our side. Quote the request id when reporting it.";

export function notFound(what: string): AppError {
  return new AppError("NOT_FOUND", `${what} not found`);
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}
