/**
 * Budgets as reservations: before a model or embedding call, its worst-case estimate is reserved in the database,
 * so that calls in flight (in this process or any other) count against the limits before their cost is known.
 *
 * - `reserveBudget` runs one transaction (one message): a transaction-scoped advisory lock per workspace (so
 *   concurrent reservers of a workspace serialise), the deletion of the workspace's expired reservations, and one
 *   statement that reads the Budget row, sums the month's spend (with a monthly limit) and the run's spend (with a
 *   run limit), each plus the open reservations they cover, and inserts the reservation only if the estimate fits
 *   both limits (spent + reserved + estimate == limit is allowed). It refuses with BUDGET_EXCEEDED otherwise.
 * - The reservation is settled by the call's usage row: `settleSql` is a CTE that deletes it in the usage row's
 *   INSERT statement (server/ledger/record.ts), so the spend is counted exactly once at every moment, also while
 *   the run engine's batch with that row waits to commit. A call that ends without a usage row releases it.
 * - A reservation expires (`expiresAt`: the call's timeout plus a margin): a crashed process's reservations stop
 *   counting then and are deleted by the workspace's next reservation.
 * - Fast path: with neither a monthly limit (the Budget row is read through the short-lived per-process cache,
 *   server/ledger/budget-cache.ts) nor a run limit, nothing is reserved and no database is read.
 *
 * The bound: with each call's cost at most its reserved estimate, a run's (and a month's) spend never passes the
 * limit, whatever the fan-out and the number of processes; a call whose provider reports more tokens than estimated
 * can pass it by its own excess only.
 */
import { AppError } from "@/lib/errors";
import { newId } from "@/lib/ids";
import { formatUsd } from "@/lib/usd";
import type { TenantContext } from "@/server/context";
import { execute, executeBatch } from "@/server/db/execute";
import { sql, type Sql } from "@/server/db/sql";
import { cachedBudget } from "@/server/ledger/budget-cache";
import { Decimal, decimalOf } from "@/server/ledger/decimal";
import { startOfUtcMonth } from "@/server/ledger/reports";

/** Added to the call's timeout for a reservation's lifetime (the usage row may commit a little after the call). */
export const RESERVATION_MARGIN_MS = 5 * 60_000;

export interface BudgetReservation {
  id: string;
  amountUsd: number;
}

export interface ReserveInput {
  runId?: string;
  /** the call's worst-case cost; a function is called only when a limit applies (it may tokenize the prompt) */
  estimateUsd: number | (() => number);
  /** the run's limit; else the workspace's perRunLimitUsd */
  runLimitUsd?: number;
  /** how long the call may take (its timeout); the reservation lives this long plus RESERVATION_MARGIN_MS */
  ttlMs: number;
}

const DB_NOW = sql`(clock_timestamp() AT TIME ZONE 'UTC')`;

interface ReserveRow extends Record<string, unknown> {
  month_limit: string | null;
  month_spent: string | null;
  run_limit: string | null;
  run_spent: string | null;
  reserved: boolean | string;
}

/**
 * Reserves the call's worst-case estimate against the workspace's monthly limit and the run's limit, or refuses
 * (BUDGET_EXCEEDED, details as assertWithinBudget's). Null when no limit applies (nothing reserved, nothing to
 * settle).
 */
export async function reserveBudget(ctx: TenantContext, input: ReserveInput): Promise<BudgetReservation | null> {
  const runLimitIn = input.runLimitUsd != null && Number.isFinite(input.runLimitUsd) ? decimalOf(Math.max(0, input.runLimitUsd)) : null;
  const budget = await cachedBudget(ctx.workspaceId);
  const runLimited = Boolean(input.runId) && (runLimitIn !== null || budget?.perRunLimitUsd != null);
  if (budget?.monthlyLimitUsd == null && !runLimited) return null;
  const estimateUsd = typeof input.estimateUsd === "function" ? input.estimateUsd() : input.estimateUsd;
  const estimate = Number.isFinite(estimateUsd) && estimateUsd > 0 ? decimalOf(estimateUsd).toDecimalPlaces(10) : new Decimal(0);

  const ws = ctx.workspaceId;
  const runId = input.runId ?? null;
  const id = newId("bres");
  const ttlSeconds = Math.max(1, Math.ceil((Math.max(0, input.ttlMs) + RESERVATION_MARGIN_MS) / 1000));
  const amount = sql`${estimate.toFixed()}::numeric`;
  const runLimit = runLimitIn ? sql`${runLimitIn.toFixed()}::numeric` : sql`(SELECT "perRunLimitUsd" FROM "Budget" WHERE "workspaceId" = ${ws})`;
  const statements: Sql[] = [
    // the statements below take their snapshots after this lock: every reservation and usage row committed by the
    // previous holder is seen
    sql`SELECT 1 AS locked FROM (SELECT pg_advisory_xact_lock(hashtext(${`cadre:budget:${ws}`}))) AS l`,
    sql`DELETE FROM "BudgetReservation" WHERE "workspaceId" = ${ws} AND "expiresAt" <= ${DB_NOW}`,
    sql`WITH lim AS (
      SELECT (SELECT "monthlyLimitUsd" FROM "Budget" WHERE "workspaceId" = ${ws}) AS month_limit,
        ${runId === null ? sql`NULL::numeric` : runLimit} AS run_limit
    ), spent AS (
      SELECT lim.month_limit, lim.run_limit,
        CASE WHEN lim.month_limit IS NULL THEN NULL ELSE
          (SELECT COALESCE(SUM("costUsd"), 0) FROM "UsageRecord" WHERE "workspaceId" = ${ws} AND "createdAt" >= ${startOfUtcMonth()})
          + (SELECT COALESCE(SUM("amountUsd"), 0) FROM "BudgetReservation" WHERE "workspaceId" = ${ws} AND "expiresAt" > ${DB_NOW})
        END AS month_spent,
        CASE WHEN lim.run_limit IS NULL THEN NULL ELSE
          (SELECT COALESCE(SUM("costUsd"), 0) FROM "UsageRecord" WHERE "workspaceId" = ${ws} AND "runId" = ${runId})
          + (SELECT COALESCE(SUM("amountUsd"), 0) FROM "BudgetReservation" WHERE "workspaceId" = ${ws} AND "runId" = ${runId} AND "expiresAt" > ${DB_NOW})
        END AS run_spent
      FROM lim
    ), ins AS (
      INSERT INTO "BudgetReservation" ("id", "workspaceId", "runId", "amountUsd", "expiresAt", "createdAt")
      SELECT ${id}, ${ws}, ${runId}, ${amount}, ${DB_NOW} + make_interval(secs => ${ttlSeconds}), ${DB_NOW} FROM spent
      WHERE (spent.month_limit IS NULL OR spent.month_spent + ${amount} <= spent.month_limit)
        AND (spent.run_limit IS NULL OR spent.run_spent + ${amount} <= spent.run_limit)
      RETURNING "id"
    )
    SELECT month_limit::text, month_spent::text, run_limit::text, run_spent::text, EXISTS (SELECT 1 FROM ins) AS reserved FROM spent`,
  ];
  const results = await executeBatch(ctx, statements);
  const row = results[2]?.rows[0] as ReserveRow | undefined;
  if (!row) throw new Error("budget reservation: no result");
  if (row.reserved === true || row.reserved === "t") return { id, amountUsd: estimate.toNumber() };

  const monthLimit = row.month_limit != null ? new Decimal(row.month_limit) : null;
  const monthSpent = new Decimal(row.month_spent ?? 0);
  if (monthLimit && monthSpent.plus(estimate).gt(monthLimit)) {
    throw new AppError(
      "BUDGET_EXCEEDED",
      `Monthly budget of ${usd(monthLimit)} would be exceeded: ${usd(monthSpent)} spent or reserved this month, this call may cost up to ${usd(estimate)}`,
      { limit: "monthly", limitUsd: monthLimit.toNumber(), spentUsd: monthSpent.toNumber(), estimateUsd: estimate.toNumber() },
    );
  }
  const runLimitOut = new Decimal(row.run_limit ?? 0);
  const runSpent = new Decimal(row.run_spent ?? 0);
  throw new AppError(
    "BUDGET_EXCEEDED",
    `Run budget of ${usd(runLimitOut)} would be exceeded: ${usd(runSpent)} spent or reserved in this run, this call may cost up to ${usd(estimate)}`,
    { limit: "run", runId: input.runId, limitUsd: runLimitOut.toNumber(), spentUsd: runSpent.toNumber(), estimateUsd: estimate.toNumber() },
  );
}

/** The CTE that settles a reservation inside the usage row's INSERT (`WITH <this> INSERT ...`). */
export function settleSql(reservationId: string): Sql {
  return sql`settled AS (DELETE FROM "BudgetReservation" WHERE "id" = ${reservationId})`;
}

/** Drops a reservation whose call wrote no usage row (it was never made); a failure is left to the expiry. */
export async function releaseReservation(ctx: TenantContext, reservation: BudgetReservation | null): Promise<void> {
  if (!reservation) return;
  try {
    await execute(ctx, sql`DELETE FROM "BudgetReservation" WHERE "id" = ${reservation.id}`);
  } catch {
    // expires on its own
  }
}

function usd(amount: Decimal): string {
  return formatUsd(amount.toNumber());
}
