import { createWorkspaceInputSchema, deleteWorkspaceInputSchema, updateWorkspaceInputSchema } from "@/lib/schemas/workspaces";
import { permissionsOf } from "@/lib/permissions";
import { authedProcedure, router, workspaceProcedure } from "../trpc";
import { createWorkspace, deleteWorkspace, getWorkspace, listMyWorkspaces, updateWorkspace } from "@/server/workspaces/workspaces";
import { leaveWorkspace } from "@/server/workspaces/members";

export const workspacesRouter = router({
  listMine: authedProcedure.query(({ ctx }) => listMyWorkspaces(ctx.user.id)),
  create: authedProcedure.input(createWorkspaceInputSchema).mutation(({ ctx, input }) => createWorkspace(ctx.user, input, ctx.requestId)),
  /** the current workspace with the caller's role and permissions (the UI hides what the role cannot do) */
  current: workspaceProcedure("membership").query(async ({ ctx }) => ({
    ...(await getWorkspace(ctx.tenant)),
    role: ctx.tenant.role,
    permissions: permissionsOf(ctx.tenant.role),
  })),
  update: workspaceProcedure("settings:update").input(updateWorkspaceInputSchema).mutation(({ ctx, input }) => updateWorkspace(ctx.tenant, input)),
  delete: workspaceProcedure("settings:delete").input(deleteWorkspaceInputSchema).mutation(({ ctx, input }) => deleteWorkspace(ctx.tenant, input.confirmSlug)),
  leave: workspaceProcedure("membership").mutation(({ ctx }) => leaveWorkspace(ctx.tenant)),
});
