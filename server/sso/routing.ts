/**
 * The sign-in page's question "does this address sign in with an organisation's SSO?" (public, before anyone is
 * signed in): the organisation holding the address's verified domain, whether its SSO is on and whether it is forced.
 */
import { organizationForEmail } from "@/server/auth/org-policy";
import { db, SYSTEM } from "@/server/db/client";
import { ApiRateLimiter } from "@/server/http/rate-limit";
import { AppError } from "@/lib/errors";

/** Look-ups a client address may make per minute (the domain routing tells whether an organisation claims a domain). */
export const SSO_LOOKUPS_PER_MINUTE = 30;

const holder = globalThis as unknown as { cadreSsoLookupLimiter?: ApiRateLimiter };
function limiter(): ApiRateLimiter {
  holder.cadreSsoLookupLimiter ??= new ApiRateLimiter({ keyPrefix: "sso-lookup" });
  return holder.cadreSsoLookupLimiter;
}

/** Tests: a fresh limiter (or none: the default). */
export function useSsoLookupLimiter(next?: ApiRateLimiter): void {
  holder.cadreSsoLookupLimiter = next;
}

export async function ssoForEmail(email: string, clientAddress: string | null | undefined) {
  const decision = limiter().hit(clientAddress ?? "unknown", SSO_LOOKUPS_PER_MINUTE);
  if (!decision.allowed)
    throw new AppError("RATE_LIMITED", `Too many look-ups: retry in ${decision.retryAfterSeconds} s`, { retryAfterSeconds: decision.retryAfterSeconds });
  const none = { sso: false, organization: null, forced: false, startUrl: null };
  if (!email.includes("@")) return none;
  const org = await organizationForEmail(email);
  if (!org) return none;
  const connection = await db(SYSTEM("sso-sign-in")).ssoConnection.findFirst({ where: { organizationId: org.id }, select: { enabled: true } });
  const sso = connection?.enabled === true && org.allowedSignInMethods.includes("sso");
  if (!sso && !org.ssoEnforced) return none;
  return { sso, organization: org.name, forced: org.ssoEnforced, startUrl: sso ? `/api/sso/${org.slug}/start` : null };
}
