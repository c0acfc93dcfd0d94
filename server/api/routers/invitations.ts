import { z } from "zod";
import { createInvitationInputSchema } from "@/lib/schemas/members";
import { idSchema } from "@/lib/schemas/common";
import { authedProcedure, publicProcedure, router, workspaceProcedure } from "../trpc";
import { acceptInvitation, createInvitation, listInvitations, previewInvitation, revokeInvitation } from "@/server/workspaces/invitations";
import { sendMail } from "@/server/mail/send";

const tokenInput = z.object({ token: z.string().min(20).max(100) });

export function invitationUrl(origin: string, token: string): string {
  return `${origin.replace(/\/$/, "")}/invite/${token}`;
}

export const invitationsRouter = router({
  list: workspaceProcedure("members:invite").query(({ ctx }) => listInvitations(ctx.tenant)),
  /** Returns the link to the inviter (no mail server is assumed); emails it too when SMTP is set up. */
  create: workspaceProcedure("members:invite").input(createInvitationInputSchema).mutation(async ({ ctx, input }) => {
    const { invitation, token } = await createInvitation(ctx.tenant, input);
    const url = invitationUrl(ctx.origin, token);
    const emailed = await sendMail({
      to: invitation.email,
      subject: `You are invited to a Cadre workspace`,
      text: `${ctx.tenant.actor.type === "user" ? ctx.tenant.actor.email : "Someone"} invited you to join as ${invitation.role}.\n\nAccept: ${url}\n\nThe link expires on ${invitation.expiresAt.toUTCString()}.`,
    });
    return { invitation, url, emailed };
  }),
  revoke: workspaceProcedure("members:invite").input(z.object({ invitationId: idSchema("inv") })).mutation(({ ctx, input }) => revokeInvitation(ctx.tenant, input.invitationId)),
  preview: publicProcedure.input(tokenInput).query(({ input }) => previewInvitation(input.token)),
  accept: authedProcedure.input(tokenInput).mutation(({ ctx, input }) => acceptInvitation(ctx.user, input.token, ctx.requestId)),
});
