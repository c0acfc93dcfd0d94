import { z } from "zod";
import { recallWeightsSchema } from "./memory";

/**
 * An agent's memory policy (issue 14), versioned with the agent: which scopes its steps recall from (and how much
 * enters the prompt), which scope it writes to, and whether a run writes an episodic memory when it ends. Scopes are
 * named relative to the run: `agent` is this agent, `team` the run's team, `subject` the run's subject (e.g.
 * customer:42), `session` the run's session; a scope the run does not have (a subject on a run without one) is
 * skipped, never widened to the workspace.
 */
export const MEMORY_POLICY_SCOPES = ["workspace", "team", "agent", "subject", "session"] as const;
export type MemoryPolicyScope = (typeof MEMORY_POLICY_SCOPES)[number];
export const MEMORY_WRITE_MODES = ["none", "episodic"] as const;
export const MEMORY_POLICY_K_MAX = 20;
export const MEMORY_POLICY_TOKENS_MAX = 8000;
/** the most facts one run's end extracts per agent */
export const MEMORY_FACTS_MAX = 5;

export const memoryPolicyScopeSchema = z.enum(MEMORY_POLICY_SCOPES).meta({ id: "MemoryPolicyScope" });

export const memoryPolicySchema = z
  .strictObject({
    read: z
      .array(memoryPolicyScopeSchema)
      .max(MEMORY_POLICY_SCOPES.length)
      .refine((s) => new Set(s).size === s.length, "Name each scope once")
      .default([])
      .describe("The scopes recalled before each step (none: nothing is injected)"),
    k: z.number().int().min(1).max(MEMORY_POLICY_K_MAX).default(5).describe("At most this many memories enter a prompt"),
    tokenBudget: z
      .number()
      .int()
      .min(50)
      .max(MEMORY_POLICY_TOKENS_MAX)
      .default(1000)
      .describe("At most this many tokens of memories enter a prompt (the best-ranked first)"),
    weights: recallWeightsSchema.optional(),
    write: z
      .enum(MEMORY_WRITE_MODES)
      .default("none")
      .describe("episodic: when a run ends, what this agent was asked and answered becomes a memory; none: nothing"),
    extractFacts: z
      .boolean()
      .default(false)
      .describe("When a run ends, the agent's model lists up to 5 lasting facts from what it was asked and answered; each becomes a memory"),
    writeScope: memoryPolicyScopeSchema.default("agent").describe("Where episodic memories, extracted facts and the remember tool write"),
  })
  .meta({ id: "MemoryPolicy" });
export type MemoryPolicy = z.infer<typeof memoryPolicySchema>;
export type MemoryPolicyInput = z.input<typeof memoryPolicySchema>;
