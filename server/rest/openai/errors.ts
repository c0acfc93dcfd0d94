/**
 * Errors of the OpenAI-compatible routes in OpenAI's shape, `{ error: { message, type, param, code } }`, with the
 * statuses OpenAI clients expect: Cadre's 422 (invalid input) is a 400 there. `type` and `code` follow OpenAI's names
 * where one applies (invalid_api_key, model_not_found, insufficient_quota, rate_limit_exceeded), else Cadre's code in
 * lower case. Cadre's own code (`cadre_code`), the problems of an invalid request (`issues`) and the request id
 * (`request_id`) are kept beside them.
 */
import { openAiErrorBodySchema } from "@/lib/schemas/openai";
import type { ErrorFormat, RestErrorBody } from "@/server/http/errors";

const TYPES: Record<number, string> = {
  400: "invalid_request_error",
  401: "invalid_request_error",
  402: "insufficient_quota",
  403: "permission_error",
  404: "invalid_request_error",
  409: "invalid_request_error",
  413: "invalid_request_error",
  422: "invalid_request_error",
  429: "rate_limit_error",
};

const CODES: Record<string, string> = {
  UNAUTHORIZED: "invalid_api_key",
  NOT_FOUND: "model_not_found",
  BUDGET_EXCEEDED: "insufficient_quota",
  RATE_LIMITED: "rate_limit_exceeded",
  FORBIDDEN: "insufficient_permissions",
};

export function openAiErrorOf(body: RestErrorBody, status: number): { status: number; body: unknown } {
  const param = body.issues?.[0]?.path || (body.code === "NOT_FOUND" ? "model" : null);
  return {
    status: status === 422 ? 400 : status,
    body: {
      error: {
        message: body.message,
        type: TYPES[status] ?? "server_error",
        param: param ? param : null,
        code: CODES[body.code] ?? body.code.toLowerCase(),
        request_id: body.requestId,
        cadre_code: body.code,
        ...(body.issues ? { issues: body.issues } : {}),
      },
    },
  };
}

export const openAiErrorFormat: { format: ErrorFormat; schema: typeof openAiErrorBodySchema } = { format: openAiErrorOf, schema: openAiErrorBodySchema };

/**
 * An error the handler answers itself (a run that failed, a wait that ran out): not retried by OpenAI clients
 * (`x-should-retry: false`: a retry would start another run), with the run's id in `x-cadre-run-id`.
 */
export function openAiRunError(status: number, code: string, message: string, runId: string, requestId: string): Response {
  return Response.json(
    { error: { message, type: "server_error", param: null, code, request_id: requestId, cadre_code: code.toUpperCase() } },
    { status, headers: { "x-should-retry": "false", "x-cadre-run-id": runId } },
  );
}
