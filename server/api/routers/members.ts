import { changeRoleInputSchema, memberSchema, removeMemberInputSchema } from "@/lib/schemas/members";
import { pageOf, paginationSchema, removedSchema } from "@/lib/schemas/common";
import { router, workspaceProcedure } from "../trpc";
import { changeMemberRole, listMembers, removeMember } from "@/server/workspaces/members";

export const membersRouter = router({
  /** one page, in the order members joined (keyset cursor) */
  list: workspaceProcedure("members:read")
    .input(paginationSchema.optional())
    .output(pageOf(memberSchema))
    .query(({ ctx, input }) => listMembers(ctx.tenant, input ?? {})),
  changeRole: workspaceProcedure("members:update")
    .input(changeRoleInputSchema)
    .output(memberSchema)
    .mutation(({ ctx, input }) => changeMemberRole(ctx.tenant, input.memberId, input.role)),
  remove: workspaceProcedure("members:remove")
    .input(removeMemberInputSchema)
    .output(removedSchema)
    .mutation(({ ctx, input }) => removeMember(ctx.tenant, input.memberId)),
});
