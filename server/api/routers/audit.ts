import { listAuditInputSchema } from "@/lib/schemas/audit";
import { router, workspaceProcedure } from "../trpc";
import { listAudit } from "@/server/audit/service";

export const auditRouter = router({
  list: workspaceProcedure("audit:read").input(listAuditInputSchema).query(({ ctx, input }) => listAudit(ctx.tenant, input)),
});
