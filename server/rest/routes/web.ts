import { z } from "zod";
import { defineStreamRoute } from "../define";
import { streamRunEvents } from "@/server/runs/sse";
import { runIdSchema } from "@/lib/schemas/runs";
import { RUN_EVENTS_STREAM } from "./runs";

/** The web app's live stream of a run (session; the workspace is `x-cadre-workspace` or ?workspace=). */
export const webRunEventsRoute = defineStreamRoute({
  method: "GET", path: "/api/runs/{runId}/events", auth: "session",
  summary: "The web app's live stream of a run's events", tag: "Runs",
  requires: "runs:read", params: z.object({ runId: runIdSchema }),
  query: z.object({ workspace: z.string().max(100).optional(), after: z.coerce.number().int().min(0).optional() }),
  events: RUN_EVENTS_STREAM,
  stream: streamRunEvents,
});
