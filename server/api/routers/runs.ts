import { router, workspaceProcedure } from "../trpc";
import { listStepCalls } from "@/server/runs/step-calls";
import { usageRecordSchema } from "@/lib/schemas/usage";
import { z } from "zod";
import {
  listRunEventsInputSchema,
  listRunsInputSchema,
  runDetailSchema,
  runEventSchema,
  rerunInputSchema,
  runRefInputSchema,
  runSchema,
  runStepInputSchema,
  runStepSchema,
  runStepsInputSchema,
  startRunWithKeyInputSchema,
} from "@/lib/schemas/runs";
import { idempotentCall } from "@/server/idempotency/store";
import { pageOf } from "@/lib/schemas/common";
import { rerunRun } from "@/server/runs/rerun";
import { cancelRun, getRun, getRunStep, listRunEvents, listRuns, listRunSteps, startRun } from "@/server/runs/service";

export const runsRouter = router({
  list: workspaceProcedure("runs:read")
    .input(listRunsInputSchema.optional())
    .output(pageOf(runSchema))
    .query(({ ctx, input }) => listRuns(ctx.tenant, input ?? {})),
  /** the run with every step (the live run page), step texts bounded; runs.steps pages them, runs.step has one whole */
  get: workspaceProcedure("runs:read")
    .input(runRefInputSchema)
    .output(runDetailSchema)
    .query(({ ctx, input }) => getRun(ctx.tenant, input.runId)),
  steps: workspaceProcedure("runs:read")
    .input(runStepsInputSchema)
    .output(pageOf(runStepSchema))
    .query(({ ctx, input: { runId, ...page } }) => listRunSteps(ctx.tenant, runId, page)),
  step: workspaceProcedure("runs:read")
    .input(runStepInputSchema)
    .output(runStepSchema)
    .query(({ ctx, input }) => getRunStep(ctx.tenant, input.runId, input.stepId)),
  /** every model call the step made (its ledger rows, failed attempts included), oldest first */
  stepCalls: workspaceProcedure("runs:read")
    .input(runStepInputSchema)
    .output(z.array(usageRecordSchema))
    .query(({ ctx, input }) => listStepCalls(ctx.tenant, input.runId, input.stepId)),
  events: workspaceProcedure("runs:read")
    .input(listRunEventsInputSchema)
    .output(z.array(runEventSchema))
    .query(({ ctx, input }) => listRunEvents(ctx.tenant, input.runId, input.after, input.limit)),
  // the web app opens the run's page (watched); its form sends one idempotency key per intended run
  start: workspaceProcedure("runs:create")
    .input(startRunWithKeyInputSchema)
    .output(runSchema)
    .mutation(({ ctx, input }) => {
      const { idempotencyKey, ...rest } = input;
      return idempotentCall(ctx.tenant, "runs.start", idempotencyKey, rest, () => startRun(ctx.tenant, rest, { watched: true }));
    }),
  /** a new run of a finished run's input, on the versions it pinned or the current ones; the web app opens its page */
  rerun: workspaceProcedure("runs:create")
    .input(rerunInputSchema)
    .output(runSchema)
    .mutation(({ ctx, input }) => {
      const { idempotencyKey, runId, versions } = input;
      return idempotentCall(ctx.tenant, "runs.rerun", idempotencyKey, { runId, versions }, () => rerunRun(ctx.tenant, runId, versions, { watched: true }));
    }),
  cancel: workspaceProcedure("runs:cancel")
    .input(runRefInputSchema)
    .output(runSchema)
    .mutation(({ ctx, input }) => cancelRun(ctx.tenant, input.runId)),
});
