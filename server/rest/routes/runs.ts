import { z } from "zod";
import { defineRoute, defineStreamRoute } from "../define";
import { MAX_INT4 } from "@/lib/schemas/text";
import { streamRunEvents } from "@/server/runs/sse";
import { rerunRun } from "@/server/runs/rerun";
import { listStepCalls } from "@/server/runs/step-calls";
import { usageRecordSchema } from "@/lib/schemas/usage";
import { cancelRun, getRun, getRunStep, getRunSummary, listRunEvents, listRuns, listRunSteps, startRun } from "@/server/runs/service";
import { waitForRunEnd } from "@/server/runs/wait";
import {
  listRunsInputSchema,
  MAX_RUN_START_BODY_BYTES,
  MAX_RUN_WAIT_SECONDS,
  rerunBodySchema,
  runDetailQuerySchema,
  runDetailSchema,
  runEventSchema,
  runIdSchema,
  runSchema,
  runStepRefSchema,
  runStepSchema,
  startRunInputSchema,
  STEP_TEXT_LIMIT,
  TERMINAL_RUN_STATUSES,
  waitQuerySchema,
} from "@/lib/schemas/runs";
import { paginationSchema, restPageOf } from "@/lib/schemas/common";

const runParams = z.strictObject({ runId: runIdSchema });
const runStepParams = z.strictObject({ runId: runIdSchema, stepId: runStepRefSchema });

export const listRunsRoute = defineRoute({
  method: "GET",
  path: "/api/v1/runs",
  summary: "The workspace's runs, newest first (filters: team, agent, status, tag, channel, from, to)",
  tag: "Runs",
  requires: "runs:read",
  query: listRunsInputSchema,
  response: restPageOf(runSchema),
  handler: async ({ ctx, query }) => {
    const page = await listRuns(ctx, query);
    return { data: page.items, nextCursor: page.nextCursor };
  },
});

export const startRunRoute = defineRoute({
  method: "POST",
  path: "/api/v1/runs",
  summary: `Start a run of a team or a single agent. Without \`wait\`: returns at once (201, status queued) while the run executes in the background. With \`?wait=<seconds>\` (at most ${MAX_RUN_WAIT_SECONDS}): 200 with the finished run (its output) if it ends within the wait, else 202 with the run still queued or running (follow it with its id). A replay with the same Idempotency-Key starts nothing and waits for the same run.`,
  tag: "Runs",
  requires: "runs:create",
  query: waitQuerySchema(MAX_RUN_WAIT_SECONDS, 0),
  body: startRunInputSchema,
  status: 201,
  response: runSchema,
  maxBodyBytes: MAX_RUN_START_BODY_BYTES,
  idempotent: true,
  operationId: "startRun",
  // a team or agent that does not exist or is archived, the monthly budget used up, Inngest unreachable
  errors: ["NOT_FOUND", "CONFLICT", "BUDGET_EXCEEDED", "NO_FEASIBLE_MODEL", "RUN_INFEASIBLE", "UPSTREAM_ERROR"],
  handler: ({ ctx, body }) => startRun(ctx, body),
  // the wait is not part of the stored answer: a replay waits for the run the first request started, and answers its state now
  followUp: async ({ ctx, query, answer, signal }) => {
    if (query.wait === 0) return undefined;
    const { id } = runSchema.pick({ id: true }).parse(answer);
    const status = await waitForRunEnd(ctx, id, query.wait * 1000, signal);
    const run = await getRunSummary(ctx, id);
    return { status: status !== null && TERMINAL_RUN_STATUSES.includes(status) ? 200 : 202, body: run };
  },
  alsoAnswers: {
    200: "With `wait`: the run ended within the wait (succeeded, failed or cancelled): its output, error and totals",
    202: "With `wait`: the run is still queued or running after the wait: follow it by its id (GET /api/v1/runs/{runId} or its events)",
  },
});

export const getRunRoute = defineRoute({
  method: "GET",
  path: "/api/v1/runs/{runId}",
  summary:
    "A run: status, output, totals, the versions it pinned and the first page of its steps (`stepsLimit`, default 50; the rest from /steps with `stepsNextCursor`)",
  tag: "Runs",
  requires: "runs:read",
  params: runParams,
  query: runDetailQuerySchema,
  response: runDetailSchema,
  handler: ({ ctx, params, query }) => getRun(ctx, params.runId, { stepsLimit: query.stepsLimit }),
});

export const listRunStepsRoute = defineRoute({
  method: "GET",
  path: "/api/v1/runs/{runId}/steps",
  summary: `A run's steps in the order they started (one page: \`limit\`, \`cursor\`); inputs and outputs cut to ${STEP_TEXT_LIMIT} characters (flagged)`,
  tag: "Runs",
  requires: "runs:read",
  params: runParams,
  query: paginationSchema,
  response: restPageOf(runStepSchema),
  handler: async ({ ctx, params, query }) => {
    const page = await listRunSteps(ctx, params.runId, query);
    return { data: page.items, nextCursor: page.nextCursor };
  },
});

export const getRunStepRoute = defineRoute({
  method: "GET",
  path: "/api/v1/runs/{runId}/steps/{stepId}",
  summary: "One step of a run, its input and output whole",
  tag: "Runs",
  requires: "runs:read",
  params: runStepParams,
  response: runStepSchema,
  handler: ({ ctx, params }) => getRunStep(ctx, params.runId, params.stepId),
});

export const listRunStepCallsRoute = defineRoute({
  method: "GET",
  path: "/api/v1/runs/{runId}/steps/{stepId}/calls",
  summary: "Every model call a step made, oldest first: its ledger rows, failed calls, fallbacks and retries included",
  tag: "Runs",
  requires: "runs:read",
  params: runStepParams,
  response: z.array(usageRecordSchema),
  handler: ({ ctx, params }) => listStepCalls(ctx, params.runId, params.stepId),
});

export const cancelRunRoute = defineRoute({
  method: "POST",
  path: "/api/v1/runs/{runId}/cancel",
  summary: "Cancel a run: a queued run at once, a running one before its next step",
  tag: "Runs",
  requires: "runs:cancel",
  params: runParams,
  response: runSchema,
  idempotent: false,
  errors: ["CONFLICT"],
  handler: ({ ctx, params }) => cancelRun(ctx, params.runId),
});

export const rerunRunRoute = defineRoute({
  method: "POST",
  path: "/api/v1/runs/{runId}/rerun",
  summary:
    "Re-run a finished run: a new run with its input, model policy override and budget, on the versions it pinned (default) or the current ones (`versions: current`); the earlier run is unchanged",
  tag: "Runs",
  requires: "runs:create",
  params: runParams,
  body: rerunBodySchema,
  status: 201,
  response: runSchema,
  idempotent: true,
  errors: ["NOT_FOUND", "CONFLICT", "BUDGET_EXCEEDED", "NO_FEASIBLE_MODEL", "RUN_INFEASIBLE", "UPSTREAM_ERROR"],
  handler: ({ ctx, params, body }) => rerunRun(ctx, params.runId, body.versions),
});

export const RUN_EVENTS_STREAM =
  'Server-Sent Events: one message per run event, `id: <seq>`, `event: <type>`, `data: {"seq","type","data","createdAt"}`; resumable with Last-Event-ID (or ?after=); heartbeat comments while idle; the stream ends after run.succeeded, run.failed or run.cancelled.';

/** The run's events: a Server-Sent Events stream, or with `Accept: application/json` one JSON page. See docs/api.md. */
export const listRunEventsRoute = defineStreamRoute({
  method: "GET",
  path: "/api/v1/runs/{runId}/events",
  summary:
    "The run's events: a Server-Sent Events stream (text/event-stream; id = seq; resume with Last-Event-ID or ?after=; ends after run.succeeded/failed/cancelled). With `Accept: application/json`: one JSON page of the events after `after`.",
  tag: "Runs",
  requires: "runs:read",
  params: runParams,
  query: z.strictObject({ after: z.coerce.number().int().min(0).max(MAX_INT4).default(0), limit: z.coerce.number().int().min(1).max(1000).default(500) }),
  events: RUN_EVENTS_STREAM,
  stream: streamRunEvents,
  response: z.object({ data: z.array(runEventSchema) }),
  handler: async ({ ctx, params, query }) => ({ data: await listRunEvents(ctx, params.runId, query.after, query.limit) }),
});
