/**
 * The SAML side of an SSO sign-in, after startSsoSignIn (flow.ts) sent the AuthnRequest:
 *
 * 1. The ACS (a cross-site POST from the identity provider's page, which carries no SameSite=Lax cookie): the
 *    RelayState finds this sign-in's row, the response is validated for the request on that row (saml.ts), the
 *    assertion's ID is recorded (a replay is refused) and the row is marked asserted, once. Nothing about the person
 *    is changed here.
 * 2. The finish (a same-site GET the ACS redirects to, which carries the browser cookie): only the browser that started
 *    the sign-in may continue; then the person is admitted and provisioned exactly as OIDC does (provision.ts) and the
 *    ticket issued. docs/security.md ("SAML").
 */
import { Prisma } from "@/server/db/generated/client";
import { hashSsoToken } from "@/server/auth/sso-ticket";
import { db, orgScope } from "@/server/db/client";
import { prismaCode } from "@/server/db/errors";
import { logger } from "@/server/logger";
import { enabledConnection, issueSsoTicket, SSO_STATE_TTL_MS, type SsoCallbackResult } from "./flow";
import { provisionSsoPerson } from "./provision";
import { SsoRefusal } from "./refusal";
import { type SamlAssertion, samlServiceProvider, validateSamlResponse } from "./saml";

/** A SAMLResponse larger than this is refused before parsing (base64 of the XML). */
export const SAML_RESPONSE_MAX_CHARS = 256 * 1024;

interface Meta {
  origin: string;
  requestId?: string;
  clientIp?: string;
  userAgent?: string;
}

async function samlConnection(organizationSlug: string) {
  const found = await enabledConnection(organizationSlug);
  if (found.connection.kind !== "saml") throw new SsoRefusal("sso_unavailable", "not a SAML connection");
  return found;
}

/**
 * POST /api/sso/{org}/saml/acs: validates the response for the request of the sign-in its RelayState names and
 * returns that state for the browser check. An unsolicited response (no RelayState of a request Cadre sent, or no
 * InResponseTo) is refused.
 */
export async function acceptSamlResponse(
  organizationSlug: string,
  form: { SAMLResponse?: string | null; RelayState?: string | null },
  meta: Meta,
): Promise<{ state: string }> {
  const { org, connection } = await samlConnection(organizationSlug);
  const state = form.RelayState ?? "";
  if (!state || state.length > 100) throw new SsoRefusal("sso_state", "no RelayState: an unsolicited (IdP-initiated) response");
  const samlResponse = form.SAMLResponse ?? "";
  if (!samlResponse || samlResponse.length > SAML_RESPONSE_MAX_CHARS) throw new SsoRefusal("sso_idp", "no or oversized SAMLResponse");
  const scoped = db(orgScope(org.id));
  const signIn = await scoped.ssoSignIn.findFirst({
    where: { organizationId: org.id, stateHash: hashSsoToken(state), samlRequestId: { not: null }, assertedAt: null, expiresAt: { gt: new Date() } },
    select: { id: true, samlRequestId: true, createdAt: true },
  });
  if (!signIn?.samlRequestId) throw new SsoRefusal("sso_state", "unknown, used or expired RelayState");

  let assertion: SamlAssertion;
  try {
    assertion = await validateSamlResponse(connection, samlServiceProvider(meta.origin, org.slug), samlResponse, {
      id: signIn.samlRequestId,
      createdAt: signIn.createdAt,
      ttlMs: SSO_STATE_TTL_MS,
    });
  } catch (error) {
    logger.warn({ organizationId: org.id, err: { message: (error as Error).message?.slice(0, 300) } }, "sso: the SAML response was refused");
    throw new SsoRefusal("sso_idp", "SAML response refused");
  }

  try {
    await scoped.$transaction(async (tx) => {
      await tx.ssoAssertionUse.deleteMany({ where: { organizationId: org.id, expiresAt: { lt: new Date() } } });
      await tx.ssoAssertionUse.create({ data: { organizationId: org.id, assertionId: assertion.assertionId, expiresAt: assertion.expiresAt } });
      const claimed = await tx.ssoSignIn.updateMany({
        where: { id: signIn.id, assertedAt: null },
        data: { assertedAt: new Date(), assertion: assertion.claims },
      });
      if (claimed.count !== 1) throw new SsoRefusal("sso_state", "the request was answered already");
    });
  } catch (error) {
    if (prismaCode(error) === "P2002") throw new SsoRefusal("sso_state", "a replayed assertion");
    throw error;
  }
  return { state };
}

/** GET /api/sso/{org}/saml/finish?state=: the browser that started the sign-in, then the person admitted; the ticket. */
export async function finishSamlSignIn(
  organizationSlug: string,
  state: string | null,
  browserToken: string | undefined,
  meta: Meta,
): Promise<SsoCallbackResult> {
  if (!state || !browserToken) throw new SsoRefusal("sso_state", "no state or no browser binding");
  const { org, connection } = await samlConnection(organizationSlug);
  const scoped = db(orgScope(org.id));
  const stateHash = hashSsoToken(state);
  const claimed = await scoped.ssoSignIn.updateMany({
    where: {
      organizationId: org.id,
      stateHash,
      browserHash: hashSsoToken(browserToken),
      assertedAt: { not: null },
      stateUsedAt: null,
      expiresAt: { gt: new Date() },
    },
    data: { stateUsedAt: new Date() },
  });
  if (claimed.count !== 1) throw new SsoRefusal("sso_state", "unknown, used, expired or foreign state");
  const signIn = await scoped.ssoSignIn.findUnique({ where: { stateHash }, select: { id: true, callbackUrl: true, assertion: true } });
  const claims = signIn?.assertion as SamlAssertion["claims"] | null | undefined;
  if (!signIn || !claims) throw new SsoRefusal("sso_state", "state vanished");
  // the attributes are not kept past this step
  await scoped.ssoSignIn.update({ where: { id: signIn.id }, data: { assertion: Prisma.DbNull } });

  const person = await provisionSsoPerson(
    org,
    connection,
    { email: claims.email ?? undefined, name: claims.name ?? undefined, [connection.groupsClaim]: claims.groups ?? undefined },
    meta,
  );
  return { ticket: await issueSsoTicket(org.id, signIn.id, person.id), callbackUrl: signIn.callbackUrl };
}
