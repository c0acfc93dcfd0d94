/**
 * The approval a tool call waits for, as its step sees it. The first attempt of a call that needs approval stores a
 * pending ToolApproval (one per call: unique on run and step) and throws a wait (an AppError with `retryAt` = its
 * expiry): the step engine stores the step `waiting` and parks the run until then (no process holds it). A decision
 * (server/tools/approvals.ts) moves the wake-up time to now; the step then runs again and reads the decision here.
 * An approval still pending at its expiry is marked expired, which the agent hears as a denial.
 */
import { AppError } from "@/lib/errors";
import { newId } from "@/lib/ids";
import { APPROVAL_TTL_MS, type ToolApprovalStatus } from "@/lib/schemas/tools";
import type { TenantContext } from "@/server/context";
import { execute } from "@/server/db/execute";
import { sql } from "@/server/db/sql";

export const APPROVAL_WAITING_FOR = "a person's approval";
/** The wake key of an approval's wait: under Inngest the wait is a waitForEvent on it (server/jobs/inngest.ts WAKE_EVENT). */
export const approvalWakeKey = (approvalId: string) => `approval:${approvalId}`;

export interface ApprovalRequest {
  runId: string;
  stepId: string;
  toolName: string;
  agentId: string;
  agentSlug: string;
  input: unknown;
  reason: string;
}

export type ApprovalState = { id: string; status: ToolApprovalStatus; note: string | null };

const REASON_MAX = 4_000;

/**
 * The call's approval: decided (approved, denied, expired), or a wait thrown for a pending one (created now when the
 * call has none yet).
 */
export async function awaitApproval(ctx: Pick<TenantContext, "workspaceId">, req: ApprovalRequest, now = Date.now()): Promise<ApprovalState> {
  const expiresAt = new Date(now + APPROVAL_TTL_MS);
  const { rows } = await execute<{ id: string; status: ToolApprovalStatus; note: string | null; expiresAt: Date | string; expired: boolean }>(
    ctx,
    sql`WITH ins AS (
        INSERT INTO "ToolApproval" ("id", "workspaceId", "runId", "stepId", "toolName", "agentId", "agentSlug", "input", "reason", "status", "expiresAt")
        VALUES (${newId("apr")}, ${ctx.workspaceId}, ${req.runId}, ${req.stepId}, ${req.toolName}, ${req.agentId}, ${req.agentSlug},
          ${sql.json(req.input ?? null)}, ${sql.text(req.reason.slice(0, REASON_MAX))}, 'pending', ${expiresAt})
        ON CONFLICT ("runId", "stepId") DO NOTHING
        RETURNING "id", "status", "note", "expiresAt"),
      cur AS (
        SELECT "id", "status", "note", "expiresAt" FROM ins
        UNION ALL
        SELECT a."id", a."status", a."note", a."expiresAt" FROM "ToolApproval" a
        WHERE a."runId" = ${req.runId} AND a."stepId" = ${req.stepId} AND NOT EXISTS (SELECT 1 FROM ins))
      SELECT "id", "status", "note", "expiresAt", ("status" = 'pending' AND "expiresAt" <= ${new Date(now)}) AS expired FROM cur`,
  );
  const row = rows[0];
  if (!row) throw new AppError("INTERNAL", "The approval request could not be stored");
  if (row.expired) {
    await execute(ctx, sql`UPDATE "ToolApproval" SET "status" = 'expired' WHERE "id" = ${row.id} AND "status" = 'pending'`);
    return { id: row.id, status: "expired", note: null };
  }
  if (row.status === "pending") {
    const until = row.expiresAt instanceof Date ? row.expiresAt.getTime() : Date.parse(`${row.expiresAt}Z`);
    throw new AppError(
      "FORBIDDEN",
      `The call of ${req.toolName} waits for a person's approval`,
      { approvalId: row.id },
      {
        retryAt: until,
        waitingFor: APPROVAL_WAITING_FOR,
        wakeEvent: approvalWakeKey(row.id),
      },
    );
  }
  return { id: row.id, status: row.status, note: row.note };
}
