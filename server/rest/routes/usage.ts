import { z } from "zod";
import { defineRoute } from "../define";
import { listUsageWithTotals, usageTotals } from "@/server/ledger/reports";
import { budgetOverview, updateBudget } from "@/server/ledger/budgets";
import {
  budgetSchema,
  budgetStatusSchema,
  updateBudgetInputSchema,
  usageRecordSchema,
  usageRestQuerySchema,
  usageRestTotalsQuerySchema,
  usageSumSchema,
  usageTotalsSchema,
  type UsageFilters,
} from "@/lib/schemas/usage";

/** REST's short filter names (run, agent, model) to the service's. */
function filtersOf(query: {
  run?: string;
  step?: string;
  agent?: string;
  model?: string;
  outcome?: UsageFilters["outcome"];
  period?: UsageFilters["period"];
  from?: string;
  to?: string;
}): UsageFilters {
  return {
    runId: query.run,
    stepId: query.step,
    agentId: query.agent,
    modelRef: query.model,
    outcome: query.outcome,
    period: query.period,
    from: query.from,
    to: query.to,
  };
}

export const listUsageRoute = defineRoute({
  method: "GET",
  path: "/api/v1/usage",
  summary: "Model calls in the cost ledger, newest first, with the totals of the filtered set",
  tag: "Usage",
  requires: "usage:read",
  query: usageRestQuerySchema,
  errors: ["BAD_REQUEST"],
  response: z.object({ data: z.array(usageRecordSchema), totals: usageSumSchema, nextCursor: z.string().nullable() }),
  handler: async ({ ctx, query }) => {
    const page = await listUsageWithTotals(ctx, { ...filtersOf(query), limit: query.limit, cursor: query.cursor });
    return { data: page.items, totals: page.totals, nextCursor: page.nextCursor };
  },
});

export const usageTotalsRoute = defineRoute({
  method: "GET",
  path: "/api/v1/usage/totals",
  summary: "Usage totals, per run, agent, model, day and month (UTC)",
  tag: "Usage",
  requires: "usage:read",
  query: usageRestTotalsQuerySchema,
  response: usageTotalsSchema,
  handler: ({ ctx, query }) => usageTotals(ctx, filtersOf(query)),
});

export const getBudgetRoute = defineRoute({
  method: "GET",
  path: "/api/v1/budget",
  summary: "The workspace's budget and this month's spend against it",
  tag: "Budgets",
  requires: "budgets:read",
  response: z.object({ budget: budgetSchema, status: budgetStatusSchema }),
  handler: ({ ctx }) => budgetOverview(ctx),
});

export const updateBudgetRoute = defineRoute({
  method: "PUT",
  path: "/api/v1/budget",
  summary: "Set the monthly limit, the per-run limit and the alert threshold (null: no limit)",
  tag: "Budgets",
  requires: "budgets:update",
  body: updateBudgetInputSchema,
  response: budgetSchema,
  handler: ({ ctx, body }) => updateBudget(ctx, body),
});
