import { z } from "zod";
import { defineRoute } from "../define";
import { changeMemberRole, listMembers, removeMember } from "@/server/workspaces/members";
import { memberSchema } from "@/lib/schemas/members";
import { idSchema, paginationSchema, restPageOf, roleSchema } from "@/lib/schemas/common";

const memberParams = z.strictObject({ memberId: idSchema("mem") });

export const listMembersRoute = defineRoute({
  method: "GET",
  path: "/api/v1/members",
  summary: "The workspace's members, in the order they joined (one page: `limit`, `cursor`)",
  tag: "Members",
  requires: "members:read",
  query: paginationSchema,
  response: restPageOf(memberSchema),
  handler: async ({ ctx, query }) => {
    const page = await listMembers(ctx, query);
    return { data: page.items, nextCursor: page.nextCursor };
  },
});

export const changeMemberRoleRoute = defineRoute({
  method: "PATCH",
  path: "/api/v1/members/{memberId}",
  summary: "Change a member's role",
  tag: "Members",
  requires: "members:update",
  params: memberParams,
  body: z.strictObject({ role: roleSchema }),
  errors: ["CONFLICT"],
  response: memberSchema,
  handler: ({ ctx, params, body }) => changeMemberRole(ctx, params.memberId, body.role),
});

export const removeMemberRoute = defineRoute({
  method: "DELETE",
  path: "/api/v1/members/{memberId}",
  summary: "Remove a member",
  tag: "Members",
  requires: "members:remove",
  params: memberParams,
  response: z.object({ removed: z.literal(true) }),
  errors: ["BAD_REQUEST", "CONFLICT"],
  operationId: "removeMember",
  handler: ({ ctx, params }) => removeMember(ctx, params.memberId),
});
