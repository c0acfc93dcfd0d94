/**
 * A run's cost has one source: the ledger (UsageRecord rows with the run's id). Every model call the gateway made for
 * the run has a row (failed, retried and interrupted attempts included, see docs/architecture.md "Delivery
 * semantics"), so the run's totals are the sums of its rows, and a step's cost and tokens are its share: the sums of
 * the rows with its step id. The statements that record a step read them here (the step's usage rows have committed
 * before its record is written: server/models/gateway.ts writeUsageRow); the step record and finish functions
 * (prisma/migrations/20261211_100_step_statement_functions, 20261222_100 and _200) read them the same way.
 */
import { sql, type Sql } from "@/server/db/sql";

/**
 * A CTE body (one row) with the run's ledger totals `calls` (rows), `i`, `o`, `c` (input tokens, output tokens, cost), its
 * sub-runs' totals `ki`, `ko`, `kc` and, when `stepId` is given, the step's share `scalls`, `si`, `so`, `sc`. One scan of
 * the run's rows, by the (workspaceId, runId) index, and one of its sub-runs, by the (parentRunId, parentStepId) index.
 */
export function ledgerTotalsSql(runId: string, stepId?: string): Sql {
  const share = stepId
    ? sql`, COUNT(*) FILTER (WHERE u."stepId" = ${stepId})::int AS scalls, COALESCE(SUM(u."inputTokens") FILTER (WHERE u."stepId" = ${stepId}), 0)::int AS si,
        COALESCE(SUM(u."outputTokens") FILTER (WHERE u."stepId" = ${stepId}), 0)::int AS so,
        COALESCE(SUM(u."costUsd") FILTER (WHERE u."stepId" = ${stepId}), 0) AS sc`
    : sql.empty;
  return sql`SELECT l.*, k.* FROM (
      SELECT COUNT(*)::int AS calls, COALESCE(SUM(u."inputTokens"), 0)::int AS i, COALESCE(SUM(u."outputTokens"), 0)::int AS o, COALESCE(SUM(u."costUsd"), 0) AS c${share}
      FROM "UsageRecord" u WHERE u."workspaceId" = (SELECT "workspaceId" FROM "Run" WHERE id = ${runId}) AND u."runId" = ${runId}) l, (
      SELECT COALESCE(SUM(s."inputTokens"), 0)::int AS ki, COALESCE(SUM(s."outputTokens"), 0)::int AS ko, COALESCE(SUM(s."costUsd"), 0) AS kc
      FROM "Run" s WHERE s."parentRunId" = ${runId}) k`;
}

const int = (n: number) => (Number.isFinite(n) && n > 0 ? Math.round(n) : 0);

/** A step's tokens and cost: its ledger share (`u` of ledgerTotalsSql), else (no row at all) the figures given. */
export function stepFiguresSql(r: { inputTokens: number; outputTokens: number; costUsd: number }): Sql {
  return sql`"inputTokens" = CASE WHEN u.scalls > 0 THEN u.si ELSE ${int(r.inputTokens)} END,
         "outputTokens" = CASE WHEN u.scalls > 0 THEN u.so ELSE ${int(r.outputTokens)} END,
         "costUsd" = CASE WHEN u.scalls > 0 THEN u.sc ELSE ${sql.numeric(r.costUsd)} END`;
}

/**
 * The run's running totals as its finish counts them: with ledger rows (`u` of ledgerTotalsSql), the ledger's plus its
 * sub-runs', never lower than shown before; with none, what its steps recorded so far plus this one. (The larger of the
 * ledger and the previous total plus the step counted twice every step whose rows had landed before an earlier step's
 * record, as in a parallel team: migration 20261222_300_run_progress_from_ledger.)
 */
export function runFiguresSql(r: { inputTokens: number; outputTokens: number; costUsd: number }): Sql {
  return sql`"inputTokens" = CASE WHEN u.calls > 0 THEN GREATEST("Run"."inputTokens", u.i + u.ki) ELSE "Run"."inputTokens" + ${int(r.inputTokens)} END,
         "outputTokens" = CASE WHEN u.calls > 0 THEN GREATEST("Run"."outputTokens", u.o + u.ko) ELSE "Run"."outputTokens" + ${int(r.outputTokens)} END,
         "costUsd" = CASE WHEN u.calls > 0 THEN GREATEST("Run"."costUsd", u.c + u.kc) ELSE "Run"."costUsd" + ${sql.numeric(r.costUsd)} END`;
}
