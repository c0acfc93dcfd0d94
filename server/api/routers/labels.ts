import { pageOf } from "@/lib/schemas/common";
import { judgeSchema } from "@/lib/schemas/judges";
import { judgeRefSchema } from "@/lib/schemas/quality-gate";
import {
  calibrationSettingsSchema,
  judgeAgreementSchema,
  labelByIdInputSchema,
  labelQueueInputSchema,
  labelQueueSchema,
  labelSchema,
  listLabelsInputSchema,
  pickExamplesInputSchema,
  saveLabelWithRunInputSchema,
  updateCalibrationSettingsInputSchema,
} from "@/lib/schemas/labels";
import { z } from "zod";
import { router, workspaceProcedure } from "../trpc";
import { getLabel, labelQueue, listLabels, saveLabel } from "@/server/quality/calibration/labels";
import { getCalibrationSettings, judgeAgreement, updateCalibrationSettings } from "@/server/quality/calibration/agreement";
import { pickExamplesFromLabels } from "@/server/quality/calibration/examples";

/** People's labels of judged outputs, and the judges' agreement with them (server/quality/calibration). */
export const labelsRouter = router({
  /** one page, newest first (keyset cursor) */
  list: workspaceProcedure("labels:read")
    .input(listLabelsInputSchema.optional())
    .output(pageOf(labelSchema))
    .query(({ ctx, input }) => listLabels(ctx.tenant, input ?? {})),
  get: workspaceProcedure("labels:read")
    .input(labelByIdInputSchema)
    .output(labelSchema)
    .query(({ ctx, input }) => getLabel(ctx.tenant, input.labelId)),
  /** recent outputs the caller has not labelled (no judge verdicts in it) */
  queue: workspaceProcedure("labels:write")
    .input(labelQueueInputSchema.optional())
    .output(labelQueueSchema)
    .query(({ ctx, input }) => labelQueue(ctx.tenant, input ?? {})),
  /** the caller's label of a run's output: created, or their earlier one edited */
  save: workspaceProcedure("labels:write")
    .input(saveLabelWithRunInputSchema)
    .output(labelSchema)
    .mutation(({ ctx, input: { runId, ...label } }) => saveLabel(ctx.tenant, runId, label)),
  agreement: workspaceProcedure("labels:read")
    .input(z.strictObject({ judge: judgeRefSchema }))
    .output(judgeAgreementSchema)
    .query(({ ctx, input }) => judgeAgreement(ctx.tenant, input.judge)),
  /** a new judge version whose few-shot examples come from non-held-out labels */
  pickExamples: workspaceProcedure("judges:update")
    .input(z.strictObject({ judge: judgeRefSchema, ...pickExamplesInputSchema.shape }))
    .output(judgeSchema)
    .mutation(({ ctx, input: { judge, ...rest } }) => pickExamplesFromLabels(ctx.tenant, judge, rest)),
  settings: workspaceProcedure("labels:read")
    .output(calibrationSettingsSchema)
    .query(({ ctx }) => getCalibrationSettings(ctx.tenant)),
  updateSettings: workspaceProcedure("settings:update")
    .input(updateCalibrationSettingsInputSchema)
    .output(calibrationSettingsSchema)
    .mutation(({ ctx, input }) => updateCalibrationSettings(ctx.tenant, input)),
});
