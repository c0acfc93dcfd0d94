/**
 * Sessions of the hosted MCP endpoint. The endpoint itself is stateless (a new MCP server per request, any process
 * can answer); a session is a row: the id a client got from `initialize` (Mcp-Session-Id), the principal that
 * opened it, and the client's name for the audit entries of its later calls. A session id presented with another
 * principal's credentials is refused like an unknown one (404: the client starts a new session), and so is a session
 * unused for MCP_SESSION_IDLE_DAYS (the retention purge deletes it).
 */
import { randomBytes } from "node:crypto";
import type { TenantContext } from "@/server/context";
import { MCP_SESSION_IDLE_DAYS } from "@/lib/schemas/mcp-endpoint";
import { db } from "@/server/db/client";

export interface McpSessionInfo {
  id: string;
  clientName: string;
  clientVersion: string;
}

const SESSION_ID = /^[A-Za-z0-9_-]{16,128}$/;
const IDLE_MS = MCP_SESSION_IDLE_DAYS * 24 * 60 * 60_000;
/** lastSeenAt is written at most this often */
const SEEN_GRANULARITY_MS = 60_000;
/**
 * A session found is remembered by this process for a few seconds, so that a client's burst of requests reads its
 * row once. A session is not a credential (every request authenticates its bearer token first), so a session ended
 * through another process answering for up to this long here costs nothing; ending it here forgets it at once.
 */
const CACHE_TTL_MS = 5_000;
const CACHE_MAX = 10_000;

interface Cached {
  principal: string;
  info: McpSessionInfo;
  until: number;
}
function cache(): Map<string, Cached> {
  const g = globalThis as { __cadreMcpSessions?: Map<string, Cached> };
  g.__cadreMcpSessions ??= new Map();
  return g.__cadreMcpSessions;
}
const cacheKey = (workspaceId: string, id: string) => `${workspaceId}|${id}`;

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
  const key = cacheKey(ctx.workspaceId, id);
  const cached = cache().get(key);
  if (cached && cached.until > Date.now()) return cached.principal === principal ? cached.info : null;
  const row = await db(ctx).mcpSession.findFirst({ where: { id, workspaceId: ctx.workspaceId } });
  if (!row || Date.now() - row.lastSeenAt.getTime() > IDLE_MS) return null;
  const info = { id: row.id, clientName: row.clientName, clientVersion: row.clientVersion };
  if (cache().size >= CACHE_MAX) cache().clear();
  cache().set(key, { principal: row.principal, info, until: Date.now() + CACHE_TTL_MS });
  if (row.principal !== principal) return null;
  if (Date.now() - row.lastSeenAt.getTime() > SEEN_GRANULARITY_MS) {
    await db(ctx).mcpSession.updateMany({ where: { id, workspaceId: ctx.workspaceId }, data: { lastSeenAt: new Date() } });
  }
  return info;
}

export async function endMcpSession(ctx: TenantContext, principal: string, id: string): Promise<boolean> {
  if (!SESSION_ID.test(id)) return false;
  cache().delete(cacheKey(ctx.workspaceId, id));
  const { count } = await db(ctx).mcpSession.deleteMany({ where: { id, workspaceId: ctx.workspaceId, principal } });
  return count > 0;
}
