import { router, workspaceProcedure } from "../trpc";
import { z } from "zod";
import { listRunEventsInputSchema, listRunsInputSchema, runDetailSchema, runEventSchema, runRefInputSchema, runSchema, startRunWithKeyInputSchema } from "@/lib/schemas/runs";
import { idempotentCall } from "@/server/idempotency/store";
import { pageOf } from "@/lib/schemas/common";
import { cancelRun, getRun, listRunEvents, listRuns, startRun } from "@/server/runs/service";

export const runsRouter = router({
  list: workspaceProcedure("runs:read").input(listRunsInputSchema.optional()).output(pageOf(runSchema)).query(({ ctx, input }) => listRuns(ctx.tenant, input ?? {})),
  get: workspaceProcedure("runs:read").input(runRefInputSchema).output(runDetailSchema).query(({ ctx, input }) => getRun(ctx.tenant, input.runId)),
  events: workspaceProcedure("runs:read").input(listRunEventsInputSchema).output(z.array(runEventSchema)).query(({ ctx, input }) => listRunEvents(ctx.tenant, input.runId, input.after, input.limit)),
  // the web app opens the run's page (watched); its form sends one idempotency key per intended run
  start: workspaceProcedure("runs:create").input(startRunWithKeyInputSchema).output(runSchema).mutation(({ ctx, input }) => {
    const { idempotencyKey, ...rest } = input;
    return idempotentCall(ctx.tenant, "runs.start", idempotencyKey, rest, () => startRun(ctx.tenant, rest, { watched: true }));
  }),
  cancel: workspaceProcedure("runs:cancel").input(runRefInputSchema).output(runSchema).mutation(({ ctx, input }) => cancelRun(ctx.tenant, input.runId)),
});
