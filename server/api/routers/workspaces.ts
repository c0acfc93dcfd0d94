import { z } from "zod";
import {
  createWorkspaceInputSchema,
  currentWorkspaceSchema,
  deleteWorkspaceInputSchema,
  leftWorkspaceSchema,
  myWorkspaceSchema,
  updateWorkspaceInputSchema,
  workspaceSchema,
} from "@/lib/schemas/workspaces";
import { deletedSchema } from "@/lib/schemas/common";
import { authedProcedure, router, workspaceProcedure } from "../trpc";
import { createWorkspace, currentWorkspace, deleteWorkspace, listMyWorkspaces, updateWorkspace, workspaceServerDefaults } from "@/server/workspaces/workspaces";
import { leaveWorkspace } from "@/server/workspaces/members";
import { egressListsSchema, updateEgressListsInputSchema } from "@/lib/schemas/egress";
import { getEgressLists, updateEgressLists } from "@/server/egress/workspace-lists";

export const workspacesRouter = router({
  listMine: authedProcedure.output(z.array(myWorkspaceSchema)).query(({ ctx }) => listMyWorkspaces(ctx.user.id)),
  create: authedProcedure.input(createWorkspaceInputSchema).output(myWorkspaceSchema).mutation(({ ctx, input }) => createWorkspace(ctx.user, input, ctx.requestId, { clientIp: ctx.clientIp, userAgent: ctx.userAgent })),
  /** the current workspace with the caller's role and permissions (the UI hides what the role cannot do) */
  current: workspaceProcedure("membership").output(currentWorkspaceSchema).query(async ({ ctx }) => ({ ...(await currentWorkspace(ctx.tenant)), ...workspaceServerDefaults() })),
  update: workspaceProcedure("settings:update").input(updateWorkspaceInputSchema).output(workspaceSchema).mutation(({ ctx, input }) => updateWorkspace(ctx.tenant, input)),
  delete: workspaceProcedure("settings:delete").input(deleteWorkspaceInputSchema).output(deletedSchema).mutation(({ ctx, input }) => deleteWorkspace(ctx.tenant, input.confirmSlug)),
  leave: workspaceProcedure("membership").output(leftWorkspaceSchema).mutation(({ ctx }) => leaveWorkspace(ctx.tenant)),
  /** the workspace's egress allow/deny lists (they only narrow what outbound requests reach) */
  egress: workspaceProcedure("settings:read").output(egressListsSchema).query(({ ctx }) => getEgressLists(ctx.tenant)),
  updateEgress: workspaceProcedure("settings:update").input(updateEgressListsInputSchema).output(egressListsSchema).mutation(({ ctx, input }) => updateEgressLists(ctx.tenant, input)),
});
