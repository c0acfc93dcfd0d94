import { z } from "zod";
import { text } from "./text";
import { roleSchema, slugSchema } from "./common";

export const DEFAULT_SSO_SCOPES = "openid email profile";
export const DEFAULT_GROUPS_CLAIM = "groups";

export const ssoIssuerSchema = text()
  .trim()
  .min(1, "Enter the issuer URL")
  .max(2048, "At most 2048 characters")
  .refine((v) => {
    try {
      const u = new URL(v);
      return (u.protocol === "https:" || u.protocol === "http:") && !u.username && !u.password && !u.hash;
    } catch {
      return false;
    }
  }, "An https:// URL such as https://idp.example.com")
  .describe("The identity provider's issuer; its metadata is read from <issuer>/.well-known/openid-configuration");

export const ssoScopesSchema = text()
  .trim()
  .max(512, "At most 512 characters")
  .regex(/^[\x21\x23-\x5b\x5d-\x7e]+( [\x21\x23-\x5b\x5d-\x7e]+)*$/, "Scopes separated by single spaces")
  // sign-in needs an ID token: openid is always asked for
  .transform((v) => (v.split(" ").includes("openid") ? v : `openid ${v}`));

/** The connection form: the secret is write-only (empty: keep the stored one). */
export const ssoConnectionInputSchema = z.strictObject({
  issuer: ssoIssuerSchema,
  clientId: text().trim().min(1, "Enter the client id").max(512, "At most 512 characters"),
  clientSecret: text().max(4096, "At most 4096 characters").optional().describe("Write-only; omit or leave empty to keep the stored secret"),
  scopes: ssoScopesSchema.default(DEFAULT_SSO_SCOPES),
  groupsClaim: text()
    .trim()
    .min(1, "Enter a claim name")
    .max(128, "At most 128 characters")
    .default(DEFAULT_GROUPS_CLAIM)
    .describe("The claim of the ID token or userinfo that lists the person's groups"),
  enabled: z.boolean().default(false),
  jitProvisioning: z.boolean().default(true).describe("Create an account for a person of a verified domain who has none"),
  defaultWorkspace: slugSchema.nullable().default(null).describe("A workspace of the organisation that new people join"),
  defaultRole: roleSchema.exclude(["owner"]).default("member").describe("Their role there"),
});
export type SsoConnectionInput = z.input<typeof ssoConnectionInputSchema>;

/** The form's values (react-hook-form works on the input side). */
export const ssoConnectionFormSchema = ssoConnectionInputSchema.extend({
  scopes: ssoScopesSchema,
  groupsClaim: text().trim().min(1, "Enter a claim name").max(128, "At most 128 characters"),
  enabled: z.boolean(),
  jitProvisioning: z.boolean(),
  defaultWorkspace: slugSchema.nullable(),
  defaultRole: roleSchema.exclude(["owner"]),
});
export type SsoConnectionForm = z.infer<typeof ssoConnectionFormSchema>;

/** Attribute names Cadre reads from a SAML assertion when the configured one is absent (the common URIs). */
export const DEFAULT_SAML_EMAIL_ATTRIBUTE = "email";
export const DEFAULT_SAML_NAME_ATTRIBUTE = "name";
export const SAML_EMAIL_ATTRIBUTES = [
  "email",
  "mail",
  "urn:oid:0.9.2342.19200300.100.1.3",
  "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
] as const;
export const SAML_NAME_ATTRIBUTES = [
  "name",
  "displayName",
  "urn:oid:2.16.840.1.113730.3.1.241",
  "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name",
] as const;
export const SAML_GROUPS_ATTRIBUTES = ["groups", "memberOf", "http://schemas.microsoft.com/ws/2008/06/identity/claims/groups"] as const;
/** At most this many signing certificates per identity provider (a rollover needs two). */
export const SAML_MAX_CERTIFICATES = 4;

const samlAttributeName = (what: string) => text().trim().min(1, `Enter the ${what} attribute's name`).max(256, "At most 256 characters");

/** A SAML connection: the identity provider's entity id, SSO URL and signing certificate(s); the attribute names. */
export const samlConnectionInputSchema = z.strictObject({
  idpEntityId: text().trim().min(1, "Enter the identity provider's entity id").max(2048, "At most 2048 characters").describe("The Issuer of its assertions"),
  ssoUrl: ssoIssuerSchema
    .describe("The identity provider's single sign-on URL (HTTP-Redirect binding)")
    // a value that is no URL was refused above (zod still runs this refinement: it must not throw on it)
    .refine((v) => !URL.canParse(v) || !new URL(v).search.includes("SAMLRequest"), "The URL without a SAMLRequest"),
  certificates: text()
    .trim()
    .max(32_768, "At most 32768 characters")
    .optional()
    .describe("One or more PEM certificates (-----BEGIN CERTIFICATE-----), checked on save; omit or empty to keep the stored ones"),
  emailAttribute: samlAttributeName("email").default(DEFAULT_SAML_EMAIL_ATTRIBUTE),
  nameAttribute: samlAttributeName("name").default(DEFAULT_SAML_NAME_ATTRIBUTE),
  groupsAttribute: samlAttributeName("groups").default(DEFAULT_GROUPS_CLAIM).describe("The attribute that lists the person's groups"),
  enabled: z.boolean().default(false),
  jitProvisioning: z.boolean().default(true).describe("Create an account for a person of a verified domain who has none"),
  defaultWorkspace: slugSchema.nullable().default(null).describe("A workspace of the organisation that new people join"),
  defaultRole: roleSchema.exclude(["owner"]).default("member").describe("Their role there"),
});
export type SamlConnectionInput = z.input<typeof samlConnectionInputSchema>;

/** The SAML form's values. */
export const samlConnectionFormSchema = samlConnectionInputSchema.extend({
  emailAttribute: samlAttributeName("email"),
  nameAttribute: samlAttributeName("name"),
  groupsAttribute: samlAttributeName("groups"),
  enabled: z.boolean(),
  jitProvisioning: z.boolean(),
  defaultWorkspace: slugSchema.nullable(),
  defaultRole: roleSchema.exclude(["owner"]),
});
export type SamlConnectionForm = z.infer<typeof samlConnectionFormSchema>;

/** What an administrator copies into the identity provider: Cadre's entity id, ACS URL and metadata URL. */
export const samlServiceProviderSchema = z
  .object({
    entityId: z.string().describe("Cadre's SP entity id (the Audience of the assertions)"),
    acsUrl: z.string().describe("The assertion consumer service (HTTP-POST binding)"),
    metadataUrl: z.string().describe("Cadre's SP metadata (served once a SAML connection is saved)"),
  })
  .meta({ id: "SamlServiceProvider" });

export const samlCertificateSchema = z.object({
  fingerprint: z.string().describe("SHA-256 fingerprint"),
  subject: z.string(),
  notAfter: z.date(),
  expired: z.boolean(),
});

export const ssoConnectionSchema = z
  .object({
    kind: z.enum(["oidc", "saml"]),
    issuer: z.string().describe("OIDC: the issuer URL; SAML: the identity provider's entity id"),
    clientId: z.string(),
    hasClientSecret: z.boolean().describe("Whether a client secret is stored (it is never returned)"),
    scopes: z.string(),
    groupsClaim: z.string(),
    enabled: z.boolean(),
    jitProvisioning: z.boolean(),
    defaultWorkspace: z.string().nullable(),
    defaultRole: roleSchema,
    startUrl: z.string().describe("Where a sign-in through this connection starts"),
    redirectUri: z.string().describe("The redirect URI to register at the identity provider (OIDC)"),
    saml: z
      .object({
        ssoUrl: z.string(),
        certificates: z.array(samlCertificateSchema),
        emailAttribute: z.string(),
        nameAttribute: z.string(),
        serviceProvider: samlServiceProviderSchema,
      })
      .nullable()
      .describe("The SAML settings (kind saml), else null"),
    updatedAt: z.date(),
  })
  .meta({ id: "SsoConnection" });

export const ssoTestInputSchema = z.strictObject({ issuer: ssoIssuerSchema.optional() });
export const ssoTestResultSchema = z.discriminatedUnion("ok", [
  z.object({
    ok: z.literal(true),
    issuer: z.string(),
    authorizationEndpoint: z.string(),
    tokenEndpoint: z.string(),
    userinfoEndpoint: z.string().nullable(),
    scopesSupported: z.array(z.string()),
  }),
  z.object({ ok: z.literal(false), error: z.string() }),
]);

export const ssoForInputSchema = z.strictObject({ email: text().trim().max(320) });
export const ssoForResultSchema = z.object({
  sso: z.boolean(),
  organization: z.string().nullable().describe("The organisation's name"),
  forced: z.boolean().describe("Password and social sign-in are refused for this address"),
  startUrl: z.string().nullable(),
});

/** Why an SSO sign-in was refused: the sign-in page's message for each. */
export const SSO_ERRORS = {
  sso_unavailable: "Single sign-on is not available for this organisation.",
  sso_state: "This sign-in link expired or was already used. Start again.",
  sso_idp: "The identity provider refused the sign-in or answered something Cadre could not verify.",
  sso_email_domain: "Your identity provider gave an email address outside the organisation's verified domains.",
  sso_email_unverified: "Your identity provider has not verified your email address.",
  sso_no_account: "There is no Cadre account for this address and the organisation does not create accounts on sign-in.",
  sso_policy: "Your organisations do not allow this sign-in.",
  sso_ticket: "This sign-in expired or was already used. Start again.",
  sso_rate_limited: "Too many single sign-on attempts from your network. Wait a minute, then try again.",
  sso_required: "Your organisation requires signing in with its single sign-on.",
} as const;
export type SsoErrorCode = keyof typeof SSO_ERRORS;
export const isSsoErrorCode = (v: string | null | undefined): v is SsoErrorCode => typeof v === "string" && Object.hasOwn(SSO_ERRORS, v);
