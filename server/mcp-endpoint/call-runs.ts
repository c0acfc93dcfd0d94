/**
 * Which run answers an MCP tools/call in progress, durably (table `McpCallRun`, RLS): the endpoint is stateless and
 * several processes answer it, so the client's `notifications/cancelled` may reach another process than the one
 * following the call. That process finds no call of its own, looks the run up here (same workspace, same principal,
 * same session, same request id: nobody else's request id names it) and cancels it through `cancelRun`, audited as
 * every cancel. The row is written as the call starts, before its run exists, so that a cancellation arriving before
 * the run is attached is not lost (recordCall). A row is deleted when its call ends, with its session or its run; one
 * a dead process left behind expires.
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

/** Test-only: awaited after a followed call's run started, before it is attached (to hold a call in that window). */
export const mcpCallTestHooks: { runStarted?: (runId: string) => Promise<void> } = {};

export interface RecordedCall {
  /** records that the call's run is `runId`; true when a cancellation of the call arrived before (cancel the run) */
  attach(runId: string): Promise<boolean>;
  /** forgets the call (when it ends) */
  forget(): Promise<void>;
}

/**
 * Records a followed call as it starts, before its run exists: a cancellation reaching another process from then on
 * finds it. Attaching the run and cancelling the call (cancelRecordedCall) each update this one row, so the row lock
 * orders them and the second sees what the first wrote: the cancel sees the run (and cancels it), or the attach sees
 * the cancellation (and the call cancels its run). Across processes and connections alike.
 */
export async function recordCall(ctx: TenantContext, ref: McpCallRef): Promise<RecordedCall> {
  const id = newId("mcr");
  const now = Date.now();
  await db(ctx).mcpCallRun.deleteMany({ where: { workspaceId: ctx.workspaceId, expiresAt: { lt: new Date(now) } } });
  await db(ctx).mcpCallRun.create({ data: { id, ...whereOf(ctx, ref), expiresAt: new Date(now + MCP_CALL_RUN_TTL_MS) } });
  return {
    async attach(runId) {
      await mcpCallTestHooks.runStarted?.(runId);
      const [row] = await db(ctx).mcpCallRun.updateManyAndReturn({
        where: { id, workspaceId: ctx.workspaceId },
        data: { runId },
        select: { cancelledAt: true },
      });
      return row?.cancelledAt != null;
    },
    async forget() {
      await db(ctx).mcpCallRun.deleteMany({ where: { id, workspaceId: ctx.workspaceId } });
    },
  };
}

/**
 * A notifications/cancelled that found no call in this process: the call recorded with that key (same workspace,
 * principal, session and request id) is marked cancelled, and its run, if already attached, is cancelled when still
 * queued or running; a call whose run is not attached yet cancels it as it attaches. Returns the run's id, if any.
 */
export async function cancelRecordedCall(ctx: TenantContext, ref: McpCallRef): Promise<string | null> {
  const found = await db(ctx).mcpCallRun.findFirst({
    where: { ...whereOf(ctx, ref), expiresAt: { gt: new Date() }, cancelledAt: null },
    orderBy: { createdAt: "desc" },
    select: { id: true },
  });
  if (!found) return null;
  const [row] = await db(ctx).mcpCallRun.updateManyAndReturn({
    where: { id: found.id, workspaceId: ctx.workspaceId },
    data: { cancelledAt: new Date() },
    select: { runId: true },
  });
  if (!row?.runId) return null;
  const run = await db(ctx).run.findFirst({ where: { id: row.runId, workspaceId: ctx.workspaceId }, select: { status: true } });
  if (!run || (TERMINAL_RUN_STATUSES as readonly string[]).includes(run.status)) return row.runId;
  try {
    await cancelRun(ctx, row.runId);
  } catch (error) {
    // it ended meanwhile (CONFLICT): a cancellation is advisory, as MCP says
    logger.info({ err: error, runId: row.runId, requestId: ctx.requestId }, "MCP cancellation of a recorded call did not cancel its run");
  }
  return row.runId;
}
