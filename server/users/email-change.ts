/**
 * Changing one's email: proven by the current password (or, for the SSO sign-in to come, by a fresh authentication
 * the caller vouches for). The new address is unverified until its link is opened (server/auth/email-verification.ts);
 * every session of the person ends (this one included: they sign in again with the new address).
 */
import type { z } from "zod";
import { db, NO_TENANT } from "@/server/db/client";
import { AppError, isAppError } from "@/lib/errors";
import { changeEmailInputSchema } from "@/lib/schemas/mfa";
import { checkPassword } from "@/server/auth/credentials";
import { revokeAllSessions } from "@/server/auth/sessions";
import { sendVerificationMail } from "@/server/auth/email-verification";
import { recordAuthEvent } from "@/server/audit/auth-events";

export interface EmailChangeMeta {
  requestId?: string;
  clientIp?: string;
  userAgent?: string;
}

/**
 * `proof`: "password" checks `currentPassword` (with the sign-in throttle); "fresh_auth" is for a caller that has just
 * re-authenticated the person another way (an SSO sign-in) and skips it.
 */
export async function changeEmail(
  user: { id: string },
  input: { newEmail: string; currentPassword?: string },
  meta: EmailChangeMeta = {},
  proof: "password" | "fresh_auth" = "password",
) {
  const newEmail = changeEmailInputSchema.shape.newEmail.parse(input.newEmail);
  const row = await db(NO_TENANT).user.findUnique({ where: { id: user.id }, select: { email: true, passwordHash: true } });
  if (!row) throw new AppError("UNAUTHORIZED", "Sign in first");
  if (proof === "password") {
    if (!row.passwordHash) {
      throw new AppError("BAD_REQUEST", "Your account has no password: set one first with “Forgot your password?” on the sign-in page, then change the email");
    }
    try {
      await checkPassword(row.email, input.currentPassword ?? "", meta.clientIp, meta);
    } catch (error) {
      if (isAppError(error) && error.code === "UNAUTHORIZED") {
        throw new AppError("VALIDATION_FAILED", "The current password is not right", {
          issues: [{ path: "currentPassword", message: "The current password is not right" }],
        });
      }
      throw error;
    }
  }
  if (newEmail === row.email) {
    throw new AppError("VALIDATION_FAILED", "This is already your email", { issues: [{ path: "newEmail", message: "This is already your email" }] });
  }
  const taken = await db(NO_TENANT).user.findUnique({ where: { email: newEmail }, select: { id: true } });
  if (taken) throw new AppError("CONFLICT", "Another account uses this email");
  await db(NO_TENANT).$transaction(async (tx) => {
    await tx.user.update({ where: { id: user.id }, data: { email: newEmail, emailVerified: null } });
    await revokeAllSessions(user.id, tx);
  });
  const verificationSent = await sendVerificationMail({ id: user.id, email: newEmail }, "email_change");
  await recordAuthEvent({
    action: "auth.email_changed",
    userId: user.id,
    email: newEmail,
    ip: meta.clientIp,
    userAgent: meta.userAgent,
    requestId: meta.requestId,
    metadata: { previousEmail: row.email, proof, verificationSent },
  });
  return { changed: true as const, email: newEmail, verificationSent };
}

/** Used by the tRPC procedure: the password form. */
export function changeEmailWithPassword(user: { id: string }, input: z.input<typeof changeEmailInputSchema>, meta: EmailChangeMeta = {}) {
  return changeEmail(user, changeEmailInputSchema.parse(input), meta, "password");
}
