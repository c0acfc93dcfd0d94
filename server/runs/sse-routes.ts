/**
 * GET /api/v1/runs/{runId}/events: a run's events for an API key (Authorization: Bearer), as SSE; a request with
 * `Accept: application/json` (and not text/event-stream) gets the JSON page of the REST definition instead.
 * The web app's stream (session auth) is in ./sse-session.ts.
 */
import { AppError } from "@/lib/errors";
import { authenticateApiKey } from "@/server/auth/api-keys";
import { executeRoute } from "@/server/rest/define";
import { listRunEventsRoute } from "@/server/rest/routes/runs";
import { serveRunEvents } from "./sse";

export type NextContext = { params: Promise<Record<string, string>> };

function bearerKey(request: Request): string {
  const match = /^Bearer\s+(\S+)$/i.exec(request.headers.get("authorization") ?? "");
  if (!match) throw new AppError("UNAUTHORIZED", "Send an API key as `Authorization: Bearer <key>`");
  return match[1]!;
}

function wantsJson(request: Request): boolean {
  const accept = request.headers.get("accept") ?? "";
  return accept.includes("application/json") && !accept.includes("text/event-stream");
}

export async function apiKeyRunEvents(request: Request, context: NextContext): Promise<Response> {
  const { runId = "" } = (await context?.params) ?? {};
  if (wantsJson(request)) return executeRoute(listRunEventsRoute, request, { runId });
  return serveRunEvents(request, runId, (requestId) => authenticateApiKey(bearerKey(request), requestId));
}
