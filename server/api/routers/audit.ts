import { auditEntrySchema, listAuditInputSchema } from "@/lib/schemas/audit";
import { pageOf } from "@/lib/schemas/common";
import { router, workspaceProcedure } from "../trpc";
import { listAudit } from "@/server/audit/service";

export const auditRouter = router({
  list: workspaceProcedure("audit:read").input(listAuditInputSchema).output(pageOf(auditEntrySchema)).query(({ ctx, input }) => listAudit(ctx.tenant, input)),
});
