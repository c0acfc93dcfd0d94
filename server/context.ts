import { permissionsOf, type Permission, type Role } from "@/lib/permissions";
import type { RunChannel } from "@/lib/schemas/runs";

/**
 * An MCP client acting for a person with an OAuth access token of the hosted MCP endpoint (server/mcp-auth/tokens.ts):
 * the actor is that person (type "user"), and this names the client, its connection (the consent) and the token.
 */
export interface McpClientVia {
  connectionId: string;
  tokenId: string;
  clientId: string;
  /** the client's self-declared name (dynamic registration: unverified) */
  name: string;
}

export type Actor =
  | { type: "user"; userId: string; email: string; mcpClient?: McpClientVia }
  | { type: "api_key"; keyId: string; userId: string; name: string };

/** Who is acting in which workspace with which powers. Every tenant-scoped service takes one. */
export interface TenantContext {
  workspaceId: string;
  workspaceSlug: string;
  actor: Actor;
  /** the role of the acting user (for a key: its creator's current role) */
  role: Role;
  permissions: ReadonlySet<Permission>;
  requestId?: string;
  /** the client's address and user agent, recorded with every audit entry (server/http/client-info.ts) */
  clientIp?: string;
  userAgent?: string;
  /** the entry point the request came through (set by the transport): the channel of the runs it starts */
  channel?: RunChannel;
}

/**
 * Whether the caller holds every permission of `role`. Granting a role, or managing a member who has it,
 * requires this: nobody (person or API key) can hand out or take away powers they do not hold.
 * For a person this is the role order (owner > admin > member > viewer); for a key it also respects its scopes.
 */
export function holdsRole(ctx: TenantContext, role: Role): boolean {
  return permissionsOf(role).every((p) => ctx.permissions.has(p));
}

export function actorUserId(ctx: TenantContext): string {
  return ctx.actor.userId;
}
