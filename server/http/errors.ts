import { ZodError } from "zod";
import { AppError, GENERIC_INTERNAL_MESSAGE } from "@/lib/errors";
import { logger } from "@/server/logger";
import { fromPrismaError } from "@/server/db/errors";

/** Turns any thrown value into the REST error body `{ error: { code, message, requestId } }`. */
export function errorResponse(error: unknown, requestId: string, extraHeaders: Record<string, string> = {}): Response {
  error = fromPrismaError(error);
  let status = 500;
  let body: { code: string; message: string; requestId: string; issues?: { path: string; message: string }[] };
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
  return Response.json({ error: body }, { status, headers });
}
