/**
 * Model calls in flight, so that the ledger stays complete when a process dies mid-call (docs/architecture.md,
 * "Delivery semantics"). The budget's leases (./reservations.ts) hold estimates in memory, call by call: the database
 * cannot tell from them which calls a dead process had in flight. So before the gateway calls a provider (the
 * simulator aside: it bills nothing), it writes one `ModelCallInFlight` row: the id the call's usage row will have,
 * who and what the call is for, and its worst-case estimate (the reserved one: the prompt's tokens and the full output
 * limit at the model's prices). Then:
 * - the call's usage row deletes it in the same statement (`landedSql`, a CTE of the INSERT of ./record.ts);
 * - a row left behind (its process died, or its usage row could not be written) is turned into that usage row, in
 *   ONE statement (a DELETE ... RETURNING feeding an INSERT), with outcome `lost`, `estimated` true and the estimate
 *   as its cost: by the claim that resumes its run (server/jobs/executor.ts, the same statement as the claim), and
 *   once expired (the call's timeout plus CALL_IN_FLIGHT_MARGIN_MS) by an execution of the run that starts without a
 *   claim (server/jobs/run-function.ts), by the budget's lease renewal (for its workspace) and by `recordLostCalls`,
 *   which every executor runs once a minute (server/jobs/executor.ts `sweepLostCalls`). A row is deleted once: whichever
 *   statement deletes it writes the usage row, the others find nothing; `ON CONFLICT DO NOTHING` on the usage row's
 *   id keeps a usage row already written (the call's own) from being doubled;
 * - a late usage row of the call (its process was only slow, and its run was claimed meanwhile) has the same id as
 *   the lost row: it replaces it (ON CONFLICT DO UPDATE), so the call has one row, with its real figures.
 * Cost: one INSERT per billable provider call, which nothing waits for: it is sent as the call starts and committed
 * while the provider answers (`sendCallInFlight`); the rows of a workspace's calls that start together (a parallel
 * fan-out) go in one message (server/db/grouped-sends.ts). A call that answers before its row committed (a fast
 * model) does not wait for it either: its usage row deletes the row if it is there, and the row is not written once
 * the usage row is (the INSERT checks). In the rare case that both commit at the same moment, the row stays until it
 * expires and is then deleted without effect (the lost row would have the usage row's id: ON CONFLICT DO NOTHING).
 * What that leaves: a process that dies in the moment between the provider's request and the row reaching the
 * database (about one round trip, where it was the whole call before) still loses that call's usage; a row that
 * could not be written at all (the database unreachable) is logged and the call goes on (its usage row is the record).
 */
import type { TenantContext } from "@/server/context";
import { execute } from "@/server/db/execute";
import { GroupedSends } from "@/server/db/grouped-sends";
import { logger } from "@/server/logger";
import type { ScopeLike } from "@/server/db/scope";
import { sql, type Sql } from "@/server/db/sql";
import { decimalOf } from "@/server/ledger/decimal";

const DB_NOW = sql`(clock_timestamp() AT TIME ZONE 'UTC')`;

/** Added to the call's timeout for its row's lifetime (its usage row may commit a little after the call), as for its budget reservation. */
export const CALL_IN_FLIGHT_MARGIN_MS = 5 * 60_000;

/** The lost row's error text: what happened, and how its figures were obtained. */
export const LOST_CALL_ERROR =
  "The process making this call died before it recorded the call's usage: the provider may have billed it, so its usage is estimated at the worst case (the prompt and the full output limit)";

export interface CallInFlightInput {
  /** the id of the call's usage row (server/ledger/record.ts `UsageInput.id`) */
  id: string;
  runId?: string;
  stepId?: string;
  agentId?: string;
  modelRef?: string;
  modelName: string;
  providerKind: string;
  /** the worst case: the prompt's tokens and the full output limit, and their cost */
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  /** how long the call may take (its timeout): the row expires CALL_IN_FLIGHT_MARGIN_MS after that */
  timeoutMs: number;
}

function callInFlightSql(ctx: TenantContext, call: CallInFlightInput): Sql {
  const ttlSeconds = Math.ceil((Math.max(0, call.timeoutMs) + CALL_IN_FLIGHT_MARGIN_MS) / 1000);
  const cost = Number.isFinite(call.costUsd) && call.costUsd > 0 ? decimalOf(call.costUsd).toDecimalPlaces(10).toFixed() : "0";
  const actorId = ctx.actor.type === "user" ? ctx.actor.userId : ctx.actor.keyId;
  // not once the call's usage row is there (the call ended before this row arrived: nothing is in flight any more)
  return sql`INSERT INTO "ModelCallInFlight" ("id", "workspaceId", "runId", "stepId", "agentId", "modelRef", "modelName", "providerKind",
      "inputTokens", "outputTokens", "costUsd", "actorType", "actorId", "startedAt", "expiresAt")
      SELECT ${call.id}, ${ctx.workspaceId}, ${call.runId ?? null}, ${call.stepId ?? null}, ${call.agentId ?? null}, ${call.modelRef ?? null},
        ${call.modelName}, ${call.providerKind}, ${count(call.inputTokens)}, ${count(call.outputTokens)}, ${cost}::numeric,
        ${ctx.actor.type}, ${actorId}, ${DB_NOW}, ${DB_NOW} + make_interval(secs => ${ttlSeconds})
      WHERE NOT EXISTS (SELECT 1 FROM "UsageRecord" u WHERE u."id" = ${call.id})`;
}

/** Writes the call's row now and waits for its commit. */
export async function recordCallInFlight(ctx: TenantContext, call: CallInFlightInput): Promise<void> {
  await execute(ctx, callInFlightSql(ctx, call));
}

/** Per workspace: the rows of calls starting while one is being written go together (server/db/grouped-sends.ts). */
const senders = new Map<string, GroupedSends>();
const MAX_SENDERS = 1_000;

/**
 * Sends the call's row as the call starts (see above): resolves once it has committed, or once writing it failed
 * (logged; never rejects). Nothing needs to wait for it.
 */
export function sendCallInFlight(ctx: TenantContext, call: CallInFlightInput): Promise<void> {
  let sender = senders.get(ctx.workspaceId);
  if (!sender) {
    if (senders.size >= MAX_SENDERS) senders.clear(); // a batch in flight keeps its sender alive
    sender = new GroupedSends({ workspaceId: ctx.workspaceId });
    senders.set(ctx.workspaceId, sender);
  }
  return sender.send(callInFlightSql(ctx, call)).catch((error: unknown) => {
    logger.warn({ workspaceId: ctx.workspaceId, runId: call.runId, error: (error as Error).message }, "a model call's row in flight could not be written");
  });
}

/** The CTE of the call's usage row that deletes its row in flight (`WITH <this> INSERT ...`). */
export function landedSql(id: string): Sql {
  return sql`landed AS (DELETE FROM "ModelCallInFlight" WHERE "id" = ${id})`;
}

/**
 * Two CTEs (`lost`, `lost_usage`) that turn the rows in flight matched by `where` (over `f`, with `using` joined in)
 * into their usage rows; `lost_usage` returns the ids written.
 */
export function lostCallsCtes(match: { using?: Sql; where: Sql }): Sql {
  return sql`lost AS (
      DELETE FROM "ModelCallInFlight" f ${match.using ? sql`USING ${match.using} ` : sql.empty}WHERE ${match.where} RETURNING f.*
    ), lost_usage AS (
      INSERT INTO "UsageRecord" ("id", "workspaceId", "runId", "stepId", "agentId", "modelRef", "modelName", "providerKind",
        "inputTokens", "outputTokens", "costUsd", "estimated", "latencyMs", "outcome", "error", "actorType", "actorId", "createdAt")
      SELECT lost."id", lost."workspaceId", lost."runId", lost."stepId", lost."agentId", lost."modelRef", lost."modelName", lost."providerKind",
        lost."inputTokens", lost."outputTokens", lost."costUsd", true, 0, 'lost', ${LOST_CALL_ERROR}, lost."actorType", lost."actorId", lost."startedAt"
      FROM lost
      ON CONFLICT ("id") DO NOTHING
      RETURNING "id"
    )`;
}

/**
 * The CTEs for one run's rows in flight that have expired: an execution that starts without a claim (under Inngest,
 * where several invocations of one run may be alive at once) takes only those.
 */
export function expiredLostCallsOfRun(run: { workspaceId: string; runId: string }): Sql {
  return lostCallsCtes({ where: sql`f."workspaceId" = ${run.workspaceId} AND f."runId" = ${run.runId} AND f."expiresAt" <= ${DB_NOW}` });
}

/**
 * Turns the expired rows in flight (of one workspace, or of every one on a privileged scope) into their lost usage
 * rows, in one statement. How many it wrote.
 */
export async function recordLostCalls(scope: ScopeLike, options: { workspaceId?: string } = {}): Promise<number> {
  const ws = options.workspaceId;
  const { rows } = await execute<{ n: number }>(
    scope,
    sql`WITH ${lostCallsCtes({ where: sql`f."expiresAt" <= ${DB_NOW}${ws ? sql` AND f."workspaceId" = ${ws}` : sql.empty}` })}
      SELECT COUNT(*)::int AS n FROM lost_usage`,
  );
  return Number(rows[0]?.n ?? 0);
}

function count(value: number): number {
  return Number.isFinite(value) && value > 0 ? Math.round(value) : 0;
}
