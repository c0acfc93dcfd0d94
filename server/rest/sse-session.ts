/** GET /api/runs/{runId}/events: the web app's stream, the session route definition of server/rest/routes/web.ts. */
import { sessionHandlers } from "@/server/rest/session";
import { webRunEventsRoute } from "@/server/rest/routes/web";

export const sessionRunEvents = sessionHandlers(webRunEventsRoute).GET!;
