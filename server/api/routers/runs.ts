import { router, workspaceProcedure } from "../trpc";
import { z } from "zod";
import {
  listRunEventsInputSchema, listRunsInputSchema, runDetailSchema, runEventSchema, runRefInputSchema, runSchema, runStepInputSchema, runStepSchema, runStepsInputSchema,
  startRunInputSchema,
} from "@/lib/schemas/runs";
import { pageOf } from "@/lib/schemas/common";
import { cancelRun, getRun, getRunStep, listRunEvents, listRuns, listRunSteps, startRun } from "@/server/runs/service";

export const runsRouter = router({
  list: workspaceProcedure("runs:read").input(listRunsInputSchema.optional()).output(pageOf(runSchema)).query(({ ctx, input }) => listRuns(ctx.tenant, input ?? {})),
  /** the run with every step (the live run page), step texts bounded; runs.steps pages them, runs.step has one whole */
  get: workspaceProcedure("runs:read").input(runRefInputSchema).output(runDetailSchema).query(({ ctx, input }) => getRun(ctx.tenant, input.runId)),
  steps: workspaceProcedure("runs:read").input(runStepsInputSchema).output(pageOf(runStepSchema)).query(({ ctx, input: { runId, ...page } }) => listRunSteps(ctx.tenant, runId, page)),
  step: workspaceProcedure("runs:read").input(runStepInputSchema).output(runStepSchema).query(({ ctx, input }) => getRunStep(ctx.tenant, input.runId, input.stepId)),
  events: workspaceProcedure("runs:read").input(listRunEventsInputSchema).output(z.array(runEventSchema)).query(({ ctx, input }) => listRunEvents(ctx.tenant, input.runId, input.after, input.limit)),
  start: workspaceProcedure("runs:create").input(startRunInputSchema).output(runSchema).mutation(({ ctx, input }) => startRun(ctx.tenant, input, { watched: true })), // the web app opens the run's page
  cancel: workspaceProcedure("runs:cancel").input(runRefInputSchema).output(runSchema).mutation(({ ctx, input }) => cancelRun(ctx.tenant, input.runId)),
});
