/**
 * Who is on the other end of a request, as recorded in the audit trail: the client address and user agent.
 * A placeholder for the trusted-proxy logic of server/http/client-address.ts (CADRE_TRUSTED_PROXIES): when that
 * lands, `clientIpOf` delegates to it. Until then it reads the first X-Forwarded-For entry, else X-Real-IP.
 */
export interface ClientInfo {
  clientIp?: string;
  userAgent?: string;
}

const MAX_USER_AGENT = 512;
const IP_LIKE = /^[0-9A-Fa-f:.]{2,45}$/;

export function clientIpOf(headers: Headers): string | undefined {
  const forwarded = headers.get("x-forwarded-for")?.split(",")[0]?.trim();
  const candidate = forwarded || headers.get("x-real-ip")?.trim();
  return candidate && IP_LIKE.test(candidate) ? candidate : undefined;
}

/** The User-Agent header, bounded and without control characters (it is stored and shown). */
export function userAgentOf(headers: Headers): string | undefined {
  // eslint-disable-next-line no-control-regex
  const ua = headers.get("user-agent")?.replace(/[\u0000-\u001f\u007f]/g, "").trim();
  return ua ? ua.slice(0, MAX_USER_AGENT) : undefined;
}

export function clientInfoOf(request: { headers: Headers } | undefined): ClientInfo {
  if (!request) return {};
  return { clientIp: clientIpOf(request.headers), userAgent: userAgentOf(request.headers) };
}
