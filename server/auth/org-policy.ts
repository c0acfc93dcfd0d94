/**
 * The organisation policy that applies to a person at sign-in, read straight from the organisation tables (auth sits
 * beside server/orgs/, which writes them, and must not import it). docs/organizations.md.
 */
import type { SignInMethod } from "@/lib/schemas/organizations";
import { db, NO_TENANT, SYSTEM, userScope } from "@/server/db/client";

export interface DomainOrganization {
  id: string;
  slug: string;
  name: string;
  ssoEnforced: boolean;
  allowedSignInMethods: string[];
}

export function emailDomainOf(email: string): string | null {
  const at = email.trim().toLowerCase().lastIndexOf("@");
  return at > 0
    ? email
        .trim()
        .toLowerCase()
        .slice(at + 1) || null
    : null;
}

/**
 * The organisation that holds the verified domain of an email (privileged: read before anyone is signed in), or
 * null when no organisation verified the domain.
 */
export async function organizationForEmail(email: string): Promise<DomainOrganization | null> {
  const domain = emailDomainOf(email);
  if (!domain) return null;
  const row = await db(SYSTEM("org-domain-lookup")).organizationDomain.findFirst({
    where: { domain, verifiedAt: { not: null } },
    select: { organization: { select: { id: true, slug: true, name: true, ssoEnforced: true, allowedSignInMethods: true } } },
  });
  return row?.organization ?? null;
}

/** The policies of every organisation the person belongs to (their user scope reads their own organisations). */
export async function organizationPoliciesOf(userId: string) {
  return db(userScope(userId)).organization.findMany({
    where: { members: { some: { userId } } },
    select: { id: true, slug: true, name: true, allowedSignInMethods: true, ssoEnforced: true, mfaRequired: true, sessionMaxAgeMinutes: true },
  });
}

/** Whether an organisation's SCIM provisioning deactivated the account (no sign-in and no session while it is). */
export async function accountDeactivated(userId: string): Promise<boolean> {
  const row = await db(NO_TENANT).user.findUnique({ where: { id: userId }, select: { deactivatedAt: true } });
  return Boolean(row?.deactivatedAt);
}

/**
 * Whether a sign-in method is allowed for this person: every organisation they belong to must allow it, and a
 * verified domain with forced SSO admits only its SSO. Returns the reason when refused.
 */
export async function signInMethodRefusal(user: { id: string; email: string } | null, email: string, method: SignInMethod): Promise<string | null> {
  const byDomain = await organizationForEmail(email);
  if (byDomain?.ssoEnforced && method !== "sso") return `${byDomain.name} requires signing in with its single sign-on`;
  if (!user) return null;
  if (await accountDeactivated(user.id)) return "Your organisation has deactivated this account";
  for (const org of await organizationPoliciesOf(user.id)) {
    if (!org.allowedSignInMethods.includes(method)) return `${org.name} does not allow signing in with ${method === "sso" ? "single sign-on" : method}`;
  }
  return null;
}
