import {
  createJudgeInputSchema,
  judgeByRefInputSchema,
  judgeSchema,
  judgeVersionSchema,
  judgeVersionsInputSchema,
  listJudgesInputSchema,
  runVerdictsInputSchema,
  runVerdictsSchema,
  updateJudgeWithRefInputSchema,
} from "@/lib/schemas/judges";
import { pageOf } from "@/lib/schemas/common";
import { router, workspaceProcedure } from "../trpc";
import { archiveJudge, createJudge, getJudge, listJudges, listJudgeVersions, updateJudge } from "@/server/quality/judges/service";
import { runVerdicts } from "@/server/quality/judges/verdicts";

export const judgesRouter = router({
  /** one page, newest first (keyset cursor) */
  list: workspaceProcedure("judges:read")
    .input(listJudgesInputSchema.optional())
    .output(pageOf(judgeSchema))
    .query(({ ctx, input }) => listJudges(ctx.tenant, input ?? {})),
  get: workspaceProcedure("judges:read")
    .input(judgeByRefInputSchema)
    .output(judgeSchema)
    .query(({ ctx, input }) => getJudge(ctx.tenant, input.judge)),
  versions: workspaceProcedure("judges:read")
    .input(judgeVersionsInputSchema)
    .output(pageOf(judgeVersionSchema))
    .query(({ ctx, input: { judge, ...page } }) => listJudgeVersions(ctx.tenant, judge, page)),
  create: workspaceProcedure("judges:create")
    .input(createJudgeInputSchema)
    .output(judgeSchema)
    .mutation(({ ctx, input }) => createJudge(ctx.tenant, input)),
  /** a new version (an update identical to the current version writes nothing) */
  update: workspaceProcedure("judges:update")
    .input(updateJudgeWithRefInputSchema)
    .output(judgeSchema)
    .mutation(({ ctx, input: { judge, ...patch } }) => updateJudge(ctx.tenant, judge, patch)),
  archive: workspaceProcedure("judges:delete")
    .input(judgeByRefInputSchema)
    .output(judgeSchema)
    .mutation(({ ctx, input }) => archiveJudge(ctx.tenant, input.judge)),
  /** a run's verdicts per iteration and the consensus of each (the run page's verdicts panel) */
  runVerdicts: workspaceProcedure("runs:read")
    .input(runVerdictsInputSchema)
    .output(runVerdictsSchema)
    .query(({ ctx, input }) => runVerdicts(ctx.tenant, input.runId)),
});
