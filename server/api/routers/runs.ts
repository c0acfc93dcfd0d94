import { router, workspaceProcedure } from "../trpc";
import { z } from "zod";
import { listRunEventsInputSchema, listRunsInputSchema, runDetailSchema, runEventSchema, runRefInputSchema, runSchema, startRunInputSchema } from "@/lib/schemas/runs";
import { pageOf } from "@/lib/schemas/common";
import { cancelRun, getRun, listRunEvents, listRuns, startRun } from "@/server/runs/service";

export const runsRouter = router({
  list: workspaceProcedure("runs:read").input(listRunsInputSchema.optional()).output(pageOf(runSchema)).query(({ ctx, input }) => listRuns(ctx.tenant, input ?? {})),
  get: workspaceProcedure("runs:read").input(runRefInputSchema).output(runDetailSchema).query(({ ctx, input }) => getRun(ctx.tenant, input.runId)),
  events: workspaceProcedure("runs:read").input(listRunEventsInputSchema).output(z.array(runEventSchema)).query(({ ctx, input }) => listRunEvents(ctx.tenant, input.runId, input.after, input.limit)),
  start: workspaceProcedure("runs:create").input(startRunInputSchema).output(runSchema).mutation(({ ctx, input }) => startRun(ctx.tenant, input, { watched: true })), // the web app opens the run's page
  cancel: workspaceProcedure("runs:cancel").input(runRefInputSchema).output(runSchema).mutation(({ ctx, input }) => cancelRun(ctx.tenant, input.runId)),
});
