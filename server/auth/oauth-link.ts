import { acceptableNameOrNull } from "@/lib/schemas/text";
import { db, NO_TENANT } from "@/server/db/client";
import { newId } from "@/lib/ids";
import { signData, verifySignature } from "@/server/auth/secrets";
import { signupAllowed } from "@/server/auth/signup-policy";
import { recordAuthEvent } from "@/server/auth/events";
import { providerVerifiedEmail } from "@/server/auth/oauth-profile";
import { accountDeactivated } from "@/server/auth/org-policy";
import type { SessionUser } from "./sessions";

/**
 * The rules for OAuth sign-in (docs/security.md, "Identity"):
 * 1. An identity already linked (provider + provider account id) signs in as its user.
 * 2. Link mode (a signed-in user pressed "Connect" in account settings): the identity is linked to that user,
 *    whatever its email, unless it is linked to someone else or the user already has one for this provider.
 * 3. Otherwise the provider must have verified the email. No Cadre user with it: a new user is created (if sign-up
 *    allows the address), its email counted as verified. A Cadre user with it whose email Cadre verified (a
 *    verification link opened in that user's own session, an earlier verified OAuth sign-up, headless init): linked.
 *    A Cadre user with it whose email is not verified: refused, never linked (pre-registration takeover); its owner
 *    signs in with the password and connects the provider from account settings.
 */
export type OAuthRefusal =
  | "EmailUnverified" // the provider did not verify the address
  | "AccountNotLinked" // a Cadre account has this address but it is not verified by Cadre
  | "SignupClosed" // no account, and CADRE_SIGNUP does not admit the address
  | "LinkedElsewhere" // link mode: this identity belongs to another Cadre user
  | "ProviderAlreadyLinked" // link mode: the user already has another identity of this provider
  | "AccountDeactivated"; // the user's organisation deactivated the account (SCIM active=false)

export type OAuthOutcome = { ok: true; user: SessionUser } | { ok: false; reason: OAuthRefusal };

export interface OAuthIdentity {
  provider: string;
  providerAccountId: string;
  email: string | null | undefined;
  emailVerified: boolean;
  name?: string | null;
}

const toSession = (u: { id: string; email: string; name: string | null }): SessionUser => ({ id: u.id, email: u.email, name: u.name });

export async function resolveOAuthSignIn(identity: OAuthIdentity, linkToUserId?: string | null): Promise<OAuthOutcome> {
  const { provider, providerAccountId } = identity;
  const refuse = (reason: OAuthRefusal, userId?: string): OAuthOutcome => {
    recordAuthEvent({ action: "auth.oauth_link_refused", provider, reason, userId });
    return { ok: false, reason };
  };
  const linked = await db(NO_TENANT).account.findUnique({ where: { provider_providerAccountId: { provider, providerAccountId } }, include: { user: true } });

  if (linkToUserId) {
    if (linked) return linked.userId === linkToUserId ? { ok: true, user: toSession(linked.user) } : refuse("LinkedElsewhere", linkToUserId);
    const user = await db(NO_TENANT).user.findUnique({ where: { id: linkToUserId }, include: { accounts: { where: { provider } } } });
    if (!user) return refuse("AccountNotLinked");
    if (user.accounts.length > 0) return refuse("ProviderAlreadyLinked", user.id);
    await db(NO_TENANT).account.create({ data: { id: newId("acc"), userId: user.id, provider, providerAccountId } });
    // the signed-in owner and the provider agree on the address: that proves it as well as a link would
    const sameVerifiedEmail = identity.emailVerified && identity.email?.trim().toLowerCase() === user.email;
    if (sameVerifiedEmail && !user.emailVerified) await db(NO_TENANT).user.update({ where: { id: user.id }, data: { emailVerified: new Date() } });
    recordAuthEvent({ action: "auth.oauth_link", userId: user.id, provider, mode: "settings" });
    return { ok: true, user: toSession(user) };
  }

  if (linked) return { ok: true, user: toSession(linked.user) };
  const email = identity.email?.trim().toLowerCase();
  if (!email || !identity.emailVerified) return refuse("EmailUnverified");

  const existing = await db(NO_TENANT).user.findUnique({ where: { email } });
  if (existing) {
    if (!existing.emailVerified) return refuse("AccountNotLinked", existing.id);
    await db(NO_TENANT).account.create({ data: { id: newId("acc"), userId: existing.id, provider, providerAccountId } });
    recordAuthEvent({ action: "auth.oauth_link", userId: existing.id, provider, mode: "verified_email" });
    return { ok: true, user: toSession(existing) };
  }

  if (!(await signupAllowed(email))) {
    recordAuthEvent({ action: "auth.sign_up", method: "oauth", provider, outcome: "refused" });
    return refuse("SignupClosed");
  }
  const created = await db(NO_TENANT).$transaction(async (tx) => {
    const user = await tx.user.create({ data: { id: newId("usr"), email, name: acceptableNameOrNull(identity.name), emailVerified: new Date() } });
    await tx.account.create({ data: { id: newId("acc"), userId: user.id, provider, providerAccountId } });
    return user;
  });
  recordAuthEvent({ action: "auth.sign_up", userId: created.id, method: "oauth", provider, outcome: "created" });
  recordAuthEvent({ action: "auth.oauth_link", userId: created.id, provider, mode: "new_user" });
  return { ok: true, user: toSession(created) };
}

/** Connected identities of a user, for account settings. */
export async function listLinkedAccounts(userId: string) {
  const rows = await db(NO_TENANT).account.findMany({ where: { userId }, orderBy: { createdAt: "asc" }, select: { provider: true, createdAt: true } });
  return rows;
}

// ---- link mode: a short-lived, signed cookie set by account settings for the signed-in user ----

export const LINK_INTENT_COOKIE = "cadre-oauth-link";
/** sent only to next-auth's routes (the OAuth callback) */
export const LINK_INTENT_COOKIE_PATH = "/api/auth";
export const LINK_INTENT_TTL_MS = 10 * 60 * 1000;
const LINK_PURPOSE = "oauth-link-intent";

export function createLinkIntent(userId: string, provider: string, now = Date.now()): string {
  const expires = now + LINK_INTENT_TTL_MS;
  const data = `${userId}.${provider}.${expires}`;
  return `${data}.${signData(LINK_PURPOSE, data)}`;
}

/**
 * The user a link intent names, if it is well signed, unexpired, for this provider and for the user signed in
 * in this browser (a cookie left behind by someone else's abandoned link attempt links nothing).
 */
export function readLinkIntent(value: string | undefined, provider: string, sessionUserId: string | null | undefined, now = Date.now()): string | null {
  if (!value || !sessionUserId) return null;
  const m = /^(usr_[a-z0-9]{1,40})\.([a-z0-9-]{1,30})\.(\d{10,16})\.([A-Za-z0-9_-]{20,100})$/.exec(value);
  if (!m) return null;
  const [, userId, intentProvider, expires, signature] = m;
  if (intentProvider !== provider || Number(expires) <= now || userId !== sessionUserId) return null;
  return verifySignature(LINK_PURPOSE, `${userId}.${intentProvider}.${expires}`, signature!) ? userId! : null;
}

/** Where a refusal lands: the sign-in page, or account settings in link mode, with a code the page explains. */
export function refusalRedirect(reason: OAuthRefusal, linkMode: boolean): string {
  return `${linkMode ? "/account" : "/sign-in"}?error=${reason}`;
}

/**
 * next-auth's signIn callback for OAuth providers: `true` with `user.id` set to the Cadre user, or a redirect to
 * a page that explains the refusal. `linkIntent` is the link cookie's value, `sessionUserId` the user signed in in
 * this browser (if any).
 */
export async function oauthSignInCallback(
  params: {
    user: { id?: string; email?: string | null; name?: string | null };
    account: { provider: string; providerAccountId: string };
    profile?: Record<string, unknown> | null;
  },
  link: { intent?: string; sessionUserId?: string | null },
): Promise<true | string> {
  const { provider, providerAccountId } = params.account;
  const linkTo = readLinkIntent(link.intent, provider, link.sessionUserId);
  const outcome = await resolveOAuthSignIn(
    { provider, providerAccountId, email: params.user.email, emailVerified: providerVerifiedEmail(provider, params.profile), name: params.user.name },
    linkTo,
  );
  if (!outcome.ok) return refusalRedirect(outcome.reason, Boolean(linkTo));
  if (await accountDeactivated(outcome.user.id)) return refusalRedirect("AccountDeactivated", Boolean(linkTo));
  params.user.id = outcome.user.id;
  params.user.email = outcome.user.email;
  return true;
}
