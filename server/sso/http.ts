/**
 * The HTTP side of SSO sign-in (app/api/sso/[org]/start and callback call these): redirects only; a refusal goes to
 * the sign-in page with its code (lib/schemas/sso.ts SSO_ERRORS), the detail to the log.
 */
import { clientAddress } from "@/server/http/client-address";
import { userAgentOf } from "@/server/http/client-info";
import { publicOrigin } from "@/server/http/origin";
import { ApiRateLimiter } from "@/server/http/rate-limit";
import { requestIdOf } from "@/server/http/request-id";
import { logger } from "@/server/logger";
import { db, SYSTEM } from "@/server/db/client";
import { findConnection } from "./connection";
import { completeSsoSignIn, type SsoCallbackResult, startSsoSignIn } from "./flow";
import { SsoRefusal } from "./refusal";
import { samlMetadataXml, samlServiceProvider } from "./saml";
import { acceptSamlResponse, finishSamlSignIn } from "./saml-flow";

export const SSO_BROWSER_COOKIE = "cadre-sso-browser";
/** Sign-ins a client address may start per minute (each writes a state row before anyone is signed in). */
export const SSO_STARTS_PER_MINUTE = 30;

const holder = globalThis as unknown as { cadreSsoStartLimiter?: ApiRateLimiter };
function startLimiter(): ApiRateLimiter {
  holder.cadreSsoStartLimiter ??= new ApiRateLimiter({ keyPrefix: "sso-start" });
  return holder.cadreSsoStartLimiter;
}

/** Tests: a fresh limiter (or none: the default). */
export function useSsoStartLimiter(next?: ApiRateLimiter): void {
  holder.cadreSsoStartLimiter = next;
}
const NO_STORE = { "cache-control": "no-store", pragma: "no-cache", "referrer-policy": "no-referrer" };

function redirect(location: string, cookie?: string): Response {
  const headers = new Headers({ location, ...NO_STORE });
  if (cookie) headers.append("set-cookie", cookie);
  return new Response(null, { status: 302, headers });
}

function browserCookie(req: Request, slug: string, value: string, maxAgeSeconds: number): string {
  const secure = publicOrigin(req).startsWith("https:") ? "; Secure" : "";
  // Lax: the provider's redirect back is a top-level GET navigation, which carries it (SAML: the ACS's cross-site
  // POST does not; it redirects to the same-site GET /saml/finish, which does)
  return `${SSO_BROWSER_COOKIE}=${value}; Path=/api/sso/${encodeURIComponent(slug)}; HttpOnly; SameSite=Lax; Max-Age=${maxAgeSeconds}${secure}`;
}

function cookieOf(req: Request, name: string): string | undefined {
  for (const part of (req.headers.get("cookie") ?? "").split(";")) {
    const [k, ...v] = part.trim().split("=");
    if (k === name) return v.join("=");
  }
  return undefined;
}

function refused(req: Request, slug: string, error: unknown): Response {
  const code = error instanceof SsoRefusal ? error.code : "sso_idp";
  if (error instanceof SsoRefusal)
    logger.info({ organizationSlug: slug, code, detail: error.message, requestId: requestIdOf(req.headers) }, "sso: sign-in refused");
  else logger.error({ organizationSlug: slug, err: { name: (error as Error)?.name, message: (error as Error)?.message } }, "sso: sign-in failed");
  return redirect(`${publicOrigin(req)}/sign-in?error=${code}`, browserCookie(req, slug, "", 0));
}

/** GET /api/sso/{org}/start?callbackUrl= */
export async function ssoStartResponse(req: Request, slug: string): Promise<Response> {
  try {
    if (!startLimiter().hit(clientAddress(req.headers) ?? "unknown", SSO_STARTS_PER_MINUTE).allowed)
      throw new SsoRefusal("sso_rate_limited", "too many starts from this address");
    const url = new URL(req.url);
    const start = await startSsoSignIn(slug, url.searchParams.get("callbackUrl"), publicOrigin(req));
    return redirect(start.redirectUrl, browserCookie(req, slug, start.browserToken, 600));
  } catch (error) {
    return refused(req, slug, error);
  }
}

const metaOf = (req: Request) => ({
  origin: publicOrigin(req),
  requestId: requestIdOf(req.headers),
  clientIp: clientAddress(req.headers) ?? undefined,
  userAgent: userAgentOf(req.headers),
});

/** The ticket's hand-over to the sign-in page; the browser cookie is spent. */
function signInWithTicket(req: Request, slug: string, result: SsoCallbackResult): Response {
  const next = new URL(`${publicOrigin(req)}/sign-in/sso`);
  next.searchParams.set("ticket", result.ticket);
  next.searchParams.set("callbackUrl", result.callbackUrl);
  return redirect(next.href, browserCookie(req, slug, "", 0));
}

/** GET /api/sso/{org}/callback?code=&state= (the identity provider's redirect) */
export async function ssoCallbackResponse(req: Request, slug: string): Promise<Response> {
  try {
    return signInWithTicket(req, slug, await completeSsoSignIn(slug, new URL(req.url), cookieOf(req, SSO_BROWSER_COOKIE), metaOf(req)));
  } catch (error) {
    return refused(req, slug, error);
  }
}

/**
 * POST /api/sso/{org}/saml/acs (SAMLResponse, RelayState: the identity provider's form post). The body arrives read
 * under the body limit (the route wraps this in limitBody). Validated, then a redirect to the same-site finish step.
 */
export async function samlAcsResponse(req: Request, slug: string): Promise<Response> {
  try {
    const type = req.headers.get("content-type") ?? "";
    if (!type.startsWith("application/x-www-form-urlencoded")) throw new SsoRefusal("sso_idp", "the ACS takes a form post");
    const form = new URLSearchParams(await req.text());
    const { state } = await acceptSamlResponse(slug, { SAMLResponse: form.get("SAMLResponse"), RelayState: form.get("RelayState") }, metaOf(req));
    const next = new URL(`${publicOrigin(req)}/api/sso/${encodeURIComponent(slug)}/saml/finish`);
    next.searchParams.set("state", state);
    // 303: the browser follows with a GET, a top-level same-site navigation that carries the Lax browser cookie
    return new Response(null, { status: 303, headers: { location: next.href, ...NO_STORE } });
  } catch (error) {
    return refused(req, slug, error);
  }
}

/** GET /api/sso/{org}/saml/finish?state= (after the ACS): the browser check, the person admitted, the ticket. */
export async function samlFinishResponse(req: Request, slug: string): Promise<Response> {
  try {
    const state = new URL(req.url).searchParams.get("state");
    return signInWithTicket(req, slug, await finishSamlSignIn(slug, state, cookieOf(req, SSO_BROWSER_COOKIE), metaOf(req)));
  } catch (error) {
    return refused(req, slug, error);
  }
}

/** GET /api/sso/{org}/saml/metadata: Cadre's SP metadata, for an organisation with a SAML connection (else 404). */
export async function samlMetadataResponse(req: Request, slug: string): Promise<Response> {
  const org = await db(SYSTEM("sso-sign-in")).organization.findUnique({ where: { slug }, select: { id: true, slug: true } });
  const connection = org ? await findConnection(org.id, SYSTEM("sso-sign-in")) : null;
  if (!org || connection?.kind !== "saml") return new Response("Not found", { status: 404, headers: { "content-type": "text/plain", ...NO_STORE } });
  const xml = samlMetadataXml(samlServiceProvider(publicOrigin(req), org.slug));
  return new Response(xml, { status: 200, headers: { "content-type": "application/samlmetadata+xml; charset=utf-8", "cache-control": "no-store" } });
}
