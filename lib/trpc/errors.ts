import { TRPCClientError } from "@trpc/client";
import type { AppRouter } from "@/server/api/root";

type ClientError = TRPCClientError<AppRouter>;

export function isTrpcError(error: unknown): error is ClientError {
  return error instanceof TRPCClientError;
}

/** The tRPC error code (NOT_FOUND, CONFLICT, ...) of an error, if it came from the server. */
export function errorCode(error: unknown): string | undefined {
  return isTrpcError(error) ? error.data?.code : undefined;
}

/** Cadre's own error code (lib/errors.ts ERROR_TABLE: MFA_ENROLMENT_REQUIRED, STEP_UP_REQUIRED, ...), when the server sent one. */
export function appErrorCode(error: unknown): string | undefined {
  return isTrpcError(error) ? (error.data as { appCode?: string } | undefined)?.appCode : undefined;
}

/**
 * A refusal that happens before tRPC reads the request (the body size limit) comes as the plain error envelope
 * `{ error: { code, message, requestId } }`, not in tRPC's shape.
 */
function envelopeOf(error: ClientError): { code: string; message: string } | null {
  const json = (error.meta as { responseJSON?: { error?: { code?: unknown; message?: unknown } } } | undefined)?.responseJSON;
  const e = json && !Array.isArray(json) ? json.error : undefined;
  return e && typeof e.code === "string" && typeof e.message === "string" && !("json" in e) ? { code: e.code, message: e.message } : null;
}

export function httpStatusOf(error: unknown): number | undefined {
  return isTrpcError(error) ? error.data?.httpStatus : undefined;
}

/**
 * A message fit for a person: the first validation issue when the input was refused, else the
 * server's message (which never carries internals for 5xx errors).
 */
export function errorMessage(error: unknown, fallback = "Something went wrong. Try again."): string {
  if (!error) return fallback;
  if (isTrpcError(error)) {
    const envelope = envelopeOf(error);
    if (envelope) return envelope.message;
    const issue = error.data?.issues?.[0];
    if (issue?.message) return issue.message;
    if (!error.data && error.cause instanceof TypeError) return "Cannot reach the server. Check your connection.";
    if (error.message && !error.message.startsWith("[")) return error.message;
    return fallback;
  }
  if (error instanceof Error && error.message) return error.message;
  return fallback;
}
