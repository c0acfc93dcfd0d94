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

export const changeRoleInputSchema = z.object({ memberId: idSchema("mem"), role: roleSchema });
export const removeMemberInputSchema = z.object({ memberId: idSchema("mem") });

export const createInvitationInputSchema = z.object({
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
