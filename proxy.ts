import { NextResponse, type NextRequest } from "next/server";
import { REQUEST_PATH_HEADER } from "@/lib/callback-url";
import { requestIsHttps } from "@/server/http/client-address";

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

function contentSecurityPolicy(nonce: string): string {
  const dev = process.env.NODE_ENV === "development";
  return [
    "default-src 'self'",
    // a per-request nonce; eval only in development (React's dev tooling needs it)
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${dev ? " 'unsafe-eval'" : ""}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}

/**
 * Runs before every page request (see `config`): assigns the request id (kept from the caller when well-formed), sets a
 * CSP with a fresh nonce (Next applies it to its own scripts) and the security headers; records the page's path and
 * query for sign-in redirects (app/_lib/session.ts).
 */
export function proxy(request: NextRequest) {
  const incoming = request.headers.get("x-request-id");
  const requestId = incoming && REQUEST_ID.test(incoming) ? incoming : `req_${crypto.randomUUID().replaceAll("-", "")}`;
  const nonce = btoa(crypto.randomUUID());
  const csp = contentSecurityPolicy(nonce);

  const requestHeaders = new Headers(request.headers);
  requestHeaders.set("x-request-id", requestId);
  requestHeaders.set("x-nonce", nonce);
  requestHeaders.set("content-security-policy", csp);
  // Next has already taken its internal `_rsc` parameter out of nextUrl
  requestHeaders.set(REQUEST_PATH_HEADER, request.nextUrl.pathname + request.nextUrl.search);

  const response = NextResponse.next({ request: { headers: requestHeaders } });
  response.headers.set("x-request-id", requestId);
  response.headers.set("content-security-policy", csp);
  response.headers.set("x-frame-options", "DENY");
  response.headers.set("x-content-type-options", "nosniff");
  response.headers.set("referrer-policy", "strict-origin-when-cross-origin");
  response.headers.set("permissions-policy", "camera=(), microphone=(), geolocation=()");
  // X-Forwarded-Proto only from CADRE_TRUSTED_PROXIES (else HTTPS is known from CADRE_PUBLIC_URL): see client-address.ts
  if (requestIsHttps(request.headers)) response.headers.set("strict-transport-security", "max-age=63072000; includeSubDomains");
  return response;
}

// The API (except next-auth's pages) skips the proxy: its handlers set their own request id (server/http/request-id.ts)
// and next.config.ts gives /api/* static security headers; the proxy costs ~2 ms per request.
export const config = {
  matcher: [{ source: "/((?!api/(?!auth/)|_next/static|_next/image|favicon.ico).*)" }],
};
