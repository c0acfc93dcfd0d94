import { env } from "@/server/env";

export interface RelyingParty {
  /** the RP id: the public origin's host name (a passkey works on that host and its subdomains) */
  id: string;
  name: string;
  /** the origin the browser reports in the client data */
  origin: string;
}

/**
 * WebAuthn's relying party: CADRE_PUBLIC_URL when set (a deployment should set it: the passkeys registered are bound
 * to its host name), else the origin the request came to (`siteOrigin`: server/http/origin.ts, which believes
 * forwarded headers only from trusted proxies). The browser binds each assertion to the page's origin and the
 * authenticator each key to its RP id, so a look-alike host cannot use a key registered here.
 */
export function relyingParty(siteOrigin?: string): RelyingParty {
  const base = env().CADRE_PUBLIC_URL ?? siteOrigin ?? `http://localhost:${env().PORT}`;
  const url = new URL(base);
  return { id: url.hostname, name: "Cadre", origin: url.origin };
}
