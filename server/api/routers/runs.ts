import { router, workspaceProcedure } from "../trpc";
import { listRunEventsInputSchema, listRunsInputSchema, runRefInputSchema, startRunInputSchema } from "@/lib/schemas/runs";
import { cancelRun, getRun, listRunEvents, listRuns, startRun } from "@/server/runs/service";

export const runsRouter = router({
  list: workspaceProcedure("runs:read").input(listRunsInputSchema.optional()).query(({ ctx, input }) => listRuns(ctx.tenant, input ?? {})),
  get: workspaceProcedure("runs:read").input(runRefInputSchema).query(({ ctx, input }) => getRun(ctx.tenant, input.runId)),
  events: workspaceProcedure("runs:read").input(listRunEventsInputSchema).query(({ ctx, input }) => listRunEvents(ctx.tenant, input.runId, input.after, input.limit)),
  start: workspaceProcedure("runs:create").input(startRunInputSchema).mutation(({ ctx, input }) => startRun(ctx.tenant, input, { watched: true })), // the web app opens the run's page
  cancel: workspaceProcedure("runs:cancel").input(runRefInputSchema).mutation(({ ctx, input }) => cancelRun(ctx.tenant, input.runId)),
});
