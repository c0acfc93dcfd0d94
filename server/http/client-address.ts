import ipaddr from "ipaddr.js";
import { env } from "@/server/env";

/**
 * The client's address and scheme, believing proxy headers only from configured proxies.
 *
 * Next.js gives route handlers no peer (socket) address: `next start` only fills in `X-Forwarded-For` with the
 * socket address when the request has none, so a client-sent header is indistinguishable from Next's own. Hence:
 * - Without CADRE_TRUSTED_PROXIES, forwarding headers are ignored: the address is unknown (per-address limits do
 *   not apply; per-account limits still do) and HTTPS is known only from CADRE_PUBLIC_URL.
 * - With CADRE_TRUSTED_PROXIES (CIDRs or addresses), Cadre must be reachable only through those proxies (bind it
 *   to a private interface). `X-Forwarded-For` is read from the right, skipping trusted hops; the first address
 *   that is not a trusted proxy is the client (entries to its left were written by the client and are ignored).
 * When a caller does know the peer (`peer`), headers are believed only if the peer is a trusted proxy.
 */
type Range = [ipaddr.IPv4 | ipaddr.IPv6, number];

export function parseTrustedProxies(value: string | undefined): Range[] {
  if (!value) return [];
  return value
    .split(/[\s,]+/)
    .filter(Boolean)
    .map((entry) => {
      if (ipaddr.isValidCIDR(entry)) {
        const [addr, bits] = ipaddr.parseCIDR(entry);
        return normalise([addr, bits]);
      }
      if (ipaddr.isValid(entry)) {
        const addr = ipaddr.process(entry);
        return [addr, addr.kind() === "ipv4" ? 32 : 128] as Range;
      }
      throw new Error(`CADRE_TRUSTED_PROXIES: "${entry}" is not an address or a CIDR range`);
    });
}

function normalise([addr, bits]: Range): Range {
  // ::ffff:10.0.0.0/104 is 10.0.0.0/8
  if (addr.kind() === "ipv6" && (addr as ipaddr.IPv6).isIPv4MappedAddress() && bits >= 96) return [(addr as ipaddr.IPv6).toIPv4Address(), bits - 96];
  return [addr, bits];
}

/** An address in canonical form (IPv4-mapped IPv6 as IPv4; brackets, ports and zone ids removed), or null. */
export function canonicalAddress(raw: string | null | undefined): string | null {
  if (!raw) return null;
  let text = raw.trim();
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(text);
  if (bracketed) text = bracketed[1]!;
  else if (/^\d{1,3}(\.\d{1,3}){3}:\d+$/.test(text)) text = text.slice(0, text.lastIndexOf(":"));
  text = text.replace(/%.*$/, "");
  if (!ipaddr.isValid(text)) return null;
  try {
    // ipaddr.isValid also accepts non-standard IPv4 forms (010.1, 0x7f.1); only the four-decimal form is an address here
    if (text.includes(".") && !text.includes(":") && !/^\d{1,3}(\.\d{1,3}){3}$/.test(text)) return null;
    return ipaddr.process(text).toString();
  } catch {
    return null;
  }
}

function isTrusted(address: string, ranges: Range[]): boolean {
  const addr = ipaddr.process(address);
  return ranges.some(([range, bits]) => range.kind() === addr.kind() && addr.match(range, bits));
}

export interface ClientAddressInput {
  forwardedFor?: string | null;
  /** the socket's address, when the runtime exposes it */
  peer?: string | null;
  trusted: Range[];
}

/** The client address (canonical), or null when it cannot be known. */
export function resolveClientAddress({ forwardedFor, peer, trusted }: ClientAddressInput): string | null {
  const peerAddress = canonicalAddress(peer);
  if (trusted.length === 0) return peerAddress;
  if (peer !== undefined && peer !== null && (!peerAddress || !isTrusted(peerAddress, trusted))) return peerAddress;
  const hops = (forwardedFor ?? "")
    .split(",")
    .map((h) => h.trim())
    .filter(Boolean);
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = canonicalAddress(hops[i]);
    if (!hop) return null; // a malformed hop where the client should be: do not guess
    if (!isTrusted(hop, trusted) || i === 0) return hop;
  }
  return peerAddress;
}

/** Whether the original request used HTTPS, believing X-Forwarded-Proto only from trusted proxies. */
export function resolveHttps({
  forwardedProto,
  peer,
  trusted,
  publicUrl,
}: {
  forwardedProto?: string | null;
  peer?: string | null;
  trusted: Range[];
  publicUrl?: string;
}): boolean {
  if (publicUrl?.startsWith("https:")) return true;
  if (trusted.length === 0) return false;
  const peerAddress = canonicalAddress(peer);
  if (peer !== undefined && peer !== null && (!peerAddress || !isTrusted(peerAddress, trusted))) return false;
  // the nearest proxy's value is the last one
  const last = (forwardedProto ?? "")
    .split(",")
    .map((p) => p.trim().toLowerCase())
    .filter(Boolean)
    .pop();
  return last === "https";
}

let cachedRanges: { source: string | undefined; ranges: Range[] } | undefined;
function trustedRanges(): Range[] {
  const source = env().CADRE_TRUSTED_PROXIES;
  if (!cachedRanges || cachedRanges.source !== source) cachedRanges = { source, ranges: parseTrustedProxies(source) };
  return cachedRanges.ranges;
}

/** Whether any proxy is trusted (CADRE_TRUSTED_PROXIES is set). */
export function trustsProxies(): boolean {
  return trustedRanges().length > 0;
}

type HeaderSource = Pick<Headers, "get">;

/** The client address of a request (see above), or null when unknown. */
export function clientAddress(headers: HeaderSource | undefined | null, peer?: string | null): string | null {
  if (!headers) return null;
  return resolveClientAddress({ forwardedFor: headers.get("x-forwarded-for"), peer, trusted: trustedRanges() });
}

/** Whether the request reached the first proxy (or Cadre) over HTTPS. */
export function requestIsHttps(headers: HeaderSource, peer?: string | null): boolean {
  return resolveHttps({ forwardedProto: headers.get("x-forwarded-proto"), peer, trusted: trustedRanges(), publicUrl: env().CADRE_PUBLIC_URL });
}
