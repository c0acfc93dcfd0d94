import { z } from "zod";
import { defineRoute } from "../define";
import { getLabel, labelQueue, listLabels, saveLabel } from "@/server/quality/calibration/labels";
import { getCalibrationSettings, judgeAgreement, updateCalibrationSettings } from "@/server/quality/calibration/agreement";
import { pickExamplesFromLabels } from "@/server/quality/calibration/examples";
import {
  calibrationSettingsSchema,
  judgeAgreementSchema,
  labelByIdInputSchema,
  labelQueueInputSchema,
  labelQueueSchema,
  labelSchema,
  listLabelsInputSchema,
  pickExamplesInputSchema,
  saveLabelInputSchema,
  updateCalibrationSettingsInputSchema,
} from "@/lib/schemas/labels";
import { judgeSchema } from "@/lib/schemas/judges";
import { judgeRefSchema } from "@/lib/schemas/quality-gate";
import { runIdSchema } from "@/lib/schemas/runs";
import { restPageOf } from "@/lib/schemas/common";

const judgeParams = z.strictObject({ judgeId: judgeRefSchema });

export const listLabelsRoute = defineRoute({
  method: "GET",
  path: "/api/v1/labels",
  summary: "People's labels of judged outputs, newest first (`runId`, `mine`; one page: `limit`, `cursor`)",
  tag: "Labels",
  requires: "labels:read",
  query: listLabelsInputSchema,
  response: restPageOf(labelSchema),
  handler: async ({ ctx, query }) => {
    const page = await listLabels(ctx, query);
    return { data: page.items, nextCursor: page.nextCursor };
  },
});

export const labelQueueRoute = defineRoute({
  method: "GET",
  path: "/api/v1/labels/queue",
  summary: "Recent run outputs you have not labelled yet: input, output and the judges' criterion keys, never their verdicts",
  tag: "Labels",
  requires: "labels:write",
  query: labelQueueInputSchema,
  response: labelQueueSchema,
  handler: ({ ctx, query }) => labelQueue(ctx, query),
});

export const getLabelRoute = defineRoute({
  method: "GET",
  path: "/api/v1/labels/{labelId}",
  summary: "One label",
  tag: "Labels",
  requires: "labels:read",
  params: labelByIdInputSchema,
  response: labelSchema,
  handler: ({ ctx, params }) => getLabel(ctx, params.labelId),
});

export const saveLabelRoute = defineRoute({
  method: "PUT",
  path: "/api/v1/runs/{runId}/label",
  summary:
    "Your label of a run's output (`iteration`, default the last): a verdict, scores 1..5 per criterion, an overall score, a note. Saving again edits it",
  tag: "Labels",
  requires: "labels:write",
  params: z.strictObject({ runId: runIdSchema }),
  body: saveLabelInputSchema,
  response: labelSchema,
  errors: ["CONFLICT"],
  handler: ({ ctx, params, body }) => saveLabel(ctx, params.runId, body),
});

export const judgeAgreementRoute = defineRoute({
  method: "GET",
  path: "/api/v1/judges/{judgeId}/agreement",
  summary:
    "A judge's agreement with people on held-out labels: Cohen's kappa and Spearman's rho with 95% intervals and n, by week, and the below-threshold flag",
  tag: "Labels",
  requires: "labels:read",
  params: judgeParams,
  response: judgeAgreementSchema,
  handler: ({ ctx, params }) => judgeAgreement(ctx, params.judgeId),
});

export const pickExamplesRoute = defineRoute({
  method: "POST",
  path: "/api/v1/judges/{judgeId}/examples/from-labels",
  summary: "Save a new judge version whose few-shot examples are people-labelled outputs (never held-out ones)",
  tag: "Labels",
  requires: "judges:update",
  params: judgeParams,
  body: pickExamplesInputSchema,
  response: judgeSchema,
  idempotent: false,
  errors: ["CONFLICT"],
  handler: ({ ctx, params, body }) => pickExamplesFromLabels(ctx, params.judgeId, body),
});

export const getCalibrationSettingsRoute = defineRoute({
  method: "GET",
  path: "/api/v1/workspace/calibration",
  summary: "The judges' calibration settings: the kappa threshold below which a judge is flagged, the minimum number of pairs",
  tag: "Workspace",
  requires: "labels:read",
  response: calibrationSettingsSchema,
  handler: ({ ctx }) => getCalibrationSettings(ctx),
});

export const updateCalibrationSettingsRoute = defineRoute({
  method: "PUT",
  path: "/api/v1/workspace/calibration",
  summary: "Change the calibration settings (the fields given; the others stay). Audited",
  tag: "Workspace",
  requires: "settings:update",
  body: updateCalibrationSettingsInputSchema,
  response: calibrationSettingsSchema,
  handler: ({ ctx, body }) => updateCalibrationSettings(ctx, body),
});
