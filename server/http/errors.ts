import { ZodError } from "zod";
import { AppError, GENERIC_INTERNAL_MESSAGE } from "@/lib/errors";
import { logger } from "@/server/logger";
import { fromPrismaError } from "@/server/db/errors";

/** Cadre's REST error body, as `errorResponse` builds it. */
export interface RestErrorBody {
  code: string;
  message: string;
  requestId: string;
  issues?: { path: string; message: string }[];
}

/** Another protocol's error shape (the OpenAI-compatible routes): the status and body to answer for Cadre's. */
export type ErrorFormat = (body: RestErrorBody, status: number) => { status: number; body: unknown };

/**
 * Turns any thrown value into the REST error body `{ error: { code, message, requestId } }` (or, with `format`, the
 * shape it makes of that).
 */
export function errorResponse(error: unknown, requestId: string, extraHeaders: Record<string, string> = {}, format?: ErrorFormat): Response {
  error = fromPrismaError(error);
  let status = 500;
  let body: RestErrorBody;
  if (error instanceof AppError) {
    status = error.httpStatus;
    body = { code: error.code, message: error.exposeMessage ? error.message : GENERIC_INTERNAL_MESSAGE, requestId };
    const issues = error.details?.issues;
    if (Array.isArray(issues)) body.issues = issues as { path: string; message: string }[];
  } else if (error instanceof ZodError) {
    status = 422;
    const issues = error.issues.map((i) => ({ path: i.path.join("."), message: i.message }));
    body = { code: "VALIDATION_FAILED", message: issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join("; "), requestId, issues };
  } else {
    body = { code: "INTERNAL", message: GENERIC_INTERNAL_MESSAGE, requestId };
  }
  if (status >= 500) logger.error({ requestId, err: error }, "request failed");
  const headers: Record<string, string> = { ...extraHeaders, "x-request-id": requestId };
  const retryAfter = error instanceof AppError ? error.details?.retryAfterSeconds : undefined;
  if (typeof retryAfter === "number") headers["retry-after"] = String(Math.max(1, Math.ceil(retryAfter)));
  if (format) {
    const formatted = format(body, status);
    return Response.json(formatted.body, { status: formatted.status, headers });
  }
  return Response.json({ error: body }, { status, headers });
}
