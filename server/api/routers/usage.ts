import { listUsageInputSchema, usageFiltersSchema, usageRecordSchema, usageTotalsSchema } from "@/lib/schemas/usage";
import { pageOf } from "@/lib/schemas/common";
import { router, workspaceProcedure } from "../trpc";
import { listUsage, usageTotals } from "@/server/ledger/reports";

export const usageRouter = router({
  list: workspaceProcedure("usage:read")
    .input(listUsageInputSchema)
    .output(pageOf(usageRecordSchema))
    .query(({ ctx, input }) => listUsage(ctx.tenant, input)),
  totals: workspaceProcedure("usage:read")
    .input(usageFiltersSchema)
    .output(usageTotalsSchema)
    .query(({ ctx, input }) => usageTotals(ctx.tenant, input)),
});
