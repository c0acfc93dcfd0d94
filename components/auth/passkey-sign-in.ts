import { startAuthentication } from "@simplewebauthn/browser";
import { useTRPCClient } from "@/lib/trpc/react";
import { errorMessage } from "@/lib/trpc/errors";
import { passkeyCeremonyError } from "./passkey-errors";
import { signInWithPassword } from "./password-sign-in";

export type PasskeySignIn =
  | { kind: "signed-in" }
  | { kind: "refused"; message: string }
  | { kind: "rate-limited" }
  | { kind: "unreachable" }
  | { kind: "invalid" };

/**
 * The sign-in code step's "Use a passkey": the options for this email and password (server/auth/passkey-sign-in.ts),
 * the browser's passkey prompt, then the credentials sign-in with the assertion instead of a code.
 */
export function usePasskeySignIn() {
  const client = useTRPCClient();
  return async (email: string, password: string, callbackUrl: string): Promise<PasskeySignIn> => {
    let assertion: unknown;
    try {
      const optionsJSON = await client.auth.passkeySignInOptions.mutate({ email, password });
      assertion = await startAuthentication({ optionsJSON });
    } catch (error) {
      return { kind: "refused", message: passkeyCeremonyError(error) ?? errorMessage(error) };
    }
    const outcome = await signInWithPassword(email, password, callbackUrl, { webauthn: JSON.stringify(assertion) });
    if (outcome === "signed-in") return { kind: "signed-in" };
    if (outcome === "rate-limited" || outcome === "unreachable") return { kind: outcome };
    return { kind: "invalid" };
  };
}
