/**
 * The operator's reset of a lost second factor (`npm run cadre -- users reset-mfa <email>`): the person's TOTP
 * secret, recovery codes, passkeys, pending ceremonies and step-ups are deleted in one transaction, then every
 * session ends. They sign in with the password alone and may enrol again (an organisation that requires a second
 * factor asks them to before its workspaces open). The operator must have checked who is asking: this removes
 * the protection the factor gave.
 */
import { db, NO_TENANT, userScope } from "@/server/db/client";
import { AppError } from "@/lib/errors";
import { revokeAllSessions } from "@/server/auth/sessions";
import { recordAuthEvent } from "@/server/audit/auth-events";
import { logger } from "@/server/logger";

export interface MfaResetResult {
  userId: string;
  email: string;
  removed: { totp: boolean; recoveryCodes: number; passkeys: number };
}

export async function resetSecondFactors(emailRaw: string): Promise<MfaResetResult> {
  const email = emailRaw.trim().toLowerCase();
  const user = await db(NO_TENANT).user.findUnique({ where: { email }, select: { id: true } });
  if (!user) throw new AppError("NOT_FOUND", `No user with the email ${email}`);
  const userId = user.id;
  const removed = await db(userScope(userId)).$transaction(async (tx) => {
    const totp = await tx.userMfa.deleteMany({ where: { userId, enabledAt: { not: null } } });
    await tx.userMfa.deleteMany({ where: { userId } });
    const recoveryCodes = await tx.recoveryCode.deleteMany({ where: { userId } });
    const passkeys = await tx.passkey.deleteMany({ where: { userId } });
    await tx.webAuthnChallenge.deleteMany({ where: { userId } });
    await tx.sessionStepUp.deleteMany({ where: { userId } });
    return { totp: totp.count > 0, recoveryCodes: recoveryCodes.count, passkeys: passkeys.count };
  });
  await revokeAllSessions(userId);
  logger.info({ event: "auth.mfa_reset", userId, removed }, "second factors reset by an operator");
  // metadata names avoid "pass"/"key"/"credential", which the event's scrubber drops as possible secrets
  await recordAuthEvent({
    action: "auth.mfa_reset",
    userId,
    metadata: { by: "operator", totp: removed.totp, recoveryCodes: removed.recoveryCodes, webauthn: removed.passkeys },
  });
  return { userId, email, removed };
}
