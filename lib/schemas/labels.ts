import { z } from "zod";
import { text } from "./text";
import { idSchema, paginationShape } from "./common";
import { runIdSchema } from "./runs";
import { judgeVerdictLabelSchema } from "./quality-gate";

/**
 * People's labels of judged outputs and the judges' agreement with them (server/quality/calibration/). Shared by the
 * labelling view, tRPC, REST and the SDKs.
 */
export const LABEL_SCORE_MIN = 1;
export const LABEL_SCORE_MAX = 5;
export const MAX_LABEL_NOTE = 2_000;
export const MAX_LABEL_CRITERIA = 12;

export const labelIdSchema = idSchema("lbl");

export const labelScoresSchema = z
  .record(
    text().regex(/^[a-z][a-z0-9_]{0,39}$/, "A criterion key is 1-40 lowercase letters, digits and underscores, starting with a letter"),
    z
      .number()
      .int("A score is a whole number")
      .min(LABEL_SCORE_MIN, `A score is ${LABEL_SCORE_MIN} to ${LABEL_SCORE_MAX}`)
      .max(LABEL_SCORE_MAX, `A score is ${LABEL_SCORE_MIN} to ${LABEL_SCORE_MAX}`),
  )
  .refine((s) => Object.keys(s).length <= MAX_LABEL_CRITERIA, `At most ${MAX_LABEL_CRITERIA} criteria`)
  .describe("Criterion key (the rubric's, or your own) -> score 1..5");

const labelFieldsShape = {
  iteration: z.number().int("A whole number").min(1, "Iterations start at 1").max(100).optional().describe("The judged output (default: the run's last)"),
  verdict: judgeVerdictLabelSchema.describe("pass | revise | fail"),
  scores: labelScoresSchema.default({}),
  score: z
    .number()
    .min(0, "An overall score is 0..1")
    .max(1, "An overall score is 0..1")
    .nullable()
    .default(null)
    .describe("Overall 0..1; null: the mean of the scores mapped to 0..1 (none without scores)"),
  note: text().max(MAX_LABEL_NOTE, `A note has at most ${MAX_LABEL_NOTE} characters`).default(""),
};

/** Your label of a run's output: saving again (same run and iteration) edits it. */
export const saveLabelInputSchema = z.strictObject(labelFieldsShape);
export const saveLabelWithRunInputSchema = z.strictObject({ runId: runIdSchema, ...labelFieldsShape });

export const labelSchema = z
  .object({
    id: z.string(),
    runId: z.string(),
    iteration: z.number().int(),
    labellerId: z.string(),
    verdict: judgeVerdictLabelSchema,
    scores: z.record(z.string(), z.number()),
    score: z.number().nullable(),
    note: z.string(),
    heldOut: z.boolean().describe("Held out: counted in the agreement figures, never a few-shot example"),
    createdAt: z.date(),
    updatedAt: z.date(),
  })
  .meta({ id: "OutputLabel", description: "A person's label of one judged output" });
export type LabelOut = z.output<typeof labelSchema>;

export const listLabelsInputSchema = z.strictObject({
  runId: runIdSchema.optional().describe("Only this run's labels"),
  mine: z
    .union([z.boolean(), z.enum(["true", "false"]).transform((v) => v === "true")])
    .optional()
    .describe("Only your own labels"),
  ...paginationShape,
});
export const labelByIdInputSchema = z.strictObject({ labelId: labelIdSchema });

export const labelQueueInputSchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(50).default(20).describe("How many outputs (1..50, default 20)"),
});
export const labelQueueItemSchema = z
  .object({
    runId: z.string(),
    iteration: z.number().int(),
    target: z.string().nullable().describe("The agent or team that ran"),
    input: z.string(),
    output: z.string(),
    criteria: z.array(z.string()).describe("The criterion keys of the judges' rubrics (their verdicts are not shown: no anchoring)"),
    createdAt: z.date(),
  })
  .meta({ id: "LabelQueueItem" });
export const labelQueueSchema = z.object({ items: z.array(labelQueueItemSchema) });

export const calibrationSettingsSchema = z
  .object({
    kappaThreshold: z.number().min(-1).max(1).describe("A judge whose kappa with people is below this is flagged"),
    minPairs: z.number().int().min(4).max(1_000).describe("The fewest held-out pairs an agreement figure is computed on"),
  })
  .meta({ id: "CalibrationSettings" });
export const updateCalibrationSettingsInputSchema = z.strictObject({
  kappaThreshold: z.number().min(-1, "A threshold is -1..1").max(1, "A threshold is -1..1").optional(),
  minPairs: z.number().int("A whole number").min(4, "At least 4 pairs").max(1_000, "At most 1000 pairs").optional(),
});

const estimateSchema = z
  .discriminatedUnion("status", [
    z.object({ status: z.literal("ok"), value: z.number(), se: z.number(), ci: z.tuple([z.number(), z.number()]), n: z.number().int() }),
    z.object({ status: z.literal("insufficient"), n: z.number().int(), minN: z.number().int() }),
    z.object({ status: z.literal("undefined"), n: z.number().int(), reason: z.string() }),
  ])
  .meta({ id: "AgreementEstimate", description: "A statistic with its 95% interval and n, or why there is none" });

export const agreementFiguresSchema = z.object({
  kappa: estimateSchema.describe("Cohen's kappa of the judge's verdicts against people's (pass/revise/fail)"),
  spearman: estimateSchema.describe("Spearman's rho of the judge's overall score against people's overall score"),
});

export const judgeAgreementSchema = z
  .object({
    judgeId: z.string(),
    judgeSlug: z.string(),
    threshold: z.number(),
    minPairs: z.number().int(),
    labelledPairs: z.number().int().describe("Every (verdict, label) pair on the same run and iteration"),
    heldOutPairs: z.number().int().describe("The held-out ones: the figures below use only these"),
    overall: agreementFiguresSchema,
    flagged: z.boolean().describe("kappa's point estimate is below the threshold with at least minPairs pairs"),
    weeks: z.array(agreementFiguresSchema.extend({ week: z.string().describe("The Monday of the week (UTC), YYYY-MM-DD") })),
  })
  .meta({ id: "JudgeAgreement" });
export type JudgeAgreementOut = z.output<typeof judgeAgreementSchema>;

export const pickExamplesInputSchema = z.strictObject({
  max: z.number().int().min(1).max(8).default(3).describe("How many examples (1..8, default 3): one per verdict first"),
});
