import { env } from "@/server/env";
import { requestIsHttps, trustsProxies } from "@/server/http/client-address";

/**
 * The base URL for links Cadre hands out: CADRE_PUBLIC_URL, else the origin the request came to (X-Forwarded-Host
 * and -Proto only from trusted proxies). Links that carry a secret (email verification) require CADRE_PUBLIC_URL.
 */
export function publicOrigin(req: Request): string {
  const configured = env().CADRE_PUBLIC_URL;
  if (configured) return configured.replace(/\/$/, "");
  const forwarded = trustsProxies();
  const host = (forwarded ? req.headers.get("x-forwarded-host") : null) ?? req.headers.get("host");
  const proto = (forwarded ? req.headers.get("x-forwarded-proto")?.split(",").pop()?.trim() : null) ?? new URL(req.url).protocol.replace(":", "");
  return host ? `${proto}://${host}` : new URL(req.url).origin;
}

/** The same for a page (a server component sees the request's headers, not its URL). */
export function publicOriginOfHeaders(headers: Headers): string {
  const configured = env().CADRE_PUBLIC_URL;
  if (configured) return configured.replace(/\/$/, "");
  const host = (trustsProxies() ? headers.get("x-forwarded-host") : null) ?? headers.get("host") ?? "localhost";
  return `${requestIsHttps(headers) ? "https" : "http"}://${host}`;
}
