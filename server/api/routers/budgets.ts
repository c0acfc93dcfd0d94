import { updateBudgetInputSchema } from "@/lib/schemas/usage";
import { router, workspaceProcedure } from "../trpc";
import { budgetStatus, getBudget, updateBudget } from "@/server/ledger/service";

export const budgetsRouter = router({
  get: workspaceProcedure("budgets:read").query(({ ctx }) => getBudget(ctx.tenant)),
  status: workspaceProcedure("budgets:read").query(({ ctx }) => budgetStatus(ctx.tenant)),
  update: workspaceProcedure("budgets:update").input(updateBudgetInputSchema).mutation(({ ctx, input }) => updateBudget(ctx.tenant, input)),
});
