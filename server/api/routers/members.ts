import { z } from "zod";
import { changeRoleInputSchema, memberSchema, removeMemberInputSchema } from "@/lib/schemas/members";
import { removedSchema } from "@/lib/schemas/common";
import { router, workspaceProcedure } from "../trpc";
import { changeMemberRole, listMembers, removeMember } from "@/server/workspaces/members";

export const membersRouter = router({
  list: workspaceProcedure("members:read").output(z.array(memberSchema)).query(({ ctx }) => listMembers(ctx.tenant)),
  changeRole: workspaceProcedure("members:update").input(changeRoleInputSchema).output(memberSchema).mutation(({ ctx, input }) => changeMemberRole(ctx.tenant, input.memberId, input.role)),
  remove: workspaceProcedure("members:remove").input(removeMemberInputSchema).output(removedSchema).mutation(({ ctx, input }) => removeMember(ctx.tenant, input.memberId)),
});
