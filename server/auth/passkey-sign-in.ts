import { AppError } from "@/lib/errors";
import { checkPassword } from "./credentials";
import { passkeyAuthenticationOptions } from "./passkeys";

/**
 * The options of a passkey sign-in, for the email and password being signed in. The password is checked first,
 * through the sign-in throttle (a wrong one counts as a failed sign-in and gets the same answer as one), so the
 * answer says nothing about an email to whoever does not know its password. The sign-in itself then goes through
 * the credentials provider with the assertion (server/auth/credentials.ts).
 */
export async function passkeySignInOptions(
  input: { email: string; password: string },
  origin: { clientAddress?: string | null; userAgent?: string; requestId?: string; siteOrigin?: string },
) {
  const user = await checkPassword(input.email, input.password, origin.clientAddress, { userAgent: origin.userAgent, requestId: origin.requestId });
  try {
    return await passkeyAuthenticationOptions(user.id, origin.siteOrigin);
  } catch (error) {
    if (error instanceof AppError && error.code === "BAD_REQUEST") {
      throw new AppError("BAD_REQUEST", "This account has no passkey: enter the code of your authenticator app or a recovery code");
    }
    throw error;
  }
}
