import { z } from "zod";
import { text } from "./text";

/**
 * The quality gate of an agent's version or of a run's start: judges (lib/schemas/judges.ts) that score the output,
 * the revise loop and what a fail does. Its own file: lib/schemas/agents.ts embeds it, lib/schemas/judges.ts builds on
 * agents.
 */
export const MAX_GATE_JUDGES = 5;
export const MAX_GATE_REVISIONS = 5;
export const JUDGE_VERDICTS = ["pass", "revise", "fail"] as const;
export type JudgeVerdictLabel = (typeof JUDGE_VERDICTS)[number];
export const judgeVerdictLabelSchema = z.enum(JUDGE_VERDICTS);

/** A judge id (jdg_...) or slug, as in /api/v1/judges/{judgeId}. */
export const judgeRefSchema = text().trim().min(1, "Name a judge (id or slug)").max(80).describe("A judge id (jdg_...) or slug");

// ---------------------------------------------------------------------------------------------------
// The quality gate (an agent's or team's version, or a run's start)

export const GATE_ON_FAIL = ["fail", "review"] as const;

export const qualityGateSchema = z
  .strictObject({
    judges: z
      .array(judgeRefSchema)
      .min(1, "A quality gate names at least one judge")
      .max(MAX_GATE_JUDGES, `A quality gate has at most ${MAX_GATE_JUDGES} judges`)
      .refine((j) => new Set(j).size === j.length, "Each judge is named once"),
    maxRevisions: z
      .number()
      .int("A whole number")
      .min(0, "At least 0 revisions")
      .max(MAX_GATE_REVISIONS, `At most ${MAX_GATE_REVISIONS} revisions`)
      .default(2)
      .describe("How many times the producer may revise after a 'revise' consensus"),
    onFail: z.enum(GATE_ON_FAIL).default("fail").describe("fail: the run fails with the verdict; review: it waits for a person's approval"),
    passThreshold: z.number().min(0).max(1).default(0.7).describe("The weighted mean score (0..1) at or above which the output passes"),
    failThreshold: z.number().min(0).max(1).default(0.4).describe("The weighted mean score (0..1) below which the output fails outright"),
  })
  .refine((g) => g.failThreshold <= g.passThreshold, { message: "The fail threshold is at most the pass threshold", path: ["failThreshold"] })
  .meta({ id: "QualityGate", description: "Judges that score the output, the revise loop and what a fail does" });
export type QualityGate = z.output<typeof qualityGateSchema>;

/** A team's setting: "on" applies each member agent's own gate to its node's output inside the team's runs. */
export const AGENT_GATES = ["off", "on"] as const;
export type AgentGatesSetting = (typeof AGENT_GATES)[number];
export const agentGatesSchema = z
  .enum(AGENT_GATES)
  .describe("on: each member agent's own quality gate judges its node's output inside this team's runs (each judge call multiplies per node and revision)");

/** The gate a run pinned: its judges at their versions (the verdicts name them). */
export const pinnedGateSchema = z.object({
  judges: z.array(z.object({ id: z.string(), slug: z.string(), version: z.number().int() })),
  maxRevisions: z.number().int(),
  onFail: z.enum(GATE_ON_FAIL),
  passThreshold: z.number(),
  failThreshold: z.number(),
  source: z.enum(["agent", "team", "run"]),
});
export type PinnedGate = z.infer<typeof pinnedGateSchema>;
