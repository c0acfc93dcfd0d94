import { z } from "zod";
import { defineRoute } from "../define";
import { createInvitation, listInvitations, revokeInvitation } from "@/server/workspaces/invitations";
import { createdInvitationSchema, createInvitationInputSchema, invitationSchema } from "@/lib/schemas/members";
import { idSchema } from "@/lib/schemas/common";

export const listInvitationsRoute = defineRoute({
  method: "GET",
  path: "/api/v1/invitations",
  summary: "List invitations",
  tag: "Members",
  requires: "members:invite",
  response: z.object({ data: z.array(invitationSchema) }),
  handler: async ({ ctx }) => ({ data: await listInvitations(ctx) }),
});

export const createInvitationRoute = defineRoute({
  method: "POST",
  path: "/api/v1/invitations",
  summary: "Invite someone by email; returns the single-use link (emailed too when SMTP is configured)",
  tag: "Members",
  requires: "members:invite",
  body: createInvitationInputSchema,
  status: 201,
  response: createdInvitationSchema,
  idempotent: true,
  errors: ["CONFLICT"],
  handler: ({ ctx, body, origin }) => createInvitation(ctx, body, { origin }),
});

export const revokeInvitationRoute = defineRoute({
  method: "DELETE",
  path: "/api/v1/invitations/{invitationId}",
  summary: "Revoke a pending invitation",
  tag: "Members",
  requires: "members:invite",
  params: z.strictObject({ invitationId: idSchema("inv") }),
  response: z.object({ revoked: z.literal(true) }),
  errors: ["CONFLICT"],
  operationId: "revokeInvitation",
  handler: ({ ctx, params }) => revokeInvitation(ctx, params.invitationId),
});
