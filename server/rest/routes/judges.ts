import { z } from "zod";
import { defineRoute } from "../define";
import { archiveJudge, createJudge, getJudge, listJudges, listJudgeVersions, updateJudge } from "@/server/quality/judges/service";
import { runVerdicts } from "@/server/quality/judges/verdicts";
import {
  createJudgeInputSchema,
  judgeSchema,
  judgeVersionSchema,
  listJudgesInputSchema,
  runVerdictsSchema,
  updateJudgeInputSchema,
} from "@/lib/schemas/judges";
import { judgeRefSchema } from "@/lib/schemas/quality-gate";
import { paginationSchema, restPageOf } from "@/lib/schemas/common";
import { text } from "@/lib/schemas/text";

const judgeParams = z.strictObject({ judgeId: judgeRefSchema });

export const listJudgesRoute = defineRoute({
  method: "GET",
  path: "/api/v1/judges",
  summary: "The workspace's judges with their current versions, newest first (one page: `limit`, `cursor`)",
  tag: "Judges",
  requires: "judges:read",
  query: listJudgesInputSchema,
  response: restPageOf(judgeSchema),
  handler: async ({ ctx, query }) => {
    const page = await listJudges(ctx, query);
    return { data: page.items, nextCursor: page.nextCursor };
  },
});

export const createJudgeRoute = defineRoute({
  method: "POST",
  path: "/api/v1/judges",
  summary: "Create a judge (version 1): instructions, model policy and a rubric",
  tag: "Judges",
  requires: "judges:create",
  body: createJudgeInputSchema,
  status: 201,
  response: judgeSchema,
  idempotent: true,
  errors: ["CONFLICT"],
  handler: ({ ctx, body }) => createJudge(ctx, body),
});

export const getJudgeRoute = defineRoute({
  method: "GET",
  path: "/api/v1/judges/{judgeId}",
  summary: "One judge (by id or slug) with its current version",
  tag: "Judges",
  requires: "judges:read",
  params: judgeParams,
  response: judgeSchema,
  handler: ({ ctx, params }) => getJudge(ctx, params.judgeId),
});

export const updateJudgeRoute = defineRoute({
  method: "PATCH",
  path: "/api/v1/judges/{judgeId}",
  summary: "Save a new version of a judge (fields left out carry over; an identical update writes nothing; `baseVersion` older than the current one is a 409)",
  tag: "Judges",
  requires: "judges:update",
  params: judgeParams,
  body: updateJudgeInputSchema,
  response: judgeSchema,
  errors: ["CONFLICT"],
  handler: ({ ctx, params, body }) => updateJudge(ctx, params.judgeId, body),
});

export const archiveJudgeRoute = defineRoute({
  method: "POST",
  path: "/api/v1/judges/{judgeId}/archive",
  summary: "Archive a judge (soft delete: gates naming it refuse new runs; its versions and verdicts stay readable)",
  tag: "Judges",
  requires: "judges:delete",
  params: judgeParams,
  response: judgeSchema,
  idempotent: false,
  handler: ({ ctx, params }) => archiveJudge(ctx, params.judgeId),
});

export const listJudgeVersionsRoute = defineRoute({
  method: "GET",
  path: "/api/v1/judges/{judgeId}/versions",
  summary: "A judge's versions, newest first (one page: `limit`, `cursor`)",
  tag: "Judges",
  requires: "judges:read",
  params: judgeParams,
  query: paginationSchema,
  response: restPageOf(judgeVersionSchema),
  handler: async ({ ctx, params, query }) => {
    const page = await listJudgeVersions(ctx, params.judgeId, query);
    return { data: page.items, nextCursor: page.nextCursor };
  },
});

export const runVerdictsRoute = defineRoute({
  method: "GET",
  path: "/api/v1/runs/{runId}/verdicts",
  summary: "A run's judge verdicts (per iteration of its quality gate: scores, rationale, issues, model, same-model flag, cost) and each iteration's consensus",
  tag: "Judges",
  requires: "runs:read",
  params: z.strictObject({ runId: text().trim().min(1).max(80) }),
  response: runVerdictsSchema,
  handler: ({ ctx, params }) => runVerdicts(ctx, params.runId),
});
