import { apiKeyRunEvents } from "@/server/rest/sse-routes";

export const dynamic = "force-dynamic";

/** SSE (default) or, with `Accept: application/json`, a JSON page: see server/rest/routes/runs.ts. */
export const GET = apiKeyRunEvents;
