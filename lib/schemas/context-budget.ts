import { z } from "zod";

/**
 * How an agent's prompt keeps within its context budget (the window of the model its call routes to, minus the
 * output budget, the system prompt and the task) when other agents' outputs would not fit:
 * - `truncate`: every output is cut fairly (equal shares; what a short one leaves goes to the others), marked;
 * - `last_k`: only the last `keep` outputs are kept, then cut fairly if still too long;
 * - `summarize`: the latest outputs that fit in half the budget are kept as they are, the older ones are summarised
 *   by one more model call (a durable, costed step of the run, kind "summary").
 * A team sets it for its agents; an agent's own setting wins. Nothing set: `truncate`.
 */
export const CONTEXT_STRATEGIES = ["truncate", "last_k", "summarize"] as const;
export type ContextStrategy = (typeof CONTEXT_STRATEGIES)[number];
export const DEFAULT_CONTEXT_STRATEGY: ContextStrategy = "truncate";
export const DEFAULT_CONTEXT_KEEP = 3;

export const contextBudgetSchema = z
  .strictObject({
    strategy: z
      .enum(CONTEXT_STRATEGIES)
      .describe("truncate (default): cut every output fairly; last_k: keep the last `keep`; summarize: summarise the older ones"),
    keep: z.number().int().min(1).max(64).optional().describe(`last_k: how many outputs are kept (default ${DEFAULT_CONTEXT_KEEP})`),
  })
  .meta({ id: "ContextBudget" });
export type ContextBudget = z.infer<typeof contextBudgetSchema>;
