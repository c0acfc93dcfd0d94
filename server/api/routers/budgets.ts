import { budgetSchema, budgetStatusSchema, updateBudgetInputSchema } from "@/lib/schemas/usage";
import { router, workspaceProcedure } from "../trpc";
import { budgetStatus, getBudget, updateBudget } from "@/server/ledger/budgets";

export const budgetsRouter = router({
  get: workspaceProcedure("budgets:read")
    .output(budgetSchema)
    .query(({ ctx }) => getBudget(ctx.tenant)),
  status: workspaceProcedure("budgets:read")
    .output(budgetStatusSchema)
    .query(({ ctx }) => budgetStatus(ctx.tenant)),
  update: workspaceProcedure("budgets:update")
    .input(updateBudgetInputSchema)
    .output(budgetSchema)
    .mutation(({ ctx, input }) => updateBudget(ctx.tenant, input)),
});
