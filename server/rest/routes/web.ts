import { z } from "zod";
import { defineRoute, defineStreamRoute } from "../define";
import { exportAudit } from "@/server/audit/service";
import { exportLines, exportResponse } from "@/server/audit/export";
import { exportAuditInputSchema } from "@/lib/schemas/audit";
import { streamRunEvents } from "@/server/runs/sse";
import { runIdSchema } from "@/lib/schemas/runs";
import { MAX_INT4, text } from "@/lib/schemas/text";
import { RUN_EVENTS_STREAM } from "./runs";

/** The web app's live stream of a run (session; the workspace is `x-cadre-workspace` or ?workspace=). */
export const webRunEventsRoute = defineStreamRoute({
  method: "GET",
  path: "/api/runs/{runId}/events",
  auth: "session",
  summary: "The web app's live stream of a run's events",
  tag: "Runs",
  requires: "runs:read",
  params: z.strictObject({ runId: runIdSchema }),
  query: z.strictObject({ workspace: text().max(100).optional(), after: z.coerce.number().int().min(0).max(MAX_INT4).optional() }),
  events: RUN_EVENTS_STREAM,
  stream: streamRunEvents,
});

/** The audit page's download (session; `?workspace=<slug>` and the filters of the list). */
export const webAuditExportRoute = defineRoute({
  method: "GET",
  path: "/api/audit/export",
  auth: "session",
  summary: "The workspace's audit log as a JSON Lines or CSV download",
  tag: "Audit",
  requires: "audit:read",
  query: exportAuditInputSchema.extend({ workspace: text().max(100).optional() }),
  produces: ["application/x-ndjson", "text/csv"],
  response: z.string(),
  handler: async ({ ctx, query }) => {
    const { format, workspace: _slug, ...filter } = query;
    return exportResponse(exportLines(exportAudit(ctx, filter), format), format, `audit-${ctx.workspaceSlug}`);
  },
});
