import { contextBudgetSchema } from "./context-budget";
import { nodeBriefsSchema } from "./node-briefs";
import { outputSchemaSchema } from "./output-schema";

/**
 * Options every base topology accepts besides its shape (for a hybrid team: on its arrangement): how context is
 * budgeted, what each node is for, what the final answer must look like. Each group of options is one entry below.
 */
export const teamOptionsShape = {
  /** how its agents' prompts keep within their context budget (lib/schemas/context-budget.ts) */
  contextBudget: contextBudgetSchema.optional(),
  /** what each node is for and must produce (lib/schemas/node-briefs.ts) */
  briefs: nodeBriefsSchema.optional(),
  /** a JSON Schema the final answer must match (lib/schemas/output-schema.ts) */
  outputSchema: outputSchemaSchema.optional(),
} as const;
