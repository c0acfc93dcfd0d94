/**
 * A sign-in through an organisation's OIDC connection: start (state, nonce and PKCE kept server-side, hashed, bound
 * to the browser), callback (code exchange, the person admitted and provisioned), then a single-use ticket that the
 * "sso" credentials provider of next-auth redeems (server/auth/sso-ticket.ts). docs/sso.md.
 */
import { safeCallbackUrl } from "@/lib/callback-url";
import { newId } from "@/lib/ids";
import { hashSsoToken, newSsoToken, SSO_TICKET_TTL_MS } from "@/server/auth/sso-ticket";
import { db, orgScope, SYSTEM } from "@/server/db/client";
import { logger } from "@/server/logger";
import { findConnection, revealClientSecret, type SsoConnectionRow, ssoUrls } from "./connection";
import { authorizationRequest, discover, exchangeCode } from "./oidc";
import { provisionSsoPerson } from "./provision";
import { SsoRefusal } from "./refusal";
import { newSamlRequestId, samlAuthnRequestUrl, samlServiceProvider } from "./saml";

export { SsoRefusal };

export const SSO_STATE_TTL_MS = 10 * 60_000;

/** The organisation of the URL and its enabled connection (read before anyone is signed in: a privileged path). */
export async function enabledConnection(organizationSlug: string) {
  const org = await db(SYSTEM("sso-sign-in")).organization.findUnique({ where: { slug: organizationSlug }, select: { id: true, slug: true, name: true } });
  if (!org) throw new SsoRefusal("sso_unavailable", "no such organisation");
  const connection = await findConnection(org.id, SYSTEM("sso-sign-in"));
  if (!connection?.enabled) throw new SsoRefusal("sso_unavailable", "no enabled connection");
  return { org, connection };
}

async function configurationOf(connection: NonNullable<Awaited<ReturnType<typeof findConnection>>>) {
  try {
    return await discover({ issuer: connection.issuer, clientId: connection.clientId, clientSecret: revealClientSecret(connection) });
  } catch (error) {
    logger.warn({ organizationId: connection.organizationId, err: { message: (error as Error).message } }, "sso: discovery failed");
    throw new SsoRefusal("sso_idp", "discovery failed");
  }
}

export interface SsoStart {
  redirectUrl: string;
  /** the browser binding: set as a cookie, its hash is on the state's row */
  browserToken: string;
}

export async function startSsoSignIn(organizationSlug: string, callbackUrl: string | null, origin: string): Promise<SsoStart> {
  const { org, connection } = await enabledConnection(organizationSlug);
  if (connection.kind === "saml") return startSamlSignIn(org, connection, callbackUrl, origin);
  const config = await configurationOf(connection);
  const state = newSsoToken();
  const browserToken = newSsoToken();
  const request = await authorizationRequest(config, ssoUrls(origin, org.slug).redirectUri, connection.scopes, state);
  await db(orgScope(org.id)).ssoSignIn.create({
    data: {
      id: newId("ssi"),
      organizationId: org.id,
      stateHash: hashSsoToken(state),
      browserHash: hashSsoToken(browserToken),
      nonce: request.nonce,
      codeVerifier: request.codeVerifier,
      callbackUrl: safeCallbackUrl(callbackUrl),
      expiresAt: new Date(Date.now() + SSO_STATE_TTL_MS),
    },
  });
  return { redirectUrl: request.url, browserToken };
}

/**
 * SAML: an AuthnRequest whose ID is kept on the sign-in row (the assertion's InResponseTo must name it, once), and the
 * state as the RelayState (the ACS finds the row by it; the browser cookie is checked after the ACS, see saml-flow.ts).
 */
async function startSamlSignIn(org: { id: string; slug: string }, connection: SsoConnectionRow, callbackUrl: string | null, origin: string): Promise<SsoStart> {
  const state = newSsoToken();
  const browserToken = newSsoToken();
  const requestId = newSamlRequestId();
  const redirectUrl = await samlAuthnRequestUrl(connection, samlServiceProvider(origin, org.slug), requestId, state);
  await db(orgScope(org.id)).ssoSignIn.create({
    data: {
      id: newId("ssi"),
      organizationId: org.id,
      stateHash: hashSsoToken(state),
      browserHash: hashSsoToken(browserToken),
      nonce: "",
      codeVerifier: "",
      samlRequestId: requestId,
      callbackUrl: safeCallbackUrl(callbackUrl),
      expiresAt: new Date(Date.now() + SSO_STATE_TTL_MS),
    },
  });
  return { redirectUrl, browserToken };
}

/** The person admitted: a single-use ticket for next-auth on the sign-in row (OIDC and SAML alike). */
export async function issueSsoTicket(organizationId: string, signInId: string, userId: string): Promise<string> {
  const ticket = newSsoToken();
  await db(orgScope(organizationId)).ssoSignIn.update({
    where: { id: signInId },
    data: { userId, ticketHash: hashSsoToken(ticket), ticketExpiresAt: new Date(Date.now() + SSO_TICKET_TTL_MS) },
  });
  return ticket;
}

export interface SsoCallbackResult {
  ticket: string;
  callbackUrl: string;
}

/**
 * The identity provider's redirect back: the state is claimed once (and only by the browser that started it), the
 * code exchanged, the ID token verified, the person admitted and provisioned; a ticket for next-auth is returned.
 */
export async function completeSsoSignIn(
  organizationSlug: string,
  requestUrl: URL,
  browserToken: string | undefined,
  meta: { origin: string; requestId?: string; clientIp?: string; userAgent?: string },
): Promise<SsoCallbackResult> {
  const state = requestUrl.searchParams.get("state");
  if (!state || !browserToken) throw new SsoRefusal("sso_state", "no state or no browser binding");
  const { org, connection } = await enabledConnection(organizationSlug);
  if (connection.kind !== "oidc") throw new SsoRefusal("sso_unavailable", "not an OIDC connection");
  const scoped = db(orgScope(org.id));
  const stateHash = hashSsoToken(state);
  const claimed = await scoped.ssoSignIn.updateMany({
    where: {
      organizationId: org.id,
      stateHash,
      browserHash: hashSsoToken(browserToken),
      stateUsedAt: null,
      expiresAt: { gt: new Date() },
    },
    data: { stateUsedAt: new Date() },
  });
  if (claimed.count !== 1) throw new SsoRefusal("sso_state", "unknown, used, expired or foreign state");
  const signIn = await scoped.ssoSignIn.findUnique({ where: { stateHash } });
  if (!signIn) throw new SsoRefusal("sso_state", "state vanished");
  if (requestUrl.searchParams.has("error")) throw new SsoRefusal("sso_idp", `provider error ${requestUrl.searchParams.get("error")?.slice(0, 100)}`);

  const config = await configurationOf(connection);
  // openid-client takes the redirect URI from the URL it is given: the registered one, with the provider's query
  const redirected = new URL(ssoUrls(meta.origin, org.slug).redirectUri);
  redirected.search = requestUrl.search;
  let claims: Record<string, unknown>;
  try {
    claims = await exchangeCode(config, redirected, { state, nonce: signIn.nonce, codeVerifier: signIn.codeVerifier });
  } catch (error) {
    logger.warn({ organizationId: org.id, err: { message: (error as Error).message } }, "sso: the identity provider's answer was refused");
    throw new SsoRefusal("sso_idp", "code exchange or ID token refused");
  }

  const person = await provisionSsoPerson(org, connection, claims, meta);
  return { ticket: await issueSsoTicket(org.id, signIn.id, person.id), callbackUrl: signIn.callbackUrl };
}
