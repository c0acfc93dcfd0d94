import { z } from "zod";
import {
  acceptedInvitationSchema,
  createdInvitationSchema,
  createInvitationInputSchema,
  invitationPreviewSchema,
  invitationSchema,
} from "@/lib/schemas/members";
import { idSchema, revokedSchema } from "@/lib/schemas/common";
import { text } from "@/lib/schemas/text";
import { authedProcedure, publicProcedure, router, workspaceProcedure } from "../trpc";
import { acceptInvitation, createInvitation, listInvitations, previewInvitation, revokeInvitation } from "@/server/workspaces/invitations";

const tokenInput = z.strictObject({ token: text().min(20).max(100) });

export const invitationsRouter = router({
  list: workspaceProcedure("members:invite")
    .output(z.array(invitationSchema))
    .query(({ ctx }) => listInvitations(ctx.tenant)),
  /** Returns the link to the inviter (no mail server is assumed); emails it too when SMTP is set up. */
  create: workspaceProcedure("members:invite")
    .input(createInvitationInputSchema)
    // the token travels only inside the link here
    .output(createdInvitationSchema.omit({ token: true }))
    .mutation(({ ctx, input }) => createInvitation(ctx.tenant, input, { origin: ctx.origin })),
  revoke: workspaceProcedure("members:invite")
    .input(z.strictObject({ invitationId: idSchema("inv") }))
    .output(revokedSchema)
    .mutation(({ ctx, input }) => revokeInvitation(ctx.tenant, input.invitationId)),
  preview: publicProcedure
    .input(tokenInput)
    .output(invitationPreviewSchema)
    .query(({ input }) => previewInvitation(input.token)),
  accept: authedProcedure
    .input(tokenInput)
    .output(acceptedInvitationSchema)
    .mutation(({ ctx, input }) => acceptInvitation(ctx.user, input.token, ctx.requestId, { clientIp: ctx.clientIp, userAgent: ctx.userAgent })),
});
