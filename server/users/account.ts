/**
 * A person's own account (outside any workspace): changing the password and ending every session. Both bump the
 * user's session version (server/auth/sessions.ts), which signs out every browser, this one included; the operator's
 * `npm run cadre -- users revoke-sessions <email>` does the same from the command line.
 */
import type { z } from "zod";
import { db, NO_TENANT } from "@/server/db/client";
import { AppError, isAppError } from "@/lib/errors";
import { changePasswordInputSchema } from "@/lib/schemas/account";
import { passwordProblem } from "@/lib/schemas/auth";
import { hashPassword } from "@/server/auth/passwords";
import { revokeAllSessions, type SessionRevocationReason } from "@/server/auth/sessions";
import { logger } from "@/server/logger";
import { recordAuthEvent } from "@/server/audit/auth-events";
import { checkPassword } from "@/server/auth/credentials";

export async function getAccount(userId: string) {
  const user = await db(NO_TENANT).user.findUnique({ where: { id: userId }, select: { id: true, email: true, name: true, passwordHash: true } });
  if (!user) throw new AppError("UNAUTHORIZED", "Sign in first");
  return { id: user.id, email: user.email, name: user.name, hasPassword: user.passwordHash !== null };
}

/** Where session revocations are recorded (the auth-event audit, when it exists; the log meanwhile). */
function recordSessionRevocation(userId: string, reason: SessionRevocationReason, requestId?: string): void {
  logger.info({ event: "auth.sessions_revoked", userId, reason, requestId }, "sessions revoked");
  void recordAuthEvent({ action: "auth.session_revoke", userId, requestId, metadata: { reason } });
}

/**
 * Changes the password of a user who has one: the current password is checked the way sign-in checks it (with its
 * attempt limits), then every session of the user ends.
 */
export async function changePassword(
  user: { id: string; email: string },
  input: z.input<typeof changePasswordInputSchema>,
  meta: { requestId?: string; clientIp?: string } = {},
) {
  const { currentPassword, newPassword } = changePasswordInputSchema.parse(input);
  const row = await db(NO_TENANT).user.findUnique({ where: { id: user.id }, select: { email: true, passwordHash: true } });
  if (!row) throw new AppError("UNAUTHORIZED", "Sign in first");
  if (!row.passwordHash) throw new AppError("BAD_REQUEST", "Your account signs in with GitHub or Google: it has no password to change");
  const problem = passwordProblem(newPassword, row.email);
  if (problem) throw new AppError("VALIDATION_FAILED", problem, { issues: [{ path: "newPassword", message: problem }] });
  try {
    await checkPassword(row.email, currentPassword, meta.clientIp);
  } catch (error) {
    if (isAppError(error) && error.code === "UNAUTHORIZED") {
      throw new AppError("VALIDATION_FAILED", "The current password is not right", {
        issues: [{ path: "currentPassword", message: "The current password is not right" }],
      });
    }
    throw error;
  }
  const passwordHash = await hashPassword(newPassword);
  await db(NO_TENANT).$transaction(async (tx) => {
    await tx.user.update({ where: { id: user.id }, data: { passwordHash } });
    await revokeAllSessions(user.id, tx);
  });
  recordSessionRevocation(user.id, "password_change", meta.requestId);
  return { changed: true as const };
}

/** Ends every session of the user, in every browser (this one too). */
export async function signOutEverywhere(userId: string, meta: { requestId?: string } = {}) {
  await revokeAllSessions(userId);
  recordSessionRevocation(userId, "sign_out_everywhere", meta.requestId);
  return { signedOut: true as const };
}

/** The operator's command: ends every session of the user with this email. NOT_FOUND when there is none. */
export async function revokeSessionsByEmail(emailRaw: string) {
  const email = emailRaw.trim().toLowerCase();
  const user = await db(NO_TENANT).user.findUnique({ where: { email }, select: { id: true } });
  if (!user) throw new AppError("NOT_FOUND", `No user with the email ${email}`);
  const version = await revokeAllSessions(user.id);
  recordSessionRevocation(user.id, "operator");
  return { userId: user.id, email, sessionVersion: version };
}
