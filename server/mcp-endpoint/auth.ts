/**
 * Who may talk to a workspace's MCP endpoint, and from where.
 * - Host and Origin (DNS rebinding, MCP security best practices): the request must come to CADRE_PUBLIC_URL's host or
 *   to a loopback host, and an Origin, when a browser sends one, must be CADRE_PUBLIC_URL's origin or a loopback one.
 *   A page on another site that rebinds its name to Cadre's address is refused before anything else.
 * - Credentials: an API key of this workspace (`Authorization: Bearer`), with its scopes as for REST; or an OAuth
 *   access token issued for this workspace's MCP resource. A key or token of another workspace is refused here
 *   (403 for a key, 401 for a token bound to another resource), and a missing or invalid one gets 401 with
 *   `WWW-Authenticate` pointing at the protected-resource metadata (RFC 9728), where OAuth clients start.
 */
import { clientAddress } from "@/server/http/client-address";
import { AppError } from "@/lib/errors";
import type { TenantContext } from "@/server/context";
import { env } from "@/server/env";
import { authenticateApiKey } from "@/server/auth/api-keys";
import { authenticateMcpAccessToken, isMcpAccessToken } from "@/server/mcp-auth/tokens";

const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]", "::1"]);

function hostnameOf(host: string): string {
  try {
    return new URL(`http://${host}`).hostname.toLowerCase();
  } catch {
    return "";
  }
}

/** Why the request's Host or Origin is refused, or null. */
export function hostOrOriginProblem(request: Request): string | null {
  const configured = env().CADRE_PUBLIC_URL;
  const publicUrl = configured ? new URL(configured) : null;
  const host = request.headers.get("host") ?? new URL(request.url).host;
  const hostname = hostnameOf(host);
  if (!LOOPBACK.has(hostname) && hostname !== publicUrl?.hostname.toLowerCase()) return `Requests to host ${host} are not accepted`;
  const origin = request.headers.get("origin");
  if (origin === null) return null;
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    return "The Origin header is not an origin";
  }
  if (publicUrl && parsed.origin === publicUrl.origin) return null;
  if (LOOPBACK.has(parsed.hostname.toLowerCase())) return null;
  return `Requests from origin ${origin} are not accepted`;
}

export interface McpCaller {
  ctx: TenantContext;
  /** the credential the MCP session is bound to */
  principal: string;
  /** the client's name when the credential carries one (an OAuth client's registration) */
  clientName: string | null;
  /** what the workspace's API rate limit counts this caller as (the key, or the OAuth connection) */
  rateKey: string;
}

/** A refusal at the HTTP level: status, a body in OAuth's error shape, and the challenge on 401. */
export class McpAuthError extends Error {
  constructor(
    readonly status: 401 | 403,
    readonly error: "invalid_token" | "insufficient_scope" | "invalid_request",
    message: string,
  ) {
    super(message);
  }
}

export function bearerOf(request: Request): string | null {
  const match = /^Bearer\s+(\S+)$/i.exec(request.headers.get("authorization") ?? "");
  return match ? match[1]! : null;
}

export async function authenticateMcp(request: Request, slug: string, resource: string, requestId: string): Promise<McpCaller> {
  const raw = bearerOf(request);
  if (!raw) throw new McpAuthError(401, "invalid_request", "Send an API key or an OAuth access token as `Authorization: Bearer <token>`");
  try {
    if (isMcpAccessToken(raw)) {
      // bound to this workspace's resource: a token of another workspace (or for any other API) is refused here
      const ctx = await authenticateMcpAccessToken(raw, resource, requestId);
      const via = ctx.actor.type === "user" ? ctx.actor.mcpClient : undefined;
      if (!via || ctx.workspaceSlug !== slug) throw new McpAuthError(401, "invalid_token", "Invalid, expired or revoked access token");
      return { ctx, principal: `oauth:${via.connectionId}`, clientName: via.name, rateKey: `mcpc:${via.connectionId}` };
    }
    const ctx = await authenticateApiKey(raw, requestId, clientAddress(request.headers));
    if (ctx.workspaceSlug !== slug) throw new McpAuthError(403, "invalid_token", "This API key belongs to another workspace");
    const keyId = ctx.actor.type === "api_key" ? ctx.actor.keyId : ctx.actor.userId;
    return { ctx, principal: `api_key:${keyId}`, clientName: null, rateKey: keyId };
  } catch (error) {
    if (error instanceof AppError && error.code === "UNAUTHORIZED") throw new McpAuthError(401, "invalid_token", error.message);
    throw error;
  }
}
