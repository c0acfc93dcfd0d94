import { auditEntrySchema, auditExportStreamSchema, exportAuditInputSchema, listAuditInputSchema } from "@/lib/schemas/audit";
import { pageOf } from "@/lib/schemas/common";
import { router, workspaceProcedure } from "../trpc";
import { exportAudit, listAudit } from "@/server/audit/service";
import { exportLines } from "@/server/audit/export";

export const auditRouter = router({
  list: workspaceProcedure("audit:read")
    .input(listAuditInputSchema)
    .output(pageOf(auditEntrySchema))
    .query(({ ctx, input }) => listAudit(ctx.tenant, input)),
  /**
   * The export as a stream of text chunks (JSON Lines or CSV, a header first): tRPC streams an async generator
   * over httpBatchStreamLink. The web app downloads through GET /api/audit/export (session) instead.
   */
  export: workspaceProcedure("audit:read")
    .input(exportAuditInputSchema)
    .output(auditExportStreamSchema)
    .query(async function* ({ ctx, input }) {
      const { format, ...filter } = input;
      yield* exportLines(exportAudit(ctx.tenant, filter), format);
    }),
});
