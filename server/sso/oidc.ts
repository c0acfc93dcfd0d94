/**
 * OpenID Connect with openid-client (panva): discovery, the authorization URL (code + PKCE + state + nonce) and the
 * code exchange with the ID token checked (issuer, audience, nonce, expiry, and its signature against the issuer's
 * JWKS). Every request goes through the egress guard, so an organisation cannot aim Cadre at internal addresses.
 */
import * as oidc from "openid-client";
import { AppError } from "@/lib/errors";
import { egress, findEgressError } from "@/server/egress";

const LOOPBACK = new Set(["127.0.0.1", "[::1]", "localhost"]);
const OIDC_TIMEOUT_MS = 10_000;

export interface OidcSettings {
  issuer: string;
  clientId: string;
  clientSecret: string | null;
}

/** The guarded fetch the library uses for discovery, the token exchange, the JWKS and userinfo. */
function guardedFetch(): oidc.CustomFetch {
  const f = egress().fetchWith({ timeoutMs: OIDC_TIMEOUT_MS, maxResponseBytes: 1024 * 1024 });
  return (url, options) => f(url, options as RequestInit);
}

/** Plain http only on loopback (a local test provider; the egress guard still needs the operator's allowlist for it). */
function insecureAllowed(issuer: URL): boolean {
  return issuer.protocol === "http:" && LOOPBACK.has(issuer.hostname);
}

export async function discover(settings: OidcSettings): Promise<oidc.Configuration> {
  const issuer = new URL(settings.issuer);
  if (issuer.protocol !== "https:" && !insecureAllowed(issuer)) throw new AppError("VALIDATION_FAILED", "The issuer must be an https:// URL");
  const fetch = guardedFetch();
  const config = await oidc
    .discovery(issuer, settings.clientId, undefined, settings.clientSecret ? oidc.ClientSecretBasic(settings.clientSecret) : oidc.None(), {
      [oidc.customFetch]: fetch,
      timeout: OIDC_TIMEOUT_MS / 1000,
      execute: insecureAllowed(issuer) ? [oidc.allowInsecureRequests] : [],
    })
    .catch((error: unknown) => {
      throw describeFailure(error, "discovery");
    });
  config[oidc.customFetch] = fetch;
  // check the ID token's signature against the issuer's keys too, not only TLS to the token endpoint
  oidc.enableNonRepudiationChecks(config);
  return config;
}

/** What the test-connection action shows: what discovery found. */
export function describeConfiguration(config: oidc.Configuration) {
  const m = config.serverMetadata();
  return {
    issuer: m.issuer,
    authorizationEndpoint: m.authorization_endpoint ?? "",
    tokenEndpoint: m.token_endpoint ?? "",
    userinfoEndpoint: m.userinfo_endpoint ?? null,
    scopesSupported: m.scopes_supported ?? [],
  };
}

export interface AuthorizationRequest {
  url: string;
  state: string;
  nonce: string;
  codeVerifier: string;
}

export async function authorizationRequest(config: oidc.Configuration, redirectUri: string, scopes: string, state: string): Promise<AuthorizationRequest> {
  const codeVerifier = oidc.randomPKCECodeVerifier();
  const nonce = oidc.randomNonce();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope: scopes,
    response_type: "code",
    state,
    nonce,
    code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: "S256",
  });
  return { url: url.href, state, nonce, codeVerifier };
}

/** The claims of the verified ID token, merged with userinfo (when the provider has it) for email and groups. */
export async function exchangeCode(
  config: oidc.Configuration,
  callbackUrl: URL,
  checks: { state: string; nonce: string; codeVerifier: string },
): Promise<Record<string, unknown>> {
  try {
    const tokens = await oidc.authorizationCodeGrant(config, callbackUrl, {
      pkceCodeVerifier: checks.codeVerifier,
      expectedState: checks.state,
      expectedNonce: checks.nonce,
      idTokenExpected: true,
    });
    const claims = tokens.claims();
    if (!claims) throw new AppError("UNAUTHORIZED", "The identity provider returned no ID token");
    let userinfo: Record<string, unknown> = {};
    if (config.serverMetadata().userinfo_endpoint && tokens.access_token) {
      userinfo = (await oidc.fetchUserInfo(config, tokens.access_token, claims.sub)) as Record<string, unknown>;
    }
    // the ID token's verified claims win over userinfo's where both have one
    return { ...userinfo, ...claims };
  } catch (error) {
    throw describeFailure(error, "sign-in");
  }
}

/** A library or egress failure as an AppError with a message fit for an administrator (no secrets in either). */
function describeFailure(error: unknown, step: "discovery" | "sign-in"): AppError {
  if (error instanceof AppError) return error;
  const refused = findEgressError(error);
  if (refused) return new AppError("VALIDATION_FAILED", `The identity provider is not reachable: ${refused.message}`);
  const e = error as { code?: string; message?: string; error?: string; error_description?: string; cause?: { message?: string } };
  // openid-client wraps a network failure ("something went wrong") around the real one
  const message = e.message === "something went wrong" && e.cause?.message ? e.cause.message : e.message;
  const detail = e.error ? `${e.error}${e.error_description ? `: ${e.error_description}` : ""}` : (message ?? "unknown error");
  const prefix = step === "discovery" ? "Discovery failed" : "The identity provider's answer was refused";
  return new AppError(step === "discovery" ? "VALIDATION_FAILED" : "UNAUTHORIZED", `${prefix}: ${detail.slice(0, 300)}`);
}
