/**
 * The run engine's side of context budgets (server/topologies/context-budget.ts fits, server/models/context-budget.ts
 * sizes the room): which option applies, how a summary step is named, and one note per step of what was left out.
 */
import type { ContextBudget } from "@/lib/schemas/context-budget";
import type { TopologySpec } from "@/lib/schemas/topology";
import type { ContextNote } from "@/server/topologies/context-budget";

/** A summary step's id: the step it serves, with this suffix (never a topology's own step id). */
export const SUMMARY_STEP_SUFFIX = "~summary";
/** Below this many tokens a summary says too little: the outputs are cut instead. */
export const MIN_SUMMARY_TOKENS = 64;

/** A team spec's context budget option (a hybrid team's is on its arrangement). */
export function contextBudgetOfSpec(spec: TopologySpec): ContextBudget | undefined {
  return spec.topology === "hybrid" ? spec.arrangement.contextBudget : spec.contextBudget;
}

/** The note of a summary, then a cut of what it left: one note for the step. */
export function mergeNotes(summary: ContextNote | undefined, cut: ContextNote | undefined): ContextNote | undefined {
  if (!summary) return cut;
  if (!cut) return summary;
  return { ...summary, budgetTokens: cut.budgetTokens, itemsKept: cut.itemsKept, itemsCut: cut.itemsCut, tokensCut: summary.tokensCut + cut.tokensCut };
}
