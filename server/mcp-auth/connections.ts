import { db } from "@/server/db/client";
import { AppError } from "@/lib/errors";
import type { TenantContext } from "@/server/context";
import { revokeConnectionRow } from "./tokens";

/** The workspace's MCP connections (consents whose code was exchanged), newest first; revoked ones included. */
export async function listMcpConnections(ctx: TenantContext) {
  const rows = await db(ctx).mcpConnection.findMany({
    where: { workspaceId: ctx.workspaceId, codeUsedAt: { not: null } },
    include: { client: { select: { name: true } }, user: { select: { email: true } } },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: 500,
  });
  return rows.map((c) => ({
    id: c.id,
    clientId: c.clientId,
    clientName: c.client.name,
    redirectHost: new URL(c.redirectUri).host,
    authorizedBy: c.user.email,
    userId: c.userId,
    scopes: c.scopes,
    resource: c.resource,
    createdAt: c.createdAt,
    lastUsedAt: c.lastUsedAt,
    revokedAt: c.revokedAt,
  }));
}

/**
 * Revokes a connection from the workspace's settings: its tokens stop working at once. Your own needs
 * mcp_connections:revoke; someone else's mcp_connections:manage. Audited.
 */
export async function revokeMcpConnection(ctx: TenantContext, connectionId: string) {
  const connection = await db(ctx).mcpConnection.findFirst({
    where: { id: connectionId, workspaceId: ctx.workspaceId },
    include: { client: { select: { name: true } } },
  });
  if (!connection) throw new AppError("NOT_FOUND", "MCP connection not found");
  if (connection.userId !== ctx.actor.userId && !ctx.permissions.has("mcp_connections:manage")) {
    throw new AppError("FORBIDDEN", "You can only revoke your own MCP connections");
  }
  await revokeConnectionRow(ctx, connection, "revoked", connection.client.name);
  return { revoked: true as const };
}
