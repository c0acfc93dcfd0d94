import { z } from "zod";
import { text } from "./text";
import { actorTypeSchema, paginationShape } from "./common";
import { runChannelSchema } from "./runs";

// ---------------------------------------------------------------------------------------------------
// Cost ledger

/**
 * answer_invalid: the provider answered (billed), but the answer was cut at maxOutputTokens or not the JSON asked for;
 * lost: the process died mid-call and the call's row was written for it afterwards (estimated: the worst case)
 */
export const USAGE_OUTCOMES = ["ok", "error", "timeout", "refused", "answer_invalid", "lost"] as const;
export type UsageOutcome = (typeof USAGE_OUTCOMES)[number];
export const usageOutcomeSchema = z.enum(USAGE_OUTCOMES).meta({ id: "UsageOutcome", description: "How a model call ended" });

/** Shortcuts for the period; days and months are calendar days and months in UTC. */
export const USAGE_PERIODS = ["today", "7d", "30d", "month"] as const;
export const usagePeriodSchema = z
  .enum(USAGE_PERIODS)
  .describe("today: since 00:00 UTC; 7d / 30d: the last 7 / 30 calendar days (UTC) including today; month: since the 1st of this month (UTC)");

const isoDateTime = text().pipe(z.iso.datetime({ offset: true, message: "Use an ISO 8601 date-time, e.g. 2026-11-01T00:00:00Z" }));
const refSchema = text().trim().min(1).max(64);

const stepRefSchema = text().trim().min(1).max(500);

const filterShape = {
  runId: refSchema.optional(),
  /** a step's stepId within its run (with runId): the step's model calls, every attempt */
  stepId: stepRefSchema.optional(),
  agentId: refSchema.optional(),
  /** the catalog Model id (mdl_...) */
  modelRef: refSchema.optional(),
  outcome: usageOutcomeSchema.optional(),
  period: usagePeriodSchema.optional(),
  from: isoDateTime.optional().describe("inclusive; not together with period"),
  to: isoDateTime.optional().describe("exclusive"),
};

function checkPeriod(value: { period?: string; from?: string; to?: string }, ctx: z.RefinementCtx) {
  if (value.period && value.from) {
    ctx.addIssue({ code: "custom", path: ["from"], message: "Give either a period or a start (from), not both" });
  }
  if (value.from && value.to && Date.parse(value.from) >= Date.parse(value.to)) {
    ctx.addIssue({ code: "custom", path: ["to"], message: "The end (to) must come after the start (from)" });
  }
}

export const usageFiltersSchema = z.strictObject(filterShape).superRefine(checkPeriod);
export type UsageFilters = z.infer<typeof usageFiltersSchema>;

export const listUsageInputSchema = z
  .strictObject({
    ...filterShape,
    ...paginationShape,
  })
  .superRefine(checkPeriod);
export type ListUsageInput = z.infer<typeof listUsageInputSchema>;

/** The REST query of GET /api/v1/usage (short names: run, agent, model). */
export const usageRestQuerySchema = z
  .strictObject({
    run: refSchema.optional().describe("a run id"),
    step: stepRefSchema.optional().describe("a step's stepId within the run (with run): every model call the step made, failed attempts included"),
    agent: refSchema.optional().describe("an agent id"),
    model: refSchema.optional().describe("a catalog model id (mdl_...)"),
    outcome: filterShape.outcome,
    period: filterShape.period,
    from: filterShape.from,
    to: filterShape.to,
    ...paginationShape,
  })
  .superRefine(checkPeriod);

export const usageRestTotalsQuerySchema = z
  .strictObject({
    run: refSchema.optional().describe("a run id"),
    agent: refSchema.optional().describe("an agent id"),
    model: refSchema.optional().describe("a catalog model id (mdl_...)"),
    outcome: filterShape.outcome,
    period: filterShape.period,
    from: filterShape.from,
    to: filterShape.to,
  })
  .superRefine(checkPeriod);

export const usageRecordSchema = z
  .object({
    id: z.string(),
    createdAt: z.date(),
    runId: z.string().nullable(),
    stepId: z.string().nullable(),
    agentId: z.string().nullable(),
    agent: z.object({ slug: z.string(), name: z.string() }).nullable().describe("The agent by slug and name; null when deleted, or a call of no agent"),
    modelRef: z.string().nullable().describe("the catalog model id, kept after the model is deleted"),
    modelName: z.string().describe("the provider's model id, e.g. gpt-4o-mini"),
    modelDisplayName: z.string().describe("the catalog display name while the model exists, else modelName"),
    providerKind: z.string(),
    inputTokens: z.number().int().describe("all input tokens, cached ones included"),
    outputTokens: z.number().int().describe("all output tokens, reasoning included"),
    cacheReadTokens: z.number().int().describe("of inputTokens: read from the provider's prompt cache (priced at the cache read price)"),
    cacheWriteTokens: z.number().int().describe("of inputTokens: written to the provider's prompt cache (priced at the cache write price)"),
    reasoningTokens: z.number().int().describe("of outputTokens: spent on reasoning"),
    costUsd: z.number(),
    estimated: z.boolean().describe("the tokens were counted by Cadre, not reported by the provider (a cut stream, a timed-out call): the cost is an estimate"),
    latencyMs: z.number().int(),
    outcome: usageOutcomeSchema,
    error: z.string().nullable(),
    actorType: actorTypeSchema.nullable(),
    actorId: z.string().nullable(),
  })
  .meta({ id: "UsageRecord" });
export type UsageRecordOut = z.infer<typeof usageRecordSchema>;

const sums = {
  costUsd: z.number().describe("USD, summed exactly in the database"),
  calls: z.number().int(),
  inputTokens: z.number().int(),
  outputTokens: z.number().int(),
  cacheReadTokens: z.number().int().describe("of inputTokens: read from the provider's prompt cache"),
  reasoningTokens: z.number().int().describe("of outputTokens: spent on reasoning"),
};

export const usageSumSchema = z.object(sums).meta({ id: "UsageSum" });

export const usageTotalsSchema = z
  .object({
    from: z.date().nullable(),
    to: z.date().nullable(),
    totals: usageSumSchema,
    byRun: z.array(z.object({ runId: z.string().nullable(), ...sums })).describe("highest cost first, at most 100"),
    byAgent: z
      .array(
        z.object({
          agentId: z.string().nullable(),
          agentSlug: z.string().nullable().describe("The agent's slug; null when the agent was deleted or for calls of no agent"),
          agentName: z.string().nullable(),
          ...sums,
        }),
      )
      .describe("highest cost first, at most 100"),
    byModel: z
      .array(z.object({ modelRef: z.string().nullable(), modelName: z.string(), displayName: z.string(), providerKind: z.string(), ...sums }))
      .describe("highest cost first"),
    byChannel: z
      .array(
        z.object({
          channel: runChannelSchema
            .nullable()
            .describe("Where the calls' runs were started (a run's channel); null for calls of no run and runs from before channels were recorded"),
          ...sums,
        }),
      )
      .describe("highest cost first"),
    byDay: z.array(z.object({ day: z.string().describe("YYYY-MM-DD (UTC)"), ...sums })).describe("oldest first; days without calls are left out"),
    byMonth: z.array(z.object({ month: z.string().describe("YYYY-MM (UTC)"), ...sums })).describe("oldest first"),
  })
  .meta({ id: "UsageTotals" });
export type UsageTotals = z.infer<typeof usageTotalsSchema>;

// ---------------------------------------------------------------------------------------------------
// Budgets

const MAX_LIMIT_USD = 1_000_000_000;

const limitSchema = z
  .number({ message: "Enter an amount in USD, or leave it empty for no limit" })
  .min(0, "A limit cannot be negative")
  .max(MAX_LIMIT_USD, "That limit is too large")
  .refine((v) => Math.abs(v * 1e4 - Math.round(v * 1e4)) < 1e-6, "Use at most 4 decimal places")
  .nullable();

export const updateBudgetInputSchema = z.strictObject({
  monthlyLimitUsd: limitSchema.describe("USD per calendar month (UTC); null for no limit"),
  perRunLimitUsd: limitSchema.describe("USD per run, unless the run sets its own; null for no limit"),
  alertThreshold: z
    .number()
    .min(0.5, "The alert threshold is between 50% and 100%")
    .max(1, "The alert threshold is between 50% and 100%")
    .optional()
    .describe("fraction of the monthly limit at which the UI warns (0.5..1); unchanged when left out, 0.8 by default"),
});
export type UpdateBudgetInput = z.infer<typeof updateBudgetInputSchema>;

/** A limit as typed in a form: empty for no limit, an optional leading "$"; then the server's rules. */
const typedLimitSchema = z.preprocess((v) => {
  const t = String(v ?? "")
    .trim()
    .replace(/^\$/, "");
  return t === "" ? null : Number(t);
}, limitSchema);

/**
 * The budgets page's form (its fields as typed: amounts, and the alert threshold in percent) onto the update the server
 * parses, with the server's limits and messages (the threshold's issue is reported on `alertPercent`).
 */
export const budgetLimitsFormSchema = z
  .object({
    monthlyLimitUsd: typedLimitSchema,
    perRunLimitUsd: typedLimitSchema,
    alertPercent: z.preprocess(
      (v) => (String(v ?? "").trim() === "" ? Number.NaN : Number(v)),
      z
        .number({ message: "The alert threshold is between 50% and 100%" })
        .min(50, "The alert threshold is between 50% and 100%")
        .max(100, "The alert threshold is between 50% and 100%"),
    ),
  })
  .transform(
    (v): UpdateBudgetInput => ({ monthlyLimitUsd: v.monthlyLimitUsd, perRunLimitUsd: v.perRunLimitUsd, alertThreshold: Math.round(v.alertPercent) / 100 }),
  );

export const budgetSchema = z
  .object({
    monthlyLimitUsd: z.number().nullable(),
    perRunLimitUsd: z.number().nullable(),
    alertThreshold: z.number(),
    updatedAt: z.date().nullable().describe("null while the workspace never set a budget"),
  })
  .meta({ id: "Budget" });
export type BudgetOut = z.infer<typeof budgetSchema>;

export const budgetStatusSchema = z
  .object({
    monthStart: z.date().describe("the 1st of the current month, 00:00 UTC"),
    spentUsd: z.number().describe("month-to-date spend"),
    monthlyLimitUsd: z.number().nullable(),
    perRunLimitUsd: z.number().nullable(),
    alertThreshold: z.number(),
    remainingUsd: z.number().nullable(),
    fraction: z.number().nullable().describe("spent / limit; null without a monthly limit"),
    alert: z.boolean().describe("fraction >= alertThreshold"),
    exceeded: z.boolean().describe("the monthly limit is reached: every further paid call is refused"),
  })
  .meta({ id: "BudgetStatus" });
export type BudgetStatus = z.infer<typeof budgetStatusSchema>;
