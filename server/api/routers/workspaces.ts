import { z } from "zod";
import {
  createWorkspaceInputSchema,
  currentWorkspaceSchema,
  deleteWorkspaceInputSchema,
  deletedWorkspaceSchema,
  restorableWorkspaceSchema,
  restoreWorkspaceInputSchema,
  leftWorkspaceSchema,
  myWorkspaceSchema,
  updateWorkspaceInputSchema,
  workspaceSchema,
} from "@/lib/schemas/workspaces";
import { retentionSettingsSchema, updateRetentionInputSchema } from "@/lib/schemas/retention";
import { getRetention, updateRetention } from "@/server/workspaces/retention-policy";
import { authedProcedure, router, workspaceProcedure } from "../trpc";
import {
  createWorkspace,
  currentWorkspace,
  deleteWorkspace,
  listDeletedWorkspaces,
  listMyWorkspaces,
  restoreWorkspace,
  updateWorkspace,
  workspaceServerDefaults,
} from "@/server/workspaces/workspaces";
import { leaveWorkspace } from "@/server/workspaces/members";
import { egressListsSchema, updateEgressListsInputSchema } from "@/lib/schemas/egress";
import { getEgressLists, updateEgressLists } from "@/server/workspaces/egress-lists";

export const workspacesRouter = router({
  listMine: authedProcedure.output(z.array(myWorkspaceSchema)).query(({ ctx }) => listMyWorkspaces(ctx.user.id)),
  create: authedProcedure
    .input(createWorkspaceInputSchema)
    .output(myWorkspaceSchema)
    .mutation(({ ctx, input }) => createWorkspace(ctx.user, input, ctx.requestId, { clientIp: ctx.clientIp, userAgent: ctx.userAgent })),
  /** the current workspace with the caller's role and permissions (the UI hides what the role cannot do) */
  current: workspaceProcedure("membership")
    .output(currentWorkspaceSchema)
    .query(async ({ ctx }) => ({ ...(await currentWorkspace(ctx.tenant)), ...workspaceServerDefaults() })),
  update: workspaceProcedure("settings:update")
    .input(updateWorkspaceInputSchema)
    .output(workspaceSchema)
    .mutation(({ ctx, input }) => updateWorkspace(ctx.tenant, input)),
  delete: workspaceProcedure("settings:delete")
    .input(deleteWorkspaceInputSchema)
    .output(deletedWorkspaceSchema)
    .mutation(({ ctx, input }) => deleteWorkspace(ctx.tenant, input.confirmSlug)),
  /** deleted workspaces the caller owns, still within their recovery window */
  listDeleted: authedProcedure.output(z.array(restorableWorkspaceSchema)).query(({ ctx }) => listDeletedWorkspaces(ctx.user.id)),
  /** an owner restores a deleted workspace within its recovery window (the service checks ownership) */
  restore: authedProcedure
    .input(restoreWorkspaceInputSchema)
    .output(myWorkspaceSchema)
    .mutation(({ ctx, input }) => restoreWorkspace(ctx.user, input.workspaceId, ctx.requestId, { clientIp: ctx.clientIp, userAgent: ctx.userAgent })),
  /** the retention policy (days per kind of data), the server's defaults and what applies */
  retention: workspaceProcedure("settings:read")
    .output(retentionSettingsSchema)
    .query(({ ctx }) => getRetention(ctx.tenant)),
  updateRetention: workspaceProcedure("settings:update")
    .input(updateRetentionInputSchema)
    .output(retentionSettingsSchema)
    .mutation(({ ctx, input }) => updateRetention(ctx.tenant, input)),
  leave: workspaceProcedure("membership")
    .output(leftWorkspaceSchema)
    .mutation(({ ctx }) => leaveWorkspace(ctx.tenant)),
  /** the workspace's egress allow/deny lists (they only narrow what outbound requests reach) */
  egress: workspaceProcedure("settings:read")
    .output(egressListsSchema)
    .query(({ ctx }) => getEgressLists(ctx.tenant)),
  updateEgress: workspaceProcedure("settings:update")
    .input(updateEgressListsInputSchema)
    .output(egressListsSchema)
    .mutation(({ ctx, input }) => updateEgressLists(ctx.tenant, input)),
});
