import { z } from "zod";
import { text } from "./text";
import { idSchema, paginationShape } from "./common";
import { judgeRefSchema, judgeVerdictLabelSchema, MAX_GATE_JUDGES } from "./quality-gate";
import { datasetRefSchema } from "./datasets";

/**
 * Evaluations (server/quality/evaluations/): one agent or team version run over every item of a dataset, each output
 * scored by 1..5 judges (their current versions pinned at creation), with the consensus of lib/schemas/quality-gate.ts
 * (passThreshold / failThreshold, the gate's defaults unless given). An item passes when its consensus is "pass".
 */
export const EVALUATION_STATUSES = ["queued", "running", "succeeded", "failed", "cancelled"] as const;
export const EVALUATION_ITEM_STATUSES = ["pending", "running", "scored", "errored", "skipped", "cancelled"] as const;
export const MAX_EVALUATION_CONCURRENCY = 16;

export const evaluationIdSchema = idSchema("evl");

export const createEvaluationInputSchema = z
  .strictObject({
    dataset: datasetRefSchema,
    agent: text().trim().min(1).max(80).optional().describe("The agent to evaluate: id (agt_...) or slug"),
    team: text().trim().min(1).max(80).optional().describe("The team to evaluate: id (team_...) or slug"),
    version: z
      .number()
      .int("A version is a whole number")
      .min(1, "Versions start at 1")
      .optional()
      .describe("The version to evaluate (default: the current one)"),
    judges: z
      .array(judgeRefSchema)
      .min(1, "Name at least one judge")
      .max(MAX_GATE_JUDGES, `At most ${MAX_GATE_JUDGES} judges`)
      .refine((j) => new Set(j).size === j.length, "Each judge is named once"),
    budgetUsd: z
      .number()
      .min(0.0001, "A budget is at least $0.0001")
      .max(1_000_000)
      .optional()
      .describe("The evaluation's limit (USD): its runs and judge calls"),
    concurrency: z
      .number()
      .int()
      .min(1)
      .max(MAX_EVALUATION_CONCURRENCY, `At most ${MAX_EVALUATION_CONCURRENCY} items at once`)
      .default(2)
      .describe("Items run at once"),
    passThreshold: z.number().min(0).max(1).default(0.7).describe("An item's consensus score (0..1) at or above which it passes"),
    failThreshold: z.number().min(0).max(1).default(0.4).describe("An item's consensus score below which its verdict is fail (between: revise, not a pass)"),
    passRate: z.number().min(0).max(1).default(0.8).describe("The share of items that must pass for the evaluation to pass"),
    promote: z.boolean().default(false).describe("The version is a candidate (saved under a promotion rule): it becomes current when this evaluation passes"),
  })
  .refine((e) => (e.agent === undefined) !== (e.team === undefined), { message: "Name either an agent or a team", path: ["agent"] })
  .refine((e) => e.failThreshold <= e.passThreshold, { message: "The fail threshold is at most the pass threshold", path: ["failThreshold"] });
export type CreateEvaluationInput = z.input<typeof createEvaluationInputSchema>;

export const listEvaluationsInputSchema = z.strictObject({
  dataset: datasetRefSchema.optional().describe("Only the evaluations of this dataset"),
  ...paginationShape,
});

export const compareEvaluationsInputSchema = z.strictObject({ a: evaluationIdSchema, b: evaluationIdSchema });

const pinnedJudgeSchema = z.object({ id: z.string(), slug: z.string(), version: z.number().int() });

export const evaluationSchema = z
  .object({
    id: z.string(),
    datasetId: z.string(),
    target: z.object({ type: z.enum(["agent", "team"]), id: z.string(), slug: z.string(), version: z.number().int() }),
    judges: z.array(pinnedJudgeSchema),
    passThreshold: z.number(),
    failThreshold: z.number(),
    passRate: z.number().describe("The required pass rate"),
    budgetUsd: z.number().nullable(),
    concurrency: z.number().int(),
    status: z.enum(EVALUATION_STATUSES),
    error: z.string().nullable(),
    progress: z.object({
      itemsDone: z.number().int(),
      itemsTotal: z.number().int(),
      passed: z.number().int(),
      failed: z.number().int(),
      errored: z.number().int(),
      skipped: z.number().int(),
    }),
    costUsd: z.number().describe("Its runs' cost, judge calls included"),
    meanScore: z.number().nullable(),
    actualPassRate: z.number().nullable().describe("Passed items over scored ones"),
    p50LatencyMs: z.number().nullable(),
    passed: z.boolean().nullable().describe("Once finished: the pass rate reached the required one"),
    promote: z.boolean().describe("A candidate version's evaluation: passing made (or makes) it current"),
    createdAt: z.date(),
    startedAt: z.date().nullable(),
    finishedAt: z.date().nullable(),
  })
  .meta({ id: "Evaluation", description: "An agent or team version evaluated over a dataset" });
export type EvaluationOutput = z.infer<typeof evaluationSchema>;

export const evaluationItemSchema = z
  .object({
    id: z.string(),
    datasetItemId: z.string(),
    position: z.number().int(),
    input: z.string(),
    status: z.enum(EVALUATION_ITEM_STATUSES),
    runId: z.string().nullable(),
    score: z.number().nullable(),
    verdict: judgeVerdictLabelSchema.nullable(),
    latencyMs: z.number().int().nullable(),
    costUsd: z.number(),
    error: z.string().nullable(),
  })
  .meta({ id: "EvaluationItem", description: "One dataset item in an evaluation" });
export type EvaluationItemOutput = z.infer<typeof evaluationItemSchema>;

export const comparisonSchema = z
  .object({
    datasetId: z.string(),
    a: evaluationSchema,
    b: evaluationSchema,
    summary: z.object({
      meanScoreDelta: z.number().nullable(),
      passRateA: z.number().nullable(),
      passRateB: z.number().nullable(),
      regressions: z.number().int().describe("Items that passed in A and do not in B"),
      improvements: z.number().int().describe("Items that did not pass in A and pass in B"),
    }),
    items: z.array(
      z.object({
        datasetItemId: z.string(),
        input: z.string(),
        scoreA: z.number().nullable(),
        scoreB: z.number().nullable(),
        delta: z.number().nullable(),
        verdictA: judgeVerdictLabelSchema.nullable(),
        verdictB: judgeVerdictLabelSchema.nullable(),
        change: z.enum(["regression", "improvement", "same"]),
        costA: z.number(),
        costB: z.number(),
        latencyA: z.number().nullable(),
        latencyB: z.number().nullable(),
      }),
    ),
  })
  .meta({ id: "EvaluationComparison", description: "Two evaluations of the same dataset, item by item" });
export type ComparisonOutput = z.infer<typeof comparisonSchema>;
