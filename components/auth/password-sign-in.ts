import { signIn } from "next-auth/react";

export type PasswordSignIn = "signed-in" | "refused" | "rate-limited" | "unreachable" | "mfa-required" | "mfa-invalid" | "sso-required";

const BY_CODE: Record<string, PasswordSignIn> = {
  rate_limited: "rate-limited",
  mfa_required: "mfa-required",
  mfa_invalid: "mfa-invalid",
  sso_required: "sso-required",
};

/**
 * Signs in with an email and a password (and, for an account with a second factor, its code). On success it loads
 * `callbackUrl` in full, so that every server component and cached query sees the new session; otherwise it says
 * why not ("mfa-required": the password was right, the account asks for a code). The second factor is a code, or a
 * passkey assertion as JSON (`{ webauthn }`).
 */
export async function signInWithPassword(
  email: string,
  password: string,
  callbackUrl: string,
  second?: string | { webauthn: string },
): Promise<PasswordSignIn> {
  const factor = typeof second === "string" ? (second ? { code: second } : {}) : (second ?? {});
  try {
    const result = await signIn("credentials", { email, password, ...factor, redirect: false });
    if (!result || result.error) return (result?.code && BY_CODE[result.code]) || "refused";
    window.location.assign(callbackUrl);
    return "signed-in";
  } catch {
    return "unreachable";
  }
}
