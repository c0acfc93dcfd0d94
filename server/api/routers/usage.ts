import { listUsageInputSchema, usageFiltersSchema } from "@/lib/schemas/usage";
import { router, workspaceProcedure } from "../trpc";
import { listUsage, usageTotals } from "@/server/ledger/service";

export const usageRouter = router({
  list: workspaceProcedure("usage:read").input(listUsageInputSchema).query(({ ctx, input }) => listUsage(ctx.tenant, input)),
  totals: workspaceProcedure("usage:read").input(usageFiltersSchema).query(({ ctx, input }) => usageTotals(ctx.tenant, input)),
});
