import { defineRoute } from "../define";
import { getEgressLists, updateEgressLists } from "@/server/workspaces/egress-lists";
import { egressListsSchema, updateEgressListsInputSchema } from "@/lib/schemas/egress";

export const getEgressListsRoute = defineRoute({
  method: "GET",
  path: "/api/v1/egress",
  summary: "The workspace's egress allow and deny lists",
  tag: "Workspace",
  requires: "settings:read",
  response: egressListsSchema,
  handler: ({ ctx }) => getEgressLists(ctx),
});

export const updateEgressListsRoute = defineRoute({
  method: "PUT",
  path: "/api/v1/egress",
  summary: "Replace the egress allow and/or deny list (they only narrow what the operator allows)",
  tag: "Workspace",
  requires: "settings:update",
  body: updateEgressListsInputSchema,
  response: egressListsSchema,
  errors: ["BAD_REQUEST"],
  handler: ({ ctx, body }) => updateEgressLists(ctx, body),
});
