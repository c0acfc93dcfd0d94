import { systemDb } from "@/server/db/client";
import { env } from "@/server/env";

/**
 * CADRE_SIGNUP: who may create an account (with a password or through OAuth). `closed` and `domains:` still let
 * an email with a pending invitation sign up, so that invitations keep working; headless init (the operator) is
 * never limited. A domain matches exactly (`example.com` does not admit `sub.example.com`).
 */
export async function signupAllowed(email: string): Promise<boolean> {
  const policy = env().CADRE_SIGNUP;
  if (policy.mode === "open") return true;
  const domain = email.slice(email.lastIndexOf("@") + 1).toLowerCase();
  if (policy.mode === "domains" && policy.domains.includes(domain)) return true;
  // cross-workspace by nature: is this address invited anywhere? (a privileged path)
  const invited = await systemDb("signup-invitation").invitation.findFirst({
    where: { email, acceptedAt: null, revokedAt: null, expiresAt: { gt: new Date() } },
    select: { id: true },
  });
  return invited !== null;
}

/** What the sign-up page says before anyone types (the invitation exception is not advertised). */
export function signupPolicyNotice(): string | null {
  const policy = env().CADRE_SIGNUP;
  if (policy.mode === "closed") return "Sign-up is by invitation only on this server.";
  if (policy.mode === "domains") return `Sign-up is open to addresses at ${policy.domains.join(", ")} (and to invited people).`;
  return null;
}
