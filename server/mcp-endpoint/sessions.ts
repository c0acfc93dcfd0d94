/**
 * Sessions of the hosted MCP endpoint. The endpoint itself is stateless (a new MCP server per request, any process
 * can answer); a session is a row: the id a client got from `initialize` (Mcp-Session-Id), the principal that
 * opened it, and the client's name for the audit entries of its later calls. A session id presented with another
 * principal's credentials is refused like an unknown one (404: the client starts a new session).
 */
import { randomBytes } from "node:crypto";
import type { TenantContext } from "@/server/context";
import { db } from "@/server/db/client";

export interface McpSessionInfo {
  id: string;
  clientName: string;
  clientVersion: string;
}

const SESSION_ID = /^[A-Za-z0-9_-]{16,128}$/;
/** lastSeenAt is written at most this often */
const SEEN_GRANULARITY_MS = 60_000;

export async function openMcpSession(
  ctx: TenantContext,
  principal: string,
  client: { name: string; version: string; protocolVersion: string },
): Promise<McpSessionInfo> {
  const id = randomBytes(24).toString("base64url");
  const data = {
    id,
    workspaceId: ctx.workspaceId,
    principal,
    clientName: client.name.slice(0, 200),
    clientVersion: client.version.slice(0, 100),
    protocolVersion: client.protocolVersion.slice(0, 40),
  };
  await db(ctx).mcpSession.create({ data });
  return { id, clientName: data.clientName, clientVersion: data.clientVersion };
}

/** The session, when it exists in this workspace and belongs to this principal; null otherwise. */
export async function findMcpSession(ctx: TenantContext, principal: string, id: string): Promise<McpSessionInfo | null> {
  if (!SESSION_ID.test(id)) return null;
  const row = await db(ctx).mcpSession.findFirst({ where: { id, workspaceId: ctx.workspaceId } });
  if (!row || row.principal !== principal) return null;
  if (Date.now() - row.lastSeenAt.getTime() > SEEN_GRANULARITY_MS) {
    await db(ctx).mcpSession.updateMany({ where: { id, workspaceId: ctx.workspaceId }, data: { lastSeenAt: new Date() } });
  }
  return { id: row.id, clientName: row.clientName, clientVersion: row.clientVersion };
}

export async function endMcpSession(ctx: TenantContext, principal: string, id: string): Promise<boolean> {
  if (!SESSION_ID.test(id)) return false;
  const { count } = await db(ctx).mcpSession.deleteMany({ where: { id, workspaceId: ctx.workspaceId, principal } });
  return count > 0;
}
