import { z } from "zod";
import { defineRoute } from "../define";
import { listAudit } from "@/server/audit/service";
import { auditEntrySchema, listAuditInputSchema } from "@/lib/schemas/audit";

export const listAuditRoute = defineRoute({
  method: "GET", path: "/api/v1/audit", summary: "The workspace's audit log, newest first", tag: "Audit",
  requires: "audit:read", query: listAuditInputSchema,
  response: z.object({ data: z.array(auditEntrySchema), nextCursor: z.string().nullable() }),
  handler: async ({ ctx, query }) => {
    const page = await listAudit(ctx, query);
    return { data: page.items, nextCursor: page.nextCursor };
  },
});
