import { AppError } from "@/lib/errors";
import { logger } from "@/server/logger";
import { publicOrigin } from "@/server/http/origin";
import { maxBodyBytes, readBodyBytes } from "@/server/http/body";
import { requestIdOf } from "@/server/http/request-id";
import { ApiRateLimiter, rateLimitHeaders } from "@/server/http/rate-limit";
import { clientAddress } from "@/server/http/client-address";
import { registerClient } from "./clients";
import { OAuthError } from "./errors";
import { authorizationServerMetadata, protectedResourceMetadata } from "./resource";
import { exchangeCode, refreshTokens, revokeToken } from "./tokens";

/**
 * The HTTP side of the authorization server (the route files under app/ call these): metadata documents, dynamic
 * registration, the token and revocation endpoints. Errors are RFC 6749 JSON; token answers are never cached. Browser
 * clients (the MCP Inspector) call these cross-origin: they answer CORS with `*` (no cookie is ever read here).
 */
const OAUTH_BODY_LIMIT = 16 * 1024;
/**
 * Dynamic registrations a client address may make per minute (the API rate limiter's shared windows). Without
 * CADRE_TRUSTED_PROXIES the address is unknown and all clients share one window.
 */
export const REGISTRATIONS_PER_MINUTE = 60;

const CORS = {
  "access-control-allow-origin": "*",
  "access-control-allow-methods": "GET, POST, OPTIONS",
  "access-control-allow-headers": "authorization, content-type, mcp-protocol-version",
  "access-control-max-age": "600",
};
const NO_STORE = { "cache-control": "no-store", pragma: "no-cache" };

function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...CORS, ...headers } });
}

export function corsPreflight(): Response {
  return new Response(null, { status: 204, headers: CORS });
}

export function protectedResourceMetadataResponse(req: Request, slug: string): Response {
  if (!/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/.test(slug) || slug.length > 48) return json({ error: "not_found" }, 404);
  return json(protectedResourceMetadata(publicOrigin(req), slug), 200, { "cache-control": "public, max-age=300" });
}

export function authorizationServerMetadataResponse(req: Request): Response {
  return json(authorizationServerMetadata(publicOrigin(req)), 200, { "cache-control": "public, max-age=300" });
}

async function guarded(req: Request, what: string, handle: (requestId: string) => Promise<Response>): Promise<Response> {
  const requestId = requestIdOf(req.headers);
  try {
    return await handle(requestId);
  } catch (error) {
    if (error instanceof OAuthError) return json({ error: error.error, error_description: error.description }, error.status, NO_STORE);
    if (error instanceof AppError && error.code === "PAYLOAD_TOO_LARGE")
      return json({ error: "invalid_request", error_description: error.message }, 413, NO_STORE);
    logger.error({ requestId, err: error }, `${what} failed`);
    return json({ error: "server_error", error_description: "Internal error" }, 500, NO_STORE);
  }
}

/** the body limit of the OAuth endpoints: 16 KiB, or the server's limit when it is lower */
const oauthBodyLimit = () => Math.min(OAUTH_BODY_LIMIT, maxBodyBytes());

async function readForm(req: Request): Promise<URLSearchParams> {
  // read (under the limit) first: an oversized body is a 413 whatever it claims to be
  const bytes = await readBodyBytes(req, oauthBodyLimit());
  if (!(req.headers.get("content-type") ?? "").toLowerCase().startsWith("application/x-www-form-urlencoded")) {
    throw new OAuthError("invalid_request", "The body must be application/x-www-form-urlencoded");
  }
  const form = new URLSearchParams(new TextDecoder().decode(bytes));
  for (const [k, v] of form) if (v.includes("\u0000") || k.includes("\u0000")) throw new OAuthError("invalid_request", "Contains a NUL character");
  return form;
}

const limiterHolder = globalThis as unknown as { cadreRegistrationLimiter?: ApiRateLimiter };
function registrationLimiter(): ApiRateLimiter {
  limiterHolder.cadreRegistrationLimiter ??= new ApiRateLimiter({ keyPrefix: "oauth-register" });
  return limiterHolder.cadreRegistrationLimiter;
}

/** Replaces the registrations' limiter (tests that use the minute up give the next ones a fresh one); none: the default. */
export function useRegistrationLimiter(limiter?: ApiRateLimiter): void {
  limiterHolder.cadreRegistrationLimiter = limiter;
}

/** POST /api/oauth/register (RFC 7591): a public client; 201 with its client_id. */
export function registerResponse(req: Request): Promise<Response> {
  return guarded(req, "OAuth client registration", async () => {
    const decision = registrationLimiter().hit(clientAddress(req.headers) ?? "unknown", REGISTRATIONS_PER_MINUTE);
    if (!decision.allowed) {
      return json({ error: "invalid_request", error_description: "Too many client registrations: retry later" }, 429, {
        ...NO_STORE,
        ...rateLimitHeaders(decision),
      });
    }
    let body: unknown;
    try {
      body = JSON.parse(new TextDecoder().decode(await readBodyBytes(req, oauthBodyLimit())));
    } catch (error) {
      if (error instanceof AppError) throw error;
      throw new OAuthError("invalid_client_metadata", "The body must be a JSON object");
    }
    return json(await registerClient(body), 201, NO_STORE);
  });
}

/** POST /api/oauth/token: authorization_code (PKCE) and refresh_token (rotation). */
export function tokenResponse(req: Request): Promise<Response> {
  return guarded(req, "OAuth token request", async (requestId) => {
    const form = await readForm(req);
    if (!form.get("client_id")) throw new OAuthError("invalid_client", "client_id is required (public clients)", 401);
    const grant = form.get("grant_type");
    if (grant === "authorization_code") return json(await exchangeCode(form, requestId), 200, NO_STORE);
    if (grant === "refresh_token") return json(await refreshTokens(form, requestId), 200, NO_STORE);
    throw new OAuthError("unsupported_grant_type", "grant_type must be authorization_code or refresh_token");
  });
}

/** POST /api/oauth/revoke (RFC 7009): 200 whether or not the token was known. */
export function revokeResponse(req: Request): Promise<Response> {
  return guarded(req, "OAuth token revocation", async (requestId) => {
    const form = await readForm(req);
    if (!form.get("token")) throw new OAuthError("invalid_request", "token is required");
    await revokeToken(form, requestId);
    return new Response(null, { status: 200, headers: { ...CORS, ...NO_STORE } });
  });
}
