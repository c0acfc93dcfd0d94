import { z } from "zod";
import { defineRoute } from "../define";
import { paginationSchema, restPageOf } from "@/lib/schemas/common";
import {
  compareEvaluationsInputSchema,
  comparisonSchema,
  createEvaluationInputSchema,
  evaluationIdSchema,
  evaluationItemSchema,
  evaluationSchema,
  listEvaluationsInputSchema,
} from "@/lib/schemas/evaluations";
import { cancelEvaluation, getEvaluation, listEvaluationItems, listEvaluations } from "@/server/quality/evaluations/service";
import { compareEvaluations } from "@/server/quality/evaluations/compare";
import { submitEvaluation } from "@/server/quality/evaluations/worker";

const evaluationParams = z.strictObject({ evaluationId: evaluationIdSchema });

export const listEvaluationsRoute = defineRoute({
  method: "GET",
  path: "/api/v1/evaluations",
  summary: "The workspace's evaluations, newest first (`dataset`; one page: `limit`, `cursor`)",
  tag: "Evaluations",
  requires: "evals:read",
  query: listEvaluationsInputSchema,
  response: restPageOf(evaluationSchema),
  handler: async ({ ctx, query }) => {
    const page = await listEvaluations(ctx, query);
    return { data: page.items, nextCursor: page.nextCursor };
  },
});

export const createEvaluationRoute = defineRoute({
  method: "POST",
  path: "/api/v1/evaluations",
  summary:
    "Evaluate an agent or team version (default the current one) over a dataset with 1..5 judges (current versions pinned): a background job; budgetUsd, concurrency, passThreshold/failThreshold (an item's consensus), passRate (the evaluation's). Audited",
  tag: "Evaluations",
  requires: "evals:write",
  body: createEvaluationInputSchema,
  response: evaluationSchema,
  status: 202,
  idempotent: true,
  errors: ["CONFLICT"],
  handler: ({ ctx, body }) => submitEvaluation(ctx, body),
});

export const compareEvaluationsRoute = defineRoute({
  method: "GET",
  path: "/api/v1/evaluations/compare",
  summary: "Two evaluations of the same dataset item by item (`a`, `b`): score deltas, verdict changes, cost, latency, summary. 422 when the datasets differ",
  tag: "Evaluations",
  requires: "evals:read",
  query: compareEvaluationsInputSchema,
  response: comparisonSchema,
  handler: ({ ctx, query }) => compareEvaluations(ctx, query.a, query.b),
});

export const getEvaluationRoute = defineRoute({
  method: "GET",
  path: "/api/v1/evaluations/{evaluationId}",
  summary: "One evaluation: status, progress, cost, mean score, pass rate, p50 latency, passed",
  tag: "Evaluations",
  requires: "evals:read",
  params: evaluationParams,
  response: evaluationSchema,
  handler: ({ ctx, params }) => getEvaluation(ctx, params.evaluationId),
});

export const listEvaluationItemsRoute = defineRoute({
  method: "GET",
  path: "/api/v1/evaluations/{evaluationId}/items",
  summary: "An evaluation's items in dataset order: status, run, score, verdict, latency, cost (one page: `limit`, `cursor`)",
  tag: "Evaluations",
  requires: "evals:read",
  params: evaluationParams,
  query: paginationSchema,
  response: restPageOf(evaluationItemSchema),
  handler: async ({ ctx, params, query }) => {
    const page = await listEvaluationItems(ctx, params.evaluationId, query);
    return { data: page.items, nextCursor: page.nextCursor };
  },
});

export const cancelEvaluationRoute = defineRoute({
  method: "POST",
  path: "/api/v1/evaluations/{evaluationId}/cancel",
  summary: "Cancel an unfinished evaluation and its unfinished runs (its scored items are kept). Audited",
  tag: "Evaluations",
  requires: "evals:write",
  params: evaluationParams,
  response: evaluationSchema,
  idempotent: false,
  errors: ["CONFLICT"],
  handler: ({ ctx, params }) => cancelEvaluation(ctx, params.evaluationId),
});
