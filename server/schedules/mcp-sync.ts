/**
 * Remote MCP servers synced again on their own (every CADRE_MCP_SYNC_HOURS, default 6): a server that added,
 * changed or removed tools is brought in line without anyone pressing "Sync", with the same rules as a sync by hand
 * (server/tools/mcp-servers.ts `syncMcpServer`): a new tool is registered (granted to no agent), a changed one is
 * disabled until a person reviews it, a removed one is disabled; an unreachable server keeps its tools and says why.
 *
 * - Claim: the enabled servers of every workspace whose `nextSyncAt` is due (or unset), not waiting for an OAuth
 *   authorization, oldest first, under FOR UPDATE SKIP LOCKED through the privileged path `mcp-sync`; the claim
 *   moves `nextSyncAt` one interval on, so two passes (processes, or a process and the Inngest cron) never sync one
 *   server twice, and a failing server is tried again an interval later, not at every pass.
 * - Sync: in the server's workspace, with the powers of the person who connected it (their current role, like a
 *   schedule's fire); audited as theirs (`mcp_server.sync`, its request id `mcp-sync:<server>`). A server whose
 *   creator can no longer act, or may no longer manage tools, is skipped (logged) and tried again an interval later.
 *
 * The in-process scheduler runs a pass every few seconds beside its own (./scheduler.ts), never in the way of a
 * schedule's fire; on Inngest, a cron function of its own every 5 minutes (./inngest.ts `mcpSyncFunction`).
 */
import { isAppError } from "@/lib/errors";
import type { ActorType } from "@/lib/schemas/common";
import { SYSTEM } from "@/server/db/client";
import { execute } from "@/server/db/execute";
import { sql } from "@/server/db/sql";
import { runTenantContext } from "@/server/jobs/run-function";
import { logger } from "@/server/logger";
import { syncMcpServer } from "@/server/tools/mcp-servers";
import { mcpSyncHours, nextMcpSyncAt } from "@/server/tools/mcp-sync-times";

const CLAIM_BATCH = 10;

export interface McpSyncPass {
  /** servers whose tools were read and brought in line */
  synced: string[];
  /** servers that could not be reached (their row says why) */
  unreachable: string[];
  /** servers whose creator can no longer sync them, or that changed meanwhile (disabled, waiting for authorization) */
  skipped: string[];
}

interface DueServer extends Record<string, unknown> {
  id: string;
  workspaceId: string;
  createdById: string | null;
}

/** Claims up to `limit` due servers (moving their next sync one interval on). */
export async function claimDueMcpServers(o: { now: Date; limit?: number; workspaceIds?: string[] }): Promise<DueServer[]> {
  const next = nextMcpSyncAt(o.now);
  if (!next) return [];
  const workspaces = o.workspaceIds ? sql`AND c."workspaceId" = ANY (${sql.array(o.workspaceIds, "text")})` : sql.empty;
  const { rows } = await execute<DueServer>(
    SYSTEM("mcp-sync"),
    sql`UPDATE "McpServer" s SET "nextSyncAt" = ${next}
     WHERE s.id IN (SELECT c.id FROM "McpServer" c
       WHERE c."enabled" AND c."status" <> 'needs_auth' AND (c."nextSyncAt" IS NULL OR c."nextSyncAt" <= ${o.now}) ${workspaces}
       ORDER BY c."nextSyncAt" NULLS FIRST, c.id LIMIT ${o.limit ?? CLAIM_BATCH} FOR UPDATE SKIP LOCKED)
     RETURNING s.id, s."workspaceId", s."createdById"`,
  );
  return rows;
}

/** One pass: claims the due servers and syncs each in its workspace. */
export async function syncDueMcpServers(o: { now?: Date; workspaceIds?: string[] } = {}): Promise<McpSyncPass> {
  const pass: McpSyncPass = { synced: [], unreachable: [], skipped: [] };
  if (mcpSyncHours() === 0) return pass;
  const due = await claimDueMcpServers({ now: o.now ?? new Date(), ...(o.workspaceIds ? { workspaceIds: o.workspaceIds } : {}) });
  // side by side: an unreachable server takes its whole timeout (about 20 s) and holds up no other
  const outcomes = await Promise.all(due.map(syncOne));
  due.forEach((server, i) => pass[outcomes[i]!].push(server.id));
  return pass;
}

async function syncOne(server: DueServer): Promise<keyof McpSyncPass> {
  const log = { workspaceId: server.workspaceId, mcpServerId: server.id };
  try {
    const ctx = {
      ...(await runTenantContext({ id: server.id, workspaceId: server.workspaceId, createdByType: "user" as ActorType, createdById: server.createdById })),
      requestId: `mcp-sync:${server.id}`,
    };
    if (!ctx.permissions.has("tools:update")) {
      logger.warn(log, "mcp sync: the person who connected the server may no longer manage tools; not synced");
      return "skipped";
    }
    const { report } = await syncMcpServer(ctx, server.id);
    return report ? "synced" : "unreachable";
  } catch (error) {
    // a creator who left, a server disabled or deleted meanwhile (404, 409): nothing to do until the next interval
    if (isAppError(error) && error.code !== "INTERNAL") {
      logger.warn({ ...log, error: error.message }, "mcp sync: not synced");
      return "skipped";
    }
    logger.error({ ...log, error: (error as Error).message }, "mcp sync: the sync failed");
    return "skipped";
  }
}
