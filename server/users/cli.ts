/** `npm run cadre -- users …` commands, with the database already available (scripts/cadre.ts). */
import { isAppError } from "@/lib/errors";
import type { CliIo } from "@/server/cli-io";
import { issueResetLink } from "@/server/auth/password-reset";
import { revokeSessionsByEmail } from "./account";

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
