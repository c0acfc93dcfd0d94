/** `npm run cadre -- users revoke-sessions <email>`, with the database already available (scripts/cadre.ts). */
import { isAppError } from "@/lib/errors";
import type { CliIo } from "@/server/cli-io";
import { revokeSessionsByEmail } from "./account";

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
