import { defineRoute } from "../define";
import { workspaceOverview } from "@/server/workspaces/overview";
import { workspaceOverviewSchema } from "@/lib/schemas/overview";

export const getOverviewRoute = defineRoute({
  method: "GET",
  path: "/api/v1/overview",
  summary:
    "The workspace's home: runs of the last 24 hours by status and hour, this month's spend per day against the budget, the newest runs, agents with failed steps in the last 7 days, and the getting-started checklist (sections the key's role cannot read are null)",
  tag: "Workspace",
  requires: "settings:read",
  response: workspaceOverviewSchema,
  handler: ({ ctx }) => workspaceOverview(ctx),
});
