import { changeRoleInputSchema, removeMemberInputSchema } from "@/lib/schemas/members";
import { router, workspaceProcedure } from "../trpc";
import { changeMemberRole, listMembers, removeMember } from "@/server/workspaces/members";

export const membersRouter = router({
  list: workspaceProcedure("members:read").query(({ ctx }) => listMembers(ctx.tenant)),
  changeRole: workspaceProcedure("members:update").input(changeRoleInputSchema).mutation(({ ctx, input }) => changeMemberRole(ctx.tenant, input.memberId, input.role)),
  remove: workspaceProcedure("members:remove").input(removeMemberInputSchema).mutation(({ ctx, input }) => removeMember(ctx.tenant, input.memberId)),
});
