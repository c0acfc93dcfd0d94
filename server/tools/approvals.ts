/**
 * The approvals inbox: tool calls that wait for a person's decision (issue 13, "Grants, limits, approvals").
 *
 * The run engine inserts a `ToolApproval` (pending, expiring after APPROVAL_TTL_MS), stores the tool call's step as
 * `waiting` with `retryAt` = the expiry, and parks the run until then (Run.wakeAt; no process waits). A decision here
 * wakes it early, in the decision's transaction:
 * - the approval becomes approved/denied (only a pending one that has not expired: a concurrent second decision
 *   changes nothing and is a CONFLICT);
 * - the waiting step's stored `result.retryAt` becomes now (server/jobs/step.ts parks again while it is in the future);
 * - the run's `wakeAt` becomes now (database clock) when it is running and parked, so that any executor's claim takes it;
 * - the `tool_approval.approve` / `tool_approval.deny` audit entry is written (never the call's arguments).
 * After the commit, `decideApprovalAndWake` (server/runs/approvals.ts, above the engine: what the API layers call)
 * nudges this process's executor to claim the run at once; another process's executor takes it at its next poll. The
 * step then runs again, reads the approval's status and goes on (approved) or tells the agent it was refused (denied,
 * expired).
 *
 * An approval whose expiry passed while pending is shown as `expired` (computed on read; nothing is written).
 */
import type { z } from "zod";
import { db } from "@/server/db/client";
import { AppError } from "@/lib/errors";
import type { TenantContext } from "@/server/context";
import { recordAudit } from "@/server/audit/service";
import { keysetOrderBy, keysetWhere, pageByCreatedAt } from "@/server/db/cursor";
import type { Page } from "@/lib/schemas/common";
import { decideApprovalInputSchema, toolApprovalIdSchema, type ToolApprovalOut, type ToolApprovalStatus } from "@/lib/schemas/tools";
import { listApprovalsInputSchema, type ApprovalListFilter, type ListApprovalsInput } from "@/lib/schemas/approvals";
import type { Prisma } from "@/server/db/generated/client";

const approvalSelect = {
  id: true,
  runId: true,
  stepId: true,
  toolName: true,
  agentSlug: true,
  input: true,
  reason: true,
  status: true,
  expiresAt: true,
  decidedById: true,
  decidedAt: true,
  note: true,
  createdAt: true,
} as const;

type ApprovalRow = Prisma.ToolApprovalGetPayload<{ select: typeof approvalSelect }>;
type Decider = { id: string; name: string | null; email: string | null };

const notFound = () => new AppError("NOT_FOUND", "Approval request not found");

/** A well-formed id, or NOT_FOUND (an id of the wrong shape cannot name an approval). */
function checkedId(approvalId: string): string {
  if (!toolApprovalIdSchema.safeParse(approvalId).success) throw notFound();
  return approvalId;
}

/** The status as shown: a pending request whose expiry passed is `expired` (as the engine treats it). */
export function effectiveStatus(row: { status: string; expiresAt: Date }, now: Date = new Date()): ToolApprovalStatus {
  if (row.status === "pending" && row.expiresAt.getTime() <= now.getTime()) return "expired";
  return row.status as ToolApprovalStatus;
}

function toApproval(row: ApprovalRow, deciders: Map<string, Decider>, now: Date): ToolApprovalOut {
  const { decidedById, ...rest } = row;
  return {
    ...rest,
    status: effectiveStatus(row, now),
    decidedBy: decidedById ? (deciders.get(decidedById) ?? { id: decidedById, name: null, email: null }) : null,
  };
}

/** The people who decided (user rows are not tenant rows: read by id). */
async function decidersOf(ctx: TenantContext, rows: ApprovalRow[]): Promise<Map<string, Decider>> {
  const ids = [...new Set(rows.map((r) => r.decidedById).filter((x): x is string => !!x))];
  if (ids.length === 0) return new Map();
  const users = await db(ctx).user.findMany({ where: { id: { in: ids } }, select: { id: true, name: true, email: true } });
  return new Map(users.map((u) => [u.id, u]));
}

function filterWhere(filter: ApprovalListFilter, now: Date): Prisma.ToolApprovalWhereInput {
  if (filter === "pending") return { status: "pending", expiresAt: { gt: now } };
  if (filter === "decided") return { OR: [{ status: { not: "pending" } }, { status: "pending", expiresAt: { lte: now } }] };
  return {};
}

/** One page of the workspace's approval requests, newest first (keyset on createdAt, id), with who decided. */
export async function listApprovals(ctx: TenantContext, input: ListApprovalsInput = {}): Promise<Page<ToolApprovalOut>> {
  const { status, limit, cursor } = listApprovalsInputSchema.parse(input);
  const now = new Date();
  const rows = await db(ctx).toolApproval.findMany({
    where: { AND: [{ workspaceId: ctx.workspaceId }, filterWhere(status, now), keysetWhere(cursor)] },
    select: approvalSelect,
    orderBy: keysetOrderBy(),
    take: limit + 1,
  });
  const page = pageByCreatedAt(rows, limit);
  const deciders = await decidersOf(ctx, page.items);
  return { items: page.items.map((r) => toApproval(r, deciders, now)), nextCursor: page.nextCursor };
}

/** Requests waiting for a decision (pending, not expired): the sidebar's badge. */
export async function countPendingApprovals(ctx: TenantContext): Promise<{ pending: number }> {
  const pending = await db(ctx).toolApproval.count({ where: { workspaceId: ctx.workspaceId, ...filterWhere("pending", new Date()) } });
  return { pending };
}

/** One approval request; NOT_FOUND for another workspace's id. */
export async function getApproval(ctx: TenantContext, approvalId: string): Promise<ToolApprovalOut> {
  const row = await db(ctx).toolApproval.findFirst({ where: { id: checkedId(approvalId), workspaceId: ctx.workspaceId }, select: approvalSelect });
  if (!row) throw notFound();
  return toApproval(row, await decidersOf(ctx, [row]), new Date());
}

/** Why a request that is no longer pending cannot be decided. */
function undecidable(row: ApprovalRow, decider: Decider | undefined, now: Date): AppError {
  const status = effectiveStatus(row, now);
  if (status === "expired") {
    return new AppError("CONFLICT", `This approval request expired at ${row.expiresAt.toISOString()}: the call was refused and can no longer be decided`);
  }
  const who = decider ? ` by ${decider.name || decider.email || decider.id}` : "";
  const when = row.decidedAt ? ` at ${row.decidedAt.toISOString()}` : "";
  return new AppError("CONFLICT", `This approval request was already ${status}${who}${when}`);
}

/**
 * Approves or denies a pending request and makes its run claimable now (see the top of this file). Only a pending,
 * unexpired request changes, in one conditional statement: of two concurrent decisions one wins, the other is a
 * CONFLICT. The API layers call `decideApprovalAndWake` (server/runs/approvals.ts), which also nudges the executor.
 */
export async function decideApproval(ctx: TenantContext, approvalId: string, input: z.input<typeof decideApprovalInputSchema>): Promise<ToolApprovalOut> {
  const { decision, note } = decideApprovalInputSchema.parse(input);
  const id = checkedId(approvalId);
  const status = decision === "approve" ? "approved" : "denied";
  const row = await db(ctx).$transaction(async (tx) => {
    const now = new Date();
    const changed = await tx.toolApproval.updateMany({
      where: { id, workspaceId: ctx.workspaceId, status: "pending", expiresAt: { gt: now } },
      data: { status, decidedById: ctx.actor.userId, decidedAt: now, note: note || null },
    });
    const found = await tx.toolApproval.findFirst({ where: { id, workspaceId: ctx.workspaceId }, select: approvalSelect });
    if (!found) throw notFound();
    if (changed.count === 0) throw undecidable(found, (await decidersOf(ctx, [found])).get(found.decidedById ?? ""), now);
    // the waiting tool step is tried at once (its stored retryAt is what keeps it parked)
    await tx.$executeRaw`UPDATE "RunStep" SET "result" = jsonb_set(COALESCE("result", '{}'::jsonb), '{retryAt}', to_jsonb(${Date.now()}::bigint))
      WHERE "workspaceId" = ${ctx.workspaceId} AND "runId" = ${found.runId} AND "stepId" = ${found.stepId} AND "status" = 'waiting'`;
    // a parked run is claimable at once (wakeAt is compared with the database's clock, as the claim does)
    await tx.$executeRaw`UPDATE "Run" SET "wakeAt" = (clock_timestamp() AT TIME ZONE 'UTC')::timestamp(3)
      WHERE "workspaceId" = ${ctx.workspaceId} AND id = ${found.runId} AND "status" = 'running' AND "wakeAt" IS NOT NULL`;
    await recordAudit(
      ctx,
      {
        action: decision === "approve" ? "tool_approval.approve" : "tool_approval.deny",
        targetType: "tool_approval",
        targetId: id,
        metadata: { runId: found.runId, stepId: found.stepId, toolName: found.toolName, ...(note ? { note } : {}) },
      },
      tx,
    );
    return found;
  });
  return toApproval(row, await decidersOf(ctx, [row]), new Date());
}
