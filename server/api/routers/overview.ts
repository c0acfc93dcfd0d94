import { workspaceOverviewSchema } from "@/lib/schemas/overview";
import { router, workspaceProcedure } from "../trpc";
import { workspaceOverview } from "@/server/workspaces/overview";

export const overviewRouter = router({
  get: workspaceProcedure("settings:read")
    .output(workspaceOverviewSchema)
    .query(({ ctx }) => workspaceOverview(ctx.tenant)),
});
