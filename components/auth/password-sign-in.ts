import { signIn } from "next-auth/react";

export type PasswordSignIn = "signed-in" | "refused" | "rate-limited" | "sso-required" | "unreachable";

/**
 * Signs in with an email and a password. On success it loads `callbackUrl` in full, so that every server
 * component and cached query sees the new session; otherwise it says why not.
 */
export async function signInWithPassword(email: string, password: string, callbackUrl: string): Promise<PasswordSignIn> {
  try {
    const result = await signIn("credentials", { email, password, redirect: false });
    if (!result || result.error) return result?.code === "rate_limited" ? "rate-limited" : result?.code === "sso_required" ? "sso-required" : "refused";
    window.location.assign(callbackUrl);
    return "signed-in";
  } catch {
    return "unreachable";
  }
}
