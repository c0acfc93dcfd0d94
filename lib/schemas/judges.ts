import { z } from "zod";
import { displayName, text } from "./text";
import { modelPolicySchema } from "./model-policy";
import { paginationShape } from "./common";
import { AGENT_SLUG_PATTERN, baseVersionSchema, DEFAULT_MODEL_POLICY } from "./agents";
import { judgeRefSchema, judgeVerdictLabelSchema, type JudgeVerdictLabel } from "./quality-gate";

/**
 * Judges (server/quality/judges/): configured like an agent (model policy, instructions) plus a rubric. Every save is
 * a new immutable version, like agents, so that a verdict pins the judge version it used. Shared by the UI (the rubric
 * editor), tRPC, REST and the run engine.
 */
export const MAX_JUDGE_INSTRUCTIONS = 20_000;
export const MAX_CRITERIA = 12;
export const MAX_EXAMPLES = 8;

export const judgeSlugSchema = text()
  .trim()
  .regex(AGENT_SLUG_PATTERN, "A slug is 1-63 lowercase letters, digits and dashes, starting with a letter or digit")
  .describe("The judge's name in quality gates, e.g. factuality");

export const rubricCriterionSchema = z.strictObject({
  key: text()
    .trim()
    .regex(/^[a-z][a-z0-9_]{0,39}$/, "A criterion key is 1-40 lowercase letters, digits and underscores, starting with a letter")
    .describe("The criterion's name in scores, e.g. accuracy"),
  description: text().trim().min(1, "Describe what the criterion checks").max(1_000, "A description has at most 1000 characters"),
  weight: z.number().gt(0, "A weight is more than 0").max(100, "A weight is at most 100"),
});

export const rubricScaleSchema = z
  .strictObject({
    min: z.number().int("The scale's bounds are whole numbers").min(0, "The scale starts at 0 or more"),
    max: z.number().int("The scale's bounds are whole numbers").max(100, "The scale ends at 100 or less"),
  })
  .refine((s) => s.max > s.min, { message: "The scale's max is above its min", path: ["max"] });

export const fewShotExampleSchema = z.strictObject({
  output: text().min(1, "An example needs an output").max(4_000, "An example's output has at most 4000 characters"),
  verdict: judgeVerdictLabelSchema,
  rationale: text().max(2_000, "An example's rationale has at most 2000 characters").default(""),
});

export const rubricSchema = z
  .strictObject({
    criteria: z
      .array(rubricCriterionSchema)
      .min(1, "A rubric has at least one criterion")
      .max(MAX_CRITERIA, `A rubric has at most ${MAX_CRITERIA} criteria`)
      .refine((c) => new Set(c.map((x) => x.key)).size === c.length, "Each criterion key is used once"),
    scale: rubricScaleSchema.default({ min: 1, max: 5 }),
  })
  .meta({ id: "Rubric", description: "Criteria with weights, scored on one scale (normalised to 0..1 for consensus)" });
export type Rubric = z.output<typeof rubricSchema>;

const judgeFieldsShape = {
  name: displayName().trim().min(1, "Enter a name").max(120, "A name has at most 120 characters"),
  instructions: text()
    .max(MAX_JUDGE_INSTRUCTIONS, `Instructions have at most ${MAX_JUDGE_INSTRUCTIONS} characters`)
    .describe("What the judge looks for (its system prompt, before the rubric)"),
  modelPolicy: modelPolicySchema,
  rubric: rubricSchema,
  referenceAnswer: text().max(20_000, "A reference answer has at most 20000 characters").nullable().describe("An answer the judge compares against"),
  examples: z.array(fewShotExampleSchema).max(MAX_EXAMPLES, `At most ${MAX_EXAMPLES} examples`).describe("Few-shot examples shown to the judge"),
  labelledSetId: z
    .null()
    .describe("Reserved: a set of people-labelled outputs (a later release computes the judge's agreement with them); always null for now"),
  maxOutputTokens: z.number().int("A whole number").min(64, "At least 64 output tokens").max(8_000, "At most 8000 output tokens"),
};

export const createJudgeInputSchema = z.strictObject({
  slug: judgeSlugSchema,
  name: judgeFieldsShape.name,
  instructions: judgeFieldsShape.instructions.default(""),
  modelPolicy: judgeFieldsShape.modelPolicy.default(DEFAULT_MODEL_POLICY),
  rubric: judgeFieldsShape.rubric,
  referenceAnswer: judgeFieldsShape.referenceAnswer.default(null),
  examples: judgeFieldsShape.examples.default([]),
  labelledSetId: judgeFieldsShape.labelledSetId.default(null),
  maxOutputTokens: judgeFieldsShape.maxOutputTokens.default(1024),
});
export type CreateJudgeInput = z.input<typeof createJudgeInputSchema>;

const judgePatchShape = {
  name: judgeFieldsShape.name.optional(),
  instructions: judgeFieldsShape.instructions.optional(),
  modelPolicy: judgeFieldsShape.modelPolicy.optional(),
  rubric: judgeFieldsShape.rubric.optional(),
  referenceAnswer: judgeFieldsShape.referenceAnswer.optional(),
  examples: judgeFieldsShape.examples.optional(),
  labelledSetId: judgeFieldsShape.labelledSetId.optional(),
  maxOutputTokens: judgeFieldsShape.maxOutputTokens.optional(),
  baseVersion: baseVersionSchema,
};
/** REST body of PATCH /api/v1/judges/{judgeId}: the fields to change; the rest carries over. */
export const updateJudgeInputSchema = z.strictObject(judgePatchShape);
export const updateJudgeWithRefInputSchema = z.strictObject({ judge: judgeRefSchema, ...judgePatchShape });
export const judgeByRefInputSchema = z.strictObject({ judge: judgeRefSchema });
export const judgeVersionsInputSchema = z.strictObject({ judge: judgeRefSchema, ...paginationShape });
export const listJudgesInputSchema = z.strictObject({
  includeArchived: z
    .union([z.boolean(), z.enum(["true", "false"]).transform((v) => v === "true")])
    .optional()
    .describe("Also list archived judges"),
  ...paginationShape,
});

export const JUDGE_VERSION_FIELDS = [
  "name",
  "instructions",
  "modelPolicy",
  "rubric",
  "referenceAnswer",
  "examples",
  "labelledSetId",
  "maxOutputTokens",
] as const;

const judgeVersionOut = {
  name: z.string(),
  instructions: z.string(),
  modelPolicy: modelPolicySchema,
  rubric: rubricSchema,
  referenceAnswer: z.string().nullable(),
  examples: z.array(fewShotExampleSchema),
  labelledSetId: z.null(),
  maxOutputTokens: z.number().int(),
};

export const judgeVersionSchema = z
  .object({ judgeId: z.string(), slug: z.string(), version: z.number().int(), ...judgeVersionOut, createdAt: z.date() })
  .meta({ id: "JudgeVersion", description: "One immutable version of a judge" });
export type JudgeVersionOutput = z.infer<typeof judgeVersionSchema>;

export const judgeSchema = z
  .object({
    id: z.string(),
    slug: z.string(),
    currentVersion: z.number().int(),
    archivedAt: z.date().nullable(),
    createdAt: z.date(),
    updatedAt: z.date(),
    ...judgeVersionOut,
  })
  .meta({ id: "Judge", description: "A judge with the fields of its current version" });
export type JudgeOutput = z.infer<typeof judgeSchema>;

// ---------------------------------------------------------------------------------------------------
// Verdicts

/** What a judge's model answers (structured output): a score per criterion of its rubric, on the rubric's scale. */
export function judgeAnswerSchemaFor(rubric: Rubric) {
  const { min, max } = rubric.scale;
  return z.object({
    scores: z
      .object(Object.fromEntries(rubric.criteria.map((c) => [c.key, z.number().min(min).max(max).describe(c.description)])))
      .describe(`One score per criterion, from ${min} (worst) to ${max} (best)`),
    verdict: judgeVerdictLabelSchema,
    rationale: z.string(),
    issues: z.array(z.string()).describe("Concrete problems the producer must fix (empty when it passes)"),
  });
}
export type JudgeAnswer = { scores: Record<string, number>; verdict: JudgeVerdictLabel; rationale: string; issues: string[] };

export const judgeVerdictSchema = z
  .object({
    id: z.string(),
    runId: z.string(),
    stepId: z.string(),
    scope: z.string().describe("Which gate: \"\" for the run's own output; a team node's id for its agent's gate inside a team run"),
    iteration: z.number().int(),
    judgeId: z.string(),
    judgeSlug: z.string(),
    judgeVersion: z.number().int(),
    modelRef: z.string().nullable(),
    modelName: z.string().nullable(),
    scores: z.record(z.string(), z.number()).describe("Criterion key -> score on the rubric's scale"),
    overall: z.number().describe("The weighted mean of the criteria, normalised to 0..1"),
    verdict: judgeVerdictLabelSchema,
    rationale: z.string(),
    issues: z.array(z.string()),
    sameModel: z.boolean().describe("The judge ran on the producing agent's model (no other model was feasible)"),
    costUsd: z.number(),
    createdAt: z.date(),
  })
  .meta({ id: "JudgeVerdict" });
export type JudgeVerdictOut = z.infer<typeof judgeVerdictSchema>;

export const gateConsensusSchema = z
  .object({
    runId: z.string(),
    scope: z.string().describe("Which gate: \"\" for the run's own output; a team node's id for its agent's gate inside a team run"),
    iteration: z.number().int(),
    score: z.number().describe("Mean of the judges' overall scores (0..1)"),
    verdict: judgeVerdictLabelSchema,
    spread: z.number().describe("Highest minus lowest overall score"),
    agreement: z.number().describe("1 - the mean pairwise absolute difference of the judges' overall scores (1: all equal)"),
    judges: z.number().int(),
    createdAt: z.date(),
  })
  .meta({ id: "GateConsensus" });
export type GateConsensusOut = z.infer<typeof gateConsensusSchema>;

export const runVerdictsInputSchema = z.strictObject({ runId: text().trim().min(1).max(80) });
export const runVerdictsSchema = z
  .object({ verdicts: z.array(judgeVerdictSchema), consensus: z.array(gateConsensusSchema) })
  .meta({ id: "RunVerdicts", description: "A run's judge verdicts and the consensus of each iteration of its quality gate" });
export type RunVerdictsOut = z.infer<typeof runVerdictsSchema>;
