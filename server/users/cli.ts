/** `npm run cadre -- users …` commands, with the database already available (scripts/cadre.ts). */
import { isAppError } from "@/lib/errors";
import type { CliIo } from "@/server/cli-io";
import { issueResetLink } from "@/server/auth/password-reset";
import { revokeSessionsByEmail } from "./account";
import { resetSecondFactors } from "./mfa-reset";

/** `users password-reset-link <email>`: prints a one-hour, single-use link that sets a new password. */
export async function passwordResetLinkCommand(email: string, io: CliIo): Promise<number> {
  try {
    const link = await issueResetLink(email);
    io.out(`Password reset link for ${link.email} (works once, until ${link.expiresAt.toISOString()}; every session ends when it is used):`);
    io.out(link.url);
    return 0;
  } catch (error) {
    if (isAppError(error) && error.code === "NOT_FOUND") {
      io.err(error.message);
      return 1;
    }
    throw error;
  }
}

export async function revokeSessionsCommand(email: string, io: CliIo): Promise<number> {
  try {
    const result = await revokeSessionsByEmail(email);
    io.out(`Ended every session of ${result.email}: their browsers ask them to sign in again.`);
    return 0;
  } catch (error) {
    if (isAppError(error) && error.code === "NOT_FOUND") {
      io.err(error.message);
      return 1;
    }
    throw error;
  }
}

/** `users reset-mfa <email>`: removes the person's second factors (TOTP, recovery codes, passkeys) and ends their sessions. */
export async function resetMfaCommand(email: string, io: CliIo): Promise<number> {
  try {
    const { email: address, removed } = await resetSecondFactors(email);
    const what = [
      removed.totp ? "the authenticator app" : null,
      removed.recoveryCodes ? `${removed.recoveryCodes} recovery codes` : null,
      removed.passkeys ? `${removed.passkeys} passkey${removed.passkeys === 1 ? "" : "s"}` : null,
    ].filter(Boolean);
    io.out(`Removed the second factors of ${address} (${what.length ? what.join(", ") : "none were set up"}) and ended every session.`);
    io.out("They now sign in with their password alone, and can set up a second factor again on their account page.");
    return 0;
  } catch (error) {
    if (isAppError(error) && error.code === "NOT_FOUND") {
      io.err(error.message);
      return 1;
    }
    throw error;
  }
}
