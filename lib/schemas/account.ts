import { z } from "zod";
import { text } from "./text";
import { passwordProblem } from "./auth";

/** Changing one's password: the current one is required; the new one follows the sign-up rules. */
export const changePasswordInputSchema = z
  .strictObject({
    currentPassword: text().min(1, "Enter your current password").max(128),
    newPassword: text().max(128),
  })
  .superRefine((value, ctx) => {
    const problem = passwordProblem(value.newPassword);
    if (problem) ctx.addIssue({ code: "custom", path: ["newPassword"], message: problem });
    else if (value.newPassword === value.currentPassword)
      ctx.addIssue({ code: "custom", path: ["newPassword"], message: "Choose a password different from the current one" });
  });

export const accountOutSchema = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string().nullable(),
  hasPassword: z.boolean(),
});

export const passwordChangedOutSchema = z.object({ changed: z.literal(true) });
export const signedOutEverywhereOutSchema = z.object({ signedOut: z.literal(true) });

const exportRows = z.array(z.record(z.string(), z.unknown()));

/** A person's data export (tRPC account.export): their profile, memberships with the rows they authored, sign-ins. */
export const accountExportSchema = z.object({
  exportedAt: z.date(),
  format: z.literal("cadre.account-export.v1"),
  profile: z.object({
    id: z.string(),
    email: z.string(),
    name: z.string().nullable(),
    emailVerified: z.date().nullable(),
    createdAt: z.date(),
    updatedAt: z.date(),
    hasPassword: z.boolean(),
    signInMethods: z.array(z.object({ provider: z.string(), connectedAt: z.date() })),
  }),
  workspaces: z.array(
    z.object({
      workspace: z.object({ id: z.string(), slug: z.string(), name: z.string() }),
      role: z.string(),
      memberSince: z.date(),
      runs: exportRows,
      agentVersions: exportRows,
      secrets: exportRows,
      apiKeys: exportRows,
      auditEntries: exportRows,
    }),
  ),
  signInHistory: exportRows,
});
