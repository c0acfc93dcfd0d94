/**
 * One refresh of an MCP server's OAuth tokens at a time (server/tools/mcp-oauth.ts). Authorization servers rotate
 * refresh tokens on use, and under refresh-token reuse detection (OAuth 2.1) a refresh token spent twice revokes the
 * whole grant: two calls that find the access token expired must not both refresh.
 *
 * - In this process, callers join the refresh in flight (`joinRefresh`).
 * - Across processes, the refresh holds a lease on the server row (McpServer.oauthRefreshUntil, taken by a conditional
 *   UPDATE) until it has stored the new tokens; a process that finds the lease held waits for the stored tokens to
 *   change. A lease whose holder died lapses after `REFRESH_LEASE_MS`.
 */
import type { TenantContext } from "@/server/context";
import { execute } from "@/server/db/execute";
import { sql } from "@/server/db/sql";

/** longer than a refresh's own timeout (the token request) with room for storing its answer */
export const REFRESH_LEASE_MS = 30_000;
/** how often a process waiting for another's refresh reads the stored tokens */
export const REFRESH_POLL_MS = 150;

/** Takes the server's refresh lease; false when another refresh holds it. */
export async function claimRefreshLease(ctx: TenantContext, serverId: string): Promise<boolean> {
  const now = Date.now();
  const { rowCount } = await execute(
    ctx,
    sql`UPDATE "McpServer" SET "oauthRefreshUntil" = ${new Date(now + REFRESH_LEASE_MS)}
        WHERE "id" = ${serverId} AND "workspaceId" = ${ctx.workspaceId}
          AND ("oauthRefreshUntil" IS NULL OR "oauthRefreshUntil" < ${new Date(now)})`,
  );
  return rowCount === 1;
}

export async function releaseRefreshLease(ctx: TenantContext, serverId: string): Promise<void> {
  await execute(ctx, sql`UPDATE "McpServer" SET "oauthRefreshUntil" = NULL WHERE "id" = ${serverId} AND "workspaceId" = ${ctx.workspaceId}`);
}

function inFlight(): Map<string, Promise<string>> {
  const g = globalThis as { __cadreMcpOAuthRefreshes?: Map<string, Promise<string>> };
  g.__cadreMcpOAuthRefreshes ??= new Map();
  return g.__cadreMcpOAuthRefreshes;
}

/** The refresh of this server's tokens in flight in this process, or a new one started with `refresh`. */
export function joinRefresh(ctx: TenantContext, serverId: string, refresh: () => Promise<string>): Promise<string> {
  const key = `${ctx.workspaceId}:${serverId}`;
  const running = inFlight().get(key);
  if (running) return running;
  const started = refresh().finally(() => inFlight().delete(key));
  inFlight().set(key, started);
  return started;
}
