/**
 * Changing one's email: proven by the current password, or for a person without one (single sign-on, GitHub, Google)
 * by a fresh authentication of this session (its sign-in or a step-up within the step-up window). An address in an
 * organisation's verified domain is managed by that organisation (its identity provider and SCIM): its owner cannot
 * move it out of the organisation's policy (forced SSO, allowed sign-in methods) by changing it. The new address is
 * unverified until its link is opened (server/auth/email-verification.ts); every session of the person ends (this one
 * included: they sign in again with the new address).
 */
import type { z } from "zod";
import { db, NO_TENANT } from "@/server/db/client";
import { AppError, isAppError } from "@/lib/errors";
import { changeEmailInputSchema } from "@/lib/schemas/mfa";
import { checkPassword } from "@/server/auth/credentials";
import { revokeAllSessions } from "@/server/auth/sessions";
import { sendVerificationMail } from "@/server/auth/email-verification";
import { recordAuthEvent } from "@/server/audit/auth-events";
import { organizationForEmail } from "@/server/auth/org-policy";
import { requireRecentAuth } from "@/server/auth/step-up";
import type { SessionUser } from "@/server/auth/sessions";

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
  const managedBy = await organizationForEmail(row.email);
  if (managedBy) {
    throw new AppError("FORBIDDEN", `Your email is managed by ${managedBy.name}: its administrators change it through their identity provider`);
  }
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

/**
 * Used by the tRPC procedure: the current password for a person who has one; otherwise this session must have
 * authenticated recently (a second factor or a passkey can step it up; without one, signing in again does:
 * REAUTHENTICATION_REQUIRED).
 */
export async function changeEmailFromSession(user: SessionUser, input: z.input<typeof changeEmailInputSchema>, meta: EmailChangeMeta = {}) {
  const parsed = changeEmailInputSchema.parse(input);
  const row = await db(NO_TENANT).user.findUnique({ where: { id: user.id }, select: { passwordHash: true } });
  if (!row) throw new AppError("UNAUTHORIZED", "Sign in first");
  if (row.passwordHash) {
    if (!parsed.currentPassword) {
      throw new AppError("VALIDATION_FAILED", "Enter your current password", { issues: [{ path: "currentPassword", message: "Enter your current password" }] });
    }
    return changeEmail(user, parsed, meta, "password");
  }
  // the procedure is a step-up one: this session signed in (or stepped up) recently, which is the proof here
  await requireRecentAuth(user);
  return changeEmail(user, parsed, meta, "fresh_auth");
}
