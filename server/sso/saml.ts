/**
 * SAML 2.0 with @node-saml/node-saml: the AuthnRequest (HTTP-Redirect binding), Cadre's SP metadata, and the
 * validation of a Response posted to the ACS. The library checks the XML signature (a SIGNED ASSERTION is required;
 * a response whose only signature is on the Response is refused), the time conditions within SAML_CLOCK_SKEW_MS, the
 * audience (Cadre's SP entity id) and the InResponseTo against the one request this sign-in sent. Cadre checks on the
 * verified assertion what the library leaves out: the issuer (the configured IdP entity id), the bearer subject
 * confirmation's Recipient (the ACS URL), its InResponseTo and NotOnOrAfter, the Response's Destination, and the
 * assertion's ID (for the replay table). No outbound request is ever made: the IdP's settings are pasted in.
 */
import { randomBytes, X509Certificate } from "node:crypto";
import { generateServiceProviderMetadata, SAML, type SamlConfig, ValidateInResponseTo } from "@node-saml/node-saml";
import { AppError } from "@/lib/errors";
import { SAML_EMAIL_ATTRIBUTES, SAML_GROUPS_ATTRIBUTES, SAML_MAX_CERTIFICATES, SAML_NAME_ATTRIBUTES } from "@/lib/schemas/sso";

/** How far the IdP's clock may be from Cadre's, both ways (NotBefore, NotOnOrAfter). */
export const SAML_CLOCK_SKEW_MS = 60_000;
/** An assertion older than this (IssueInstant) is refused even when its NotOnOrAfter is later. */
export const SAML_MAX_ASSERTION_AGE_MS = 10 * 60_000;
const BEARER = "urn:oasis:names:tc:SAML:2.0:cm:bearer";
const EMAIL_NAME_ID = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress";

export interface SamlServiceProvider {
  entityId: string;
  acsUrl: string;
  metadataUrl: string;
}

export function samlServiceProvider(origin: string, organizationSlug: string): SamlServiceProvider {
  const base = `${origin}/api/sso/${organizationSlug}/saml`;
  // the entity id is the metadata URL, as most identity providers expect
  return { entityId: `${base}/metadata`, acsUrl: `${base}/acs`, metadataUrl: `${base}/metadata` };
}

export interface SamlIdp {
  issuer: string;
  samlSsoUrl: string | null;
  samlCertificates: string[];
}

export interface ParsedCertificate {
  pem: string;
  fingerprint: string;
  subject: string;
  notAfter: Date;
  expired: boolean;
}

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g;

function pemOf(base64: string): string {
  const body = base64.replace(/\s+/g, "");
  return `-----BEGIN CERTIFICATE-----\n${body.match(/.{1,64}/g)?.join("\n") ?? ""}\n-----END CERTIFICATE-----\n`;
}

/** One certificate as shown to an administrator (fingerprint, subject, expiry). */
export function describeCertificate(pem: string): ParsedCertificate {
  const cert = new X509Certificate(pem);
  const notAfter = new Date(cert.validTo);
  return { pem, fingerprint: cert.fingerprint256, subject: cert.subject.replace(/\n/g, ", "), notAfter, expired: notAfter.getTime() < Date.now() };
}

/**
 * The pasted certificate(s): PEM blocks, or one bare base64 body as IdP metadata holds it. Each must parse as an
 * X.509 certificate; anything else is refused with the certificate's position.
 */
export function parseCertificates(input: string): ParsedCertificate[] {
  const bodies = [...input.matchAll(PEM_BLOCK)].map((m) => m[1] ?? "");
  if (bodies.length === 0 && /^[A-Za-z0-9+/=\s]+$/.test(input.trim())) bodies.push(input.trim());
  const invalid = (message: string) => new AppError("VALIDATION_FAILED", message, { issues: [{ path: "certificates", message }] });
  if (!input.trim()) throw invalid("Paste the identity provider's signing certificate (PEM)");
  if (bodies.length === 0) throw invalid("Paste the certificate as PEM (-----BEGIN CERTIFICATE----- … -----END CERTIFICATE-----)");
  if (bodies.length > SAML_MAX_CERTIFICATES) throw invalid(`At most ${SAML_MAX_CERTIFICATES} certificates`);
  const parsed = bodies.map((body, i) => {
    try {
      return describeCertificate(pemOf(body));
    } catch {
      throw invalid(`Certificate ${i + 1} is not a valid X.509 certificate`);
    }
  });
  if (new Set(parsed.map((c) => c.fingerprint)).size !== parsed.length) throw invalid("The same certificate is pasted twice");
  return parsed;
}

/** The library's configuration for one organisation's IdP; `request` is the AuthnRequest this response must answer. */
function samlOf(idp: SamlIdp, sp: SamlServiceProvider, request?: { id: string; createdAt: Date; ttlMs: number }): SAML {
  if (!idp.samlSsoUrl || idp.samlCertificates.length === 0) throw new AppError("INTERNAL", "The SAML connection is incomplete");
  const config: SamlConfig = {
    issuer: sp.entityId,
    audience: sp.entityId,
    callbackUrl: sp.acsUrl,
    entryPoint: idp.samlSsoUrl,
    idpIssuer: idp.issuer,
    idpCert: idp.samlCertificates,
    wantAssertionsSigned: true,
    // many providers sign only the assertion: that signature is the one required; a Response signature is checked when present
    wantAuthnResponseSigned: false,
    acceptedClockSkewMs: SAML_CLOCK_SKEW_MS,
    maxAssertionAgeMs: SAML_MAX_ASSERTION_AGE_MS,
    identifierFormat: null,
    disableRequestedAuthnContext: true,
    // unsolicited (IdP-initiated) responses have no InResponseTo: refused
    validateInResponseTo: ValidateInResponseTo.always,
    requestIdExpirationPeriodMs: request?.ttlMs ?? 0,
    generateUniqueId: () => request?.id ?? newSamlRequestId(),
    // the request ids live in SsoSignIn (claimed once there); the library only asks whether this one is known
    cacheProvider: {
      saveAsync: async (_key, value) => ({ value, createdAt: Date.now() }),
      getAsync: async (key) => (request && key === request.id ? request.createdAt.toISOString() : null),
      removeAsync: async (key) => key,
    },
  };
  return new SAML(config);
}

/** An AuthnRequest ID: an NCName (starts with a letter or underscore), unguessable. */
export function newSamlRequestId(): string {
  return `_${randomBytes(20).toString("hex")}`;
}

/** The IdP's SSO URL with the deflated AuthnRequest and the RelayState (HTTP-Redirect binding). */
export async function samlAuthnRequestUrl(idp: SamlIdp, sp: SamlServiceProvider, requestId: string, relayState: string): Promise<string> {
  return samlOf(idp, sp, { id: requestId, createdAt: new Date(), ttlMs: 1 }).getAuthorizeUrlAsync(relayState, undefined, {});
}

export function samlMetadataXml(sp: SamlServiceProvider): string {
  return generateServiceProviderMetadata({ issuer: sp.entityId, callbackUrl: sp.acsUrl, wantAssertionsSigned: true, identifierFormat: null });
}

export interface SamlAssertion {
  assertionId: string;
  /** until when a replay of it must be refused */
  expiresAt: Date;
  claims: { email: string | null; name: string | null; groups: string[] | null };
}

type XmlNode = { $?: Record<string, string>; _?: string } & Record<string, unknown>;
const first = (v: unknown): XmlNode | undefined => (Array.isArray(v) ? (v[0] as XmlNode) : undefined);

/** Attribute values as strings (a value with children, or an empty one, is dropped). */
function values(v: unknown): string[] {
  const list = Array.isArray(v) ? v : v === undefined || v === null ? [] : [v];
  return list.filter((x): x is string => typeof x === "string" && x.length > 0);
}

function attribute(attributes: Record<string, unknown>, names: readonly string[]): string[] | null {
  for (const name of names) if (Object.hasOwn(attributes, name)) return values(attributes[name]);
  return null;
}

/**
 * Validates a posted SAMLResponse for the request `request` of this sign-in. Throws a plain Error whose message is
 * for the log (the person is told only that the provider's answer could not be verified).
 */
export async function validateSamlResponse(
  idp: SamlIdp & { samlEmailAttribute: string; samlNameAttribute: string; groupsClaim: string },
  sp: SamlServiceProvider,
  samlResponse: string,
  request: { id: string; createdAt: Date; ttlMs: number },
): Promise<SamlAssertion> {
  const saml = samlOf(idp, sp, request);
  const { profile } = await saml.validatePostResponseAsync({ SAMLResponse: samlResponse });
  if (!profile?.getAssertion) throw new Error("no assertion");
  const assertion = (profile.getAssertion() as { Assertion?: XmlNode }).Assertion;
  if (!assertion) throw new Error("no assertion");
  const assertionId = assertion.$?.ID;
  if (!assertionId || assertionId.length > 256) throw new Error("the assertion has no ID");
  const issuer = first(assertion.Issuer);
  if ((issuer?._ ?? "") !== idp.issuer) throw new Error("the assertion's issuer is not the configured identity provider");

  // the bearer confirmation of the signed assertion: for this ACS, this request, not expired (the profile requires all three)
  const subject = first(assertion.Subject);
  const confirmations = (Array.isArray(subject?.SubjectConfirmation) ? subject.SubjectConfirmation : []) as XmlNode[];
  const now = Date.now();
  const confirmed = confirmations.find((c) => {
    const data = first(c.SubjectConfirmationData)?.$;
    if (c.$?.Method !== BEARER || !data) return false;
    const notOnOrAfter = data.NotOnOrAfter ? Date.parse(data.NotOnOrAfter) : Number.NaN;
    return data.Recipient === sp.acsUrl && data.InResponseTo === request.id && notOnOrAfter + SAML_CLOCK_SKEW_MS > now;
  });
  if (!confirmed) throw new Error("no bearer subject confirmation for this ACS and request (Recipient, InResponseTo, NotOnOrAfter)");
  // the Response's Destination, when there is one (it is covered by a Response signature only)
  const responseXml = Buffer.from(samlResponse, "base64").toString("utf8");
  const destination = /<(?:[\w-]+:)?Response\b[^>]*\sDestination="([^"]*)"/.exec(responseXml)?.[1];
  if (destination !== undefined && destination !== sp.acsUrl) throw new Error("the Response's Destination is not this ACS");

  const notOnOrAfter = Date.parse(first(confirmed.SubjectConfirmationData)?.$?.NotOnOrAfter ?? "");
  const conditionsEnd = Date.parse(first(assertion.Conditions)?.$?.NotOnOrAfter ?? "");
  const expiresAt = new Date(Math.max(notOnOrAfter, Number.isNaN(conditionsEnd) ? 0 : conditionsEnd) + SAML_CLOCK_SKEW_MS);

  const attributes = (profile.attributes ?? {}) as Record<string, unknown>;
  const nameId = typeof profile.nameID === "string" ? profile.nameID : null;
  const email = attribute(attributes, [idp.samlEmailAttribute, ...SAML_EMAIL_ATTRIBUTES])?.[0] ?? (profile.nameIDFormat === EMAIL_NAME_ID ? nameId : null);
  const name = attribute(attributes, [idp.samlNameAttribute, ...SAML_NAME_ATTRIBUTES])?.[0] ?? null;
  const groups = attribute(attributes, [idp.groupsClaim, ...SAML_GROUPS_ATTRIBUTES]);
  return { assertionId, expiresAt, claims: { email, name, groups } };
}
