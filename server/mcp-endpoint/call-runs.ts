/**
 * Which run answers an MCP tools/call in progress, durably (table `McpCallRun`, RLS): the endpoint is stateless and
 * several processes answer it, so the client's `notifications/cancelled` may reach another process than the one
 * following the call. That process finds no call of its own, looks the run up here (same workspace, same principal,
 * same session, same request id: nobody else's request id names it) and cancels it through `cancelRun`, audited as
 * every cancel. A row is deleted when its call ends, with its session or its run; one a dead process left behind
 * expires.
 */
import { newId } from "@/lib/ids";
import { TERMINAL_RUN_STATUSES } from "@/lib/schemas/runs";
import type { TenantContext } from "@/server/context";
import { db } from "@/server/db/client";
import { logger } from "@/server/logger";
import { cancelRun } from "@/server/runs/service";

/** a row outlives its call by at most this (the longest a call follows its run is 10 minutes) */
export const MCP_CALL_RUN_TTL_MS = 15 * 60_000;

/** The JSON-RPC id as a key: a string "1" and a number 1 are different requests. */
export const requestKeyOf = (id: string | number) => `${typeof id}:${id}`;

export interface McpCallRef {
  principal: string;
  /** the MCP session of the call; undefined for a call made without one */
  sessionId: string | undefined;
  requestId: string | number;
}

const whereOf = (ctx: TenantContext, ref: McpCallRef) => ({
  workspaceId: ctx.workspaceId,
  principal: ref.principal,
  sessionId: ref.sessionId ?? null,
  requestKey: requestKeyOf(ref.requestId),
});

/** Records that this call's run is `runId`; returns what forgets it (when the call ends). */
export async function recordCallRun(ctx: TenantContext, ref: McpCallRef, runId: string): Promise<() => Promise<void>> {
  const id = newId("mcr");
  const now = Date.now();
  await db(ctx).mcpCallRun.deleteMany({ where: { workspaceId: ctx.workspaceId, expiresAt: { lt: new Date(now) } } });
  await db(ctx).mcpCallRun.create({ data: { id, ...whereOf(ctx, ref), runId, expiresAt: new Date(now + MCP_CALL_RUN_TTL_MS) } });
  return async () => {
    await db(ctx).mcpCallRun.deleteMany({ where: { id, workspaceId: ctx.workspaceId } });
  };
}

/**
 * A notifications/cancelled that found no call in this process: the run recorded for that call (same workspace,
 * principal, session and request id) is cancelled, when it is still queued or running. Returns the run's id, if any.
 */
export async function cancelRecordedCall(ctx: TenantContext, ref: McpCallRef): Promise<string | null> {
  const row = await db(ctx).mcpCallRun.findFirst({
    where: { ...whereOf(ctx, ref), expiresAt: { gt: new Date() } },
    orderBy: { createdAt: "desc" },
    select: { id: true, runId: true, run: { select: { status: true } } },
  });
  if (!row) return null;
  await db(ctx).mcpCallRun.deleteMany({ where: { id: row.id, workspaceId: ctx.workspaceId } });
  if ((TERMINAL_RUN_STATUSES as readonly string[]).includes(row.run.status)) return row.runId;
  try {
    await cancelRun(ctx, row.runId);
  } catch (error) {
    // it ended meanwhile (CONFLICT): a cancellation is advisory, as MCP says
    logger.info({ err: error, runId: row.runId, requestId: ctx.requestId }, "MCP cancellation of a recorded call did not cancel its run");
  }
  return row.runId;
}
