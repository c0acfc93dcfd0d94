/**
 * Who is on the other end of a request, as recorded in the audit trail: the client address and user agent.
 * The address comes from server/http/client-address.ts: forwarding headers count only from CADRE_TRUSTED_PROXIES.
 */
import { clientAddress } from "./client-address";

export interface ClientInfo {
  clientIp?: string;
  userAgent?: string;
}

const MAX_USER_AGENT = 512;
export function clientIpOf(headers: Headers): string | undefined {
  return clientAddress(headers) ?? undefined;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: strips control characters on purpose
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/g;

/** The User-Agent header, bounded and without control characters (it is stored and shown). */
export function userAgentOf(headers: Headers): string | undefined {
  const ua = headers.get("user-agent")?.replace(CONTROL_CHARACTERS, "").trim();
  return ua ? ua.slice(0, MAX_USER_AGENT) : undefined;
}

export function clientInfoOf(request: { headers: Headers } | undefined): ClientInfo {
  if (!request) return {};
  return { clientIp: clientIpOf(request.headers), userAgent: userAgentOf(request.headers) };
}
