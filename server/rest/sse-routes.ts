/**
 * GET /api/v1/runs/{runId}/events for an API key: the stream route definition of server/rest/routes/runs.ts (SSE, or
 * the JSON page with `Accept: application/json`). The web app's stream (session auth) is in ./sse-session.ts.
 */
import { routeHandler } from "@/server/rest/define";
import { listRunEventsRoute } from "@/server/rest/routes/runs";

export const apiKeyRunEvents = routeHandler(listRunEventsRoute);
