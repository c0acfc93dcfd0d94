import { z } from "zod";
import { emailSchema, idSchema, roleSchema } from "./common";

export const memberSchema = z
  .object({
    id: z.string(),
    userId: z.string(),
    email: z.string(),
    name: z.string().nullable(),
    role: roleSchema,
    joinedAt: z.date(),
  })
  .meta({ id: "Member" });

export const changeRoleInputSchema = z.strictObject({ memberId: idSchema("mem"), role: roleSchema });
export const removeMemberInputSchema = z.strictObject({ memberId: idSchema("mem") });

export const createInvitationInputSchema = z.strictObject({
  email: emailSchema,
  role: roleSchema,
  expiresInDays: z.number().int().min(1).max(30).default(7),
});

export const invitationSchema = z
  .object({
    id: z.string(),
    email: z.string(),
    role: roleSchema,
    status: z.enum(["pending", "accepted", "revoked", "expired"]),
    invitedBy: z.string().nullable(),
    expiresAt: z.date(),
    createdAt: z.date(),
  })
  .meta({ id: "Invitation" });

/** A new invitation as its creator sees it: the link (and over REST the bare token) is shown once. */
export const createdInvitationSchema = z.object({
  invitation: invitationSchema,
  url: z.string().describe("The acceptance link (/invite/{token}). Shown once."),
  token: z.string().describe("The single-use token inside the link. Shown once."),
  emailed: z.boolean().describe("Whether the link was emailed to the invitee (only when SMTP is configured)"),
});

/** What the invitation page shows before the visitor signs in. */
export const invitationPreviewSchema = z.object({
  workspaceName: z.string(),
  email: z.string(),
  role: roleSchema,
  status: z.enum(["pending", "accepted", "revoked", "expired"]),
  invitedBy: z.string(),
  expiresAt: z.date(),
});

export const acceptedInvitationSchema = z.object({
  workspace: z.object({ id: z.string(), slug: z.string(), name: z.string() }),
  role: roleSchema,
});
