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
    else if (value.newPassword === value.currentPassword) ctx.addIssue({ code: "custom", path: ["newPassword"], message: "Choose a password different from the current one" });
  });

export const accountOutSchema = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string().nullable(),
  hasPassword: z.boolean(),
});

export const passwordChangedOutSchema = z.object({ changed: z.literal(true) });
export const signedOutEverywhereOutSchema = z.object({ signedOut: z.literal(true) });
