import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { db, systemDb } from "@/server/db/client";
import { inWorkspace } from "@/server/db/in-workspace";
import type { Prisma } from "@/server/db/generated/client";
import { newId } from "@/lib/ids";
import { AppError } from "@/lib/errors";
import { isPermission, permissionsOf, type Permission, type Role } from "@/lib/permissions";
import { isMcpScope, type McpConnectionRevokeReason } from "@/lib/schemas/mcp-oauth";
import type { TenantContext } from "@/server/context";
import { hashMcpToken, mcpTokenHashes } from "@/server/auth/secrets";
import { recordAudit } from "@/server/audit/service";
import { annotateRequest } from "@/server/http/observe";
import { OAuthError } from "./errors";

/**
 * Tokens of Cadre's OAuth 2.1 authorization server for the hosted MCP endpoint (docs/security.md, "MCP authorization
 * server"). Opaque random values with distinct prefixes, stored as their keyed hash (HMAC-SHA256 under a key derived
 * from AUTH_SECRET, like API keys): access tokens live 1 hour, refresh tokens 30 days and rotate on use (the old one
 * dies; presenting a dead one revokes the whole connection: the family).
 *
 * The MCP endpoint calls `isMcpAccessToken` and `authenticateMcpAccessToken`; no other API accepts these tokens (the
 * REST API-key lookup and the tRPC session never find them).
 */
export const ACCESS_TOKEN_PREFIX = "cmcp_at_";
export const REFRESH_TOKEN_PREFIX = "cmcp_rt_";
export const ACCESS_TOKEN_TTL_S = 3600;
export const REFRESH_TOKEN_TTL_S = 30 * 24 * 3600;
const LAST_USED_GRANULARITY_MS = 60_000;

/** Whether a bearer value is an MCP OAuth access token (by its prefix; says nothing about its validity). */
export function isMcpAccessToken(raw: string): boolean {
  return raw.startsWith(ACCESS_TOKEN_PREFIX);
}

const newToken = (prefix: string) => prefix + randomBytes(32).toString("base64url");
const sane = (raw: string, prefix: string) => raw.startsWith(prefix) && raw.length >= 40 && raw.length <= 100;

type Tx = Prisma.TransactionClient;
type ConnectionRow = Prisma.McpConnectionGetPayload<{ include: { client: true; user: { select: { email: true } } } }>;

/** Issues a new access + refresh token pair for a connection (in the caller's transaction). */
async function issueTokens(tx: Tx, connection: { id: string; workspaceId: string; scopes: string[] }) {
  const access = newToken(ACCESS_TOKEN_PREFIX);
  const refresh = newToken(REFRESH_TOKEN_PREFIX);
  const now = Date.now();
  await tx.mcpToken.createMany({
    data: [
      {
        id: newId("mtok"),
        workspaceId: connection.workspaceId,
        connectionId: connection.id,
        kind: "access",
        tokenHash: hashMcpToken(access),
        expiresAt: new Date(now + ACCESS_TOKEN_TTL_S * 1000),
      },
      {
        id: newId("mtok"),
        workspaceId: connection.workspaceId,
        connectionId: connection.id,
        kind: "refresh",
        tokenHash: hashMcpToken(refresh),
        expiresAt: new Date(now + REFRESH_TOKEN_TTL_S * 1000),
      },
    ],
  });
  return {
    access_token: access,
    token_type: "Bearer" as const,
    expires_in: ACCESS_TOKEN_TTL_S,
    refresh_token: refresh,
    scope: connection.scopes.join(" "),
  };
}

/** The context an audit entry about a connection is written in: its person, through its client. */
async function connectionContext(connection: ConnectionRow, requestId?: string): Promise<TenantContext> {
  const workspace = await db({ workspaceId: connection.workspaceId }).workspace.findFirst({ where: { id: connection.workspaceId }, select: { slug: true } });
  return {
    workspaceId: connection.workspaceId,
    workspaceSlug: workspace?.slug ?? "",
    actor: {
      type: "user",
      userId: connection.userId,
      email: connection.user.email,
      mcpClient: { connectionId: connection.id, tokenId: "", clientId: connection.clientId, name: connection.client.name },
    },
    role: "viewer",
    permissions: new Set(),
    requestId,
  };
}

/** Revokes a connection (every token of it dies with it), audited as mcp_connection.revoke with the reason. */
export async function revokeConnectionRow(
  ctx: TenantContext,
  connection: { id: string; workspaceId: string; clientId: string; revokedAt: Date | null },
  reason: McpConnectionRevokeReason,
  clientName: string,
) {
  if (connection.revokedAt) return;
  await db(ctx).$transaction(async (tx) => {
    const { count } = await tx.mcpConnection.updateMany({
      where: { ...inWorkspace(ctx, connection.id), revokedAt: null },
      data: { revokedAt: new Date(), revokeReason: reason },
    });
    if (count === 0) return;
    await tx.mcpToken.deleteMany({ where: { connectionId: connection.id, workspaceId: ctx.workspaceId, kind: "access" } });
    await recordAudit(
      ctx,
      {
        action: "mcp_connection.revoke",
        targetType: "mcp_connection",
        targetId: connection.id,
        metadata: { reason, clientId: connection.clientId, clientName },
      },
      tx,
    );
  });
}

function pkceMatches(verifier: string, challenge: string): boolean {
  if (!/^[A-Za-z0-9._~-]{43,128}$/.test(verifier)) return false;
  const computed = Buffer.from(createHash("sha256").update(verifier).digest("base64url"));
  const expected = Buffer.from(challenge);
  return computed.length === expected.length && timingSafeEqual(computed, expected);
}

const connectionInclude = { client: true, user: { select: { email: true } } } as const;

/**
 * grant_type=authorization_code: the code (found by its hash: a privileged lookup, its workspace is not known
 * before), its client, its exact redirect URI, the PKCE verifier, the resource when sent. A code presented twice
 * revokes the connection and every token issued from it (RFC 6749 4.1.2).
 */
export async function exchangeCode(form: URLSearchParams, requestId?: string) {
  const code = form.get("code") ?? "";
  const invalid = new OAuthError("invalid_grant", "The authorization code is invalid, expired or already used");
  if (!code.startsWith("cmcp_ac_") || code.length > 100) throw invalid;
  const connection = await systemDb("mcp-oauth-token").mcpConnection.findFirst({
    where: { codeHash: { in: mcpTokenHashes(code) } },
    include: connectionInclude,
  });
  if (!connection || connection.clientId !== form.get("client_id")) throw invalid;
  if (connection.codeUsedAt) {
    await revokeConnectionRow(await connectionContext(connection, requestId), connection, "code_reuse", connection.client.name);
    throw invalid;
  }
  if (connection.revokedAt || connection.codeExpiresAt.getTime() <= Date.now()) throw invalid;
  if (form.get("redirect_uri") !== connection.redirectUri) throw new OAuthError("invalid_grant", "redirect_uri does not match the authorization request");
  if (!pkceMatches(form.get("code_verifier") ?? "", connection.codeChallenge)) throw new OAuthError("invalid_grant", "The PKCE code_verifier does not match");
  const resource = form.get("resource");
  if (resource !== null && resource !== connection.resource) throw new OAuthError("invalid_target", "resource does not match the authorization request");
  return db({ workspaceId: connection.workspaceId }).$transaction(async (tx) => {
    const { count } = await tx.mcpConnection.updateMany({
      where: { id: connection.id, workspaceId: connection.workspaceId, codeUsedAt: null, revokedAt: null },
      data: { codeUsedAt: new Date() },
    });
    if (count === 0) throw invalid;
    return issueTokens(tx, connection);
  });
}

/**
 * grant_type=refresh_token: rotation. The refresh token dies and a new pair is issued; a refresh token that was
 * already used revokes the connection (a stolen token and its owner cannot both go on). The person must still be a
 * member of the workspace. A `scope` may narrow the new tokens' scopes, never widen them.
 */
export async function refreshTokens(form: URLSearchParams, requestId?: string) {
  const raw = form.get("refresh_token") ?? "";
  const invalid = new OAuthError("invalid_grant", "The refresh token is invalid, expired or revoked");
  if (!sane(raw, REFRESH_TOKEN_PREFIX)) throw invalid;
  const token = await systemDb("mcp-oauth-token").mcpToken.findFirst({
    where: { tokenHash: { in: mcpTokenHashes(raw) }, kind: "refresh" },
    include: { connection: { include: connectionInclude } },
  });
  if (!token || token.connection.clientId !== form.get("client_id")) throw invalid;
  const connection = token.connection;
  if (connection.revokedAt) throw invalid;
  if (token.usedAt) {
    await revokeConnectionRow(await connectionContext(connection, requestId), connection, "refresh_reuse", connection.client.name);
    throw invalid;
  }
  if (token.expiresAt.getTime() <= Date.now()) throw invalid;
  const resource = form.get("resource");
  if (resource !== null && resource !== connection.resource) throw new OAuthError("invalid_target", "resource does not match the authorization");
  const member = await db({ workspaceId: connection.workspaceId }).membership.findFirst({
    where: { workspaceId: connection.workspaceId, userId: connection.userId, user: { deactivatedAt: null } },
  });
  if (!member) throw invalid;
  const asked = form.get("scope")?.split(" ").filter(Boolean);
  if (asked?.some((s) => !connection.scopes.includes(s))) throw new OAuthError("invalid_scope", "A refresh cannot add scopes");
  return db({ workspaceId: connection.workspaceId }).$transaction(async (tx) => {
    const { count } = await tx.mcpToken.updateMany({ where: { id: token.id, workspaceId: token.workspaceId, usedAt: null }, data: { usedAt: new Date() } });
    if (count === 0) throw invalid;
    if (asked && asked.length > 0) await tx.mcpConnection.update({ where: inWorkspace(connection, connection.id), data: { scopes: asked } });
    return issueTokens(tx, { ...connection, scopes: asked && asked.length > 0 ? asked : connection.scopes });
  });
}

/**
 * Token revocation (RFC 7009) by the client: an access or refresh token of the client's revokes its whole
 * connection. Unknown tokens, and tokens of another client, change nothing (the answer is 200 either way).
 */
export async function revokeToken(form: URLSearchParams, requestId?: string): Promise<void> {
  const raw = form.get("token") ?? "";
  if (!sane(raw, ACCESS_TOKEN_PREFIX) && !sane(raw, REFRESH_TOKEN_PREFIX)) return;
  const token = await systemDb("mcp-oauth-token").mcpToken.findFirst({
    where: { tokenHash: { in: mcpTokenHashes(raw) } },
    include: { connection: { include: connectionInclude } },
  });
  if (!token || token.connection.clientId !== form.get("client_id")) return;
  await revokeConnectionRow(await connectionContext(token.connection, requestId), token.connection, "client_revoked", token.connection.client.name);
}

/**
 * Resolves an MCP OAuth access token presented at the MCP endpoint of `resource` (mcpResourceUrl(base, slug)) to its
 * tenant context: the token must be live (not expired, its connection not revoked), bound to exactly that resource,
 * and its person still a member of the workspace with an account that is not deactivated (SCIM). Permissions: the token's scopes ∩ the person's CURRENT role. The
 * actor is the person (type "user") with `mcpClient` naming the client, the connection and the token.
 * Every failure is the same AppError UNAUTHORIZED.
 */
export async function authenticateMcpAccessToken(raw: string, resource: string, requestId?: string): Promise<TenantContext> {
  const invalid = new AppError("UNAUTHORIZED", "Invalid, expired or revoked access token");
  if (!sane(raw, ACCESS_TOKEN_PREFIX)) throw invalid;
  // the token's workspace is known only once it is found by its hash: a privileged path (docs/security.md)
  const token = await systemDb("mcp-oauth-token").mcpToken.findFirst({
    where: { tokenHash: { in: mcpTokenHashes(raw) }, kind: "access" },
    include: {
      workspace: { select: { slug: true, deletedAt: true } },
      connection: {
        include: {
          client: { select: { name: true } },
          user: { select: { email: true, deactivatedAt: true, memberships: { select: { workspaceId: true, role: true } } } },
        },
      },
    },
  });
  if (!token || token.expiresAt.getTime() <= Date.now() || token.workspace.deletedAt) throw invalid;
  const connection = token.connection;
  if (connection.revokedAt || connection.resource !== resource.replace(/\/$/, "") || connection.user.deactivatedAt) throw invalid;
  const membership = connection.user.memberships.find((m) => m.workspaceId === token.workspaceId);
  if (!membership) throw invalid;
  const role = membership.role as Role;
  const rolePerms = new Set(permissionsOf(role));
  const permissions = new Set<Permission>(connection.scopes.filter((s) => isMcpScope(s) && isPermission(s) && rolePerms.has(s)) as Permission[]);
  if (connection.lastUsedAt === null || Date.now() - connection.lastUsedAt.getTime() > LAST_USED_GRANULARITY_MS) {
    await db({ workspaceId: token.workspaceId }).mcpConnection.updateMany({
      where: { id: connection.id, workspaceId: token.workspaceId },
      data: { lastUsedAt: new Date() },
    });
  }
  annotateRequest({ workspaceId: token.workspaceId, workspaceSlug: token.workspace.slug });
  return {
    workspaceId: token.workspaceId,
    workspaceSlug: token.workspace.slug,
    actor: {
      type: "user",
      userId: connection.userId,
      email: connection.user.email,
      mcpClient: { connectionId: connection.id, tokenId: token.id, clientId: connection.clientId, name: connection.client.name },
    },
    role,
    permissions,
    requestId,
  };
}
