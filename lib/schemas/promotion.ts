import { z } from "zod";
import { text } from "./text";
import { judgeRefSchema, MAX_GATE_JUDGES } from "./quality-gate";

/**
 * Eval-gated promotion: with a rule, a new version of the agent or team is a candidate (runs keep using the current
 * one) until an evaluation of it over the dataset, scored by the judges, reaches the pass rate; then it becomes
 * current by itself. Without a rule (null), every save is current at once.
 */
export const promotionRuleSchema = z
  .strictObject({
    // a dataset id (dst_...) or slug (not ./datasets.ts' schema: that module imports the agents' schemas, which import this)
    dataset: text().trim().min(1, "Name a dataset (id or slug)").max(80).describe("The dataset a candidate is evaluated on: id (dst_...) or slug"),
    judges: z
      .array(judgeRefSchema)
      .min(1, "Name at least one judge")
      .max(MAX_GATE_JUDGES, `At most ${MAX_GATE_JUDGES} judges`)
      .refine((j) => new Set(j).size === j.length, "Each judge is named once"),
    passRate: z.number().min(0).max(1).default(0.8).describe("The share of the dataset's items that must pass"),
    budgetUsd: z.number().min(0.0001).max(1_000_000).optional().describe("Each candidate's evaluation limit (USD)"),
  })
  .meta({ id: "PromotionRule" });
export type PromotionRule = z.output<typeof promotionRuleSchema>;

export const setPromotionRuleInputSchema = z.strictObject({
  rule: promotionRuleSchema.nullable().describe("The rule; null: every new version is current at once"),
});
