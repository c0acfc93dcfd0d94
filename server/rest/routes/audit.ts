import { z } from "zod";
import { defineRoute } from "../define";
import { exportAudit, listAudit } from "@/server/audit/service";
import { exportLines, exportResponse } from "@/server/audit/export";
import { auditEntrySchema, exportAuditInputSchema, listAuditInputSchema } from "@/lib/schemas/audit";

export const listAuditRoute = defineRoute({
  method: "GET",
  path: "/api/v1/audit",
  summary: "The workspace's audit log, newest first (filter by action, actor, time range)",
  tag: "Audit",
  requires: "audit:read",
  query: listAuditInputSchema,
  response: z.object({ data: z.array(auditEntrySchema), nextCursor: z.string().nullable() }),
  handler: async ({ ctx, query }) => {
    const page = await listAudit(ctx, query);
    return { data: page.items, nextCursor: page.nextCursor };
  },
});

export const exportAuditRoute = defineRoute({
  method: "GET",
  path: "/api/v1/audit/export",
  summary: "Every matching audit entry, newest first, streamed as JSON Lines (one AuditEntry per line) or CSV",
  tag: "Audit",
  requires: "audit:read",
  query: exportAuditInputSchema,
  produces: ["application/x-ndjson", "text/csv"],
  operationId: "exportAudit",
  response: z.string().describe("JSON Lines of AuditEntry, or CSV with a header row"),
  handler: async ({ ctx, query }) => {
    const { format, ...filter } = query;
    return exportResponse(exportLines(exportAudit(ctx, filter), format), format, `audit-${ctx.workspaceSlug}`);
  },
});
