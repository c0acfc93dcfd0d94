/**
 * Budgets as reservations: before a model or embedding call, its worst-case estimate is reserved in the database,
 * so that calls in flight (in this process or any other) count against the limits before their cost is known.
 *
 * Reservations are leased (like a quota server's grants): a process reserves, in one statement, what its calls in
 * flight need plus some headroom (a lease: one BudgetReservation row), and reserves its next calls from that lease
 * in memory, without a round trip, until it runs out, nears its expiry or the limits change; then it takes a new
 * lease in one statement, which renews the lease's row in place. The database always holds, for each lease, at least
 * what its calls in flight may still cost, so the bound below holds for any number of processes.
 *
 * - Lease key: the workspace when only the monthly limit applies (every run of the process shares it), the run when
 *   a run limit applies (that lease counts against the month too).
 * - Taking a lease is one message: a transaction-scoped advisory lock per workspace (the workspace's lease-takers
 *   serialise), the deletion of the workspace's expired reservations, and one statement that reads the Budget row,
 *   sums the month's spend (with a monthly limit) and the run's spend (with a run limit), each plus the open
 *   reservations they cover other than the lease being renewed, and writes the lease's row only if what this
 *   process's calls need (those in flight plus the new one) fits both limits (exactly reaching a limit is allowed).
 *   The lease is granted that need plus headroom: at most EXTRA_CALLS more calls' worth, an eighth of what is left of
 *   the month and a quarter of what is left of the run, so that near a limit a lease holds just what it needs and
 *   other processes find the rest. The row keeps its id across renewals, so a usage row always settles the row its
 *   call was reserved from. It refuses with BUDGET_EXCEEDED otherwise (the lease stays: its calls are still in
 *   flight).
 * - A call's usage row settles it: `settleSql` is a CTE of the usage row's INSERT (server/ledger/record.ts) that
 *   takes the call's cost off its lease, so the spend is counted exactly once at every moment, also while the run
 *   engine's batch with that row waits to commit. A call that ends without a usage row hands its estimate back to
 *   the lease (in memory).
 * - A lease expires (`expiresAt`: LEASE_TTL_MS, or longer for a long call): a crashed process's leases stop counting
 *   then and are deleted by the workspace's next lease, which also turns the workspace's expired calls in flight
 *   (./calls-in-flight.ts) into their estimated `lost` usage rows before it sums the spend: a call that a dead process
 *   may have been billed for counts again, at its estimate. A call is reserved from a lease only while the lease
 *   outlives the call's timeout plus RESERVATION_MARGIN_MS.
 * - Fast path: with neither a monthly limit (the Budget row is read through the short-lived per-process cache,
 *   server/ledger/budget-cache.ts) nor a run limit, nothing is reserved and no database is read.
 *
 * The bound: with each call's cost at most its reserved estimate, a run's (and a month's) spend never passes the
 * limit, whatever the fan-out and the number of processes; a call whose provider reports more tokens than estimated
 * can pass it by its own excess only. The price of leasing: near a limit, another process's unused headroom (at most
 * an eighth of the month's rest per lease) can refuse a call that one reservation per call would have let through,
 * until that lease is used, renewed or expires.
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
import { lostCallsCtes } from "@/server/ledger/calls-in-flight";

/** Added to the call's timeout for a reservation's lifetime (the usage row may commit a little after the call). */
export const RESERVATION_MARGIN_MS = 5 * 60_000;
/** A lease's lifetime (longer when a call needs it): how long a dead process's headroom can stay reserved. */
export const LEASE_TTL_MS = 15 * 60_000;
/** A lease's headroom beyond what it needs: at most this many calls like the one that took it. */
export const EXTRA_CALLS = 100;
const MONTH_SHARE = 8;
const RUN_SHARE = 4;

/** One call's part of a lease. */
export interface BudgetReservation {
  /** the lease's row, which the call's usage row settles (one row per lease key and process, renewed in place) */
  id: string;
  /** the call's estimate */
  amountUsd: number;
  readonly lease: Lease;
  done: boolean;
}

interface Lease {
  key: string;
  id: string | null;
  /** what the lease's row holds, as this process knows it: granted, minus the costs settled against it */
  amount: Decimal;
  /** the estimates of its calls not settled or handed back yet */
  inflight: Decimal;
  expiresAtMs: number;
  /** the limits it was granted under (another limit takes a new lease) */
  monthLimit: Decimal | null;
  runLimit: Decimal | null;
  /** leases are taken one at a time per key */
  queue: Promise<unknown>;
}

export interface ReserveInput {
  runId?: string;
  /** the call's worst-case cost; a function is called only when a limit applies (it may tokenize the prompt) */
  estimateUsd: number | (() => number);
  /** the run's limit; else the workspace's perRunLimitUsd */
  runLimitUsd?: number;
  /** how long the call may take (its timeout); it is reserved for this long plus RESERVATION_MARGIN_MS */
  ttlMs: number;
}

const DB_NOW = sql`(clock_timestamp() AT TIME ZONE 'UTC')`;

interface LeaseRow extends Record<string, unknown> {
  month_limit: string | null;
  month_spent: string | null;
  run_limit: string | null;
  run_spent: string | null;
  granted: string | null;
}

const globalForLeases = globalThis as unknown as { cadreBudgetLeases?: Map<string, Lease> };
const leases = (): Map<string, Lease> => (globalForLeases.cadreBudgetLeases ??= new Map());

/**
 * The run's execution in this process ended: its lease (with a run limit) goes, and its row unless a call of it is
 * still in flight (then the row expires on its own). Not awaited by the caller; a failure leaves the row to expiry.
 */
export async function releaseRunLease(ctx: { workspaceId: string }, runId: string): Promise<void> {
  const key = `${ctx.workspaceId}:${runId}`;
  const lease = leases().get(key);
  if (!lease) return;
  leases().delete(key);
  if (lease.id === null || !lease.inflight.isZero()) return;
  try {
    await execute(ctx, sql`DELETE FROM "BudgetReservation" WHERE "id" = ${lease.id}`);
  } catch {
    // expires on its own
  }
}

/** Forgets this process's leases (tests; their rows expire on their own). */
export function forgetBudgetLeases(): void {
  leases().clear();
}

/**
 * Reserves the call's worst-case estimate against the workspace's monthly limit and the run's limit, or refuses
 * (BUDGET_EXCEEDED, details as assertWithinBudget's). Null when no limit applies or the call is free (nothing
 * reserved, nothing to settle).
 */
export async function reserveBudget(ctx: TenantContext, input: ReserveInput): Promise<BudgetReservation | null> {
  const runLimitIn = input.runLimitUsd != null && Number.isFinite(input.runLimitUsd) ? decimalOf(Math.max(0, input.runLimitUsd)) : null;
  const budget = await cachedBudget(ctx.workspaceId);
  const runLimit = input.runId ? (runLimitIn ?? budget?.perRunLimitUsd ?? null) : null;
  const monthLimit = budget?.monthlyLimitUsd ?? null;
  if (monthLimit === null && runLimit === null) return null;
  const estimateUsd = typeof input.estimateUsd === "function" ? input.estimateUsd() : input.estimateUsd;
  const estimate = Number.isFinite(estimateUsd) && estimateUsd > 0 ? decimalOf(estimateUsd).toDecimalPlaces(10) : new Decimal(0);
  if (estimate.isZero()) return null;

  const runId = runLimit !== null ? (input.runId ?? null) : null;
  const key = `${ctx.workspaceId}:${runId ?? ""}`;
  const all = leases();
  let lease = all.get(key);
  if (!lease) {
    lease = { key, id: null, amount: new Decimal(0), inflight: new Decimal(0), expiresAtMs: 0, monthLimit: null, runLimit: null, queue: Promise.resolve() };
    all.set(key, lease);
  }
  const held = lease;
  const callTtlMs = Math.max(0, input.ttlMs) + RESERVATION_MARGIN_MS;
  const fits = () =>
    held.id !== null &&
    held.expiresAtMs - Date.now() >= callTtlMs &&
    sameLimit(held.monthLimit, monthLimit) &&
    sameLimit(held.runLimit, runLimit) &&
    held.inflight.plus(estimate).lte(held.amount);
  const take = (): BudgetReservation => {
    held.inflight = held.inflight.plus(estimate);
    return { id: held.id!, amountUsd: estimate.toNumber(), lease: held, done: false };
  };
  // the fast path: from the lease in memory
  if (fits()) return take();
  const turn = held.queue.then(async () => {
    if (fits()) return take();
    await renewLease(ctx, held, { runId, estimate, runLimitIn, callTtlMs });
    return take();
  });
  held.queue = turn.catch(() => undefined);
  return turn;
}

/** Renews `lease` (its row, in place) to cover its calls in flight and this one, or refuses (see above). */
async function renewLease(
  ctx: TenantContext,
  lease: Lease,
  call: { runId: string | null; estimate: Decimal; runLimitIn: Decimal | null; callTtlMs: number },
): Promise<void> {
  const ws = ctx.workspaceId;
  const { runId, estimate } = call;
  const id = lease.id ?? newId("bres");
  const need = lease.inflight.plus(estimate);
  const ttlMs = Math.max(LEASE_TTL_MS, call.callTtlMs);
  const ttlSeconds = Math.ceil(ttlMs / 1000);
  const expiresAtMs = Date.now() + ttlMs;
  const needSql = sql`${need.toFixed()}::numeric`;
  const runLimit = call.runLimitIn ? sql`${call.runLimitIn.toFixed()}::numeric` : sql`(SELECT "perRunLimitUsd" FROM "Budget" WHERE "workspaceId" = ${ws})`;
  const statements: Sql[] = [
    // the statements below take their snapshots after this lock: every lease and usage row committed by the
    // previous holder is seen
    sql`SELECT 1 AS locked FROM (SELECT pg_advisory_xact_lock(hashtext(${`cadre:budget:${ws}`}))) AS l`,
    sql`DELETE FROM "BudgetReservation" WHERE "workspaceId" = ${ws} AND "expiresAt" <= ${DB_NOW} AND "id" <> ${id}`,
    // the workspace's calls left in flight by dead processes: their estimated usage rows, counted in the sums below
    sql`WITH ${lostCallsCtes({ where: sql`f."workspaceId" = ${ws} AND f."expiresAt" <= ${DB_NOW}` })} SELECT COUNT(*)::int AS lost FROM lost_usage`,
    sql`WITH lim AS (
      SELECT (SELECT "monthlyLimitUsd" FROM "Budget" WHERE "workspaceId" = ${ws}) AS month_limit,
        ${runId === null ? sql`NULL::numeric` : runLimit} AS run_limit
    ), spent AS (
      SELECT lim.month_limit, lim.run_limit,
        CASE WHEN lim.month_limit IS NULL THEN NULL ELSE
          (SELECT COALESCE(SUM("costUsd"), 0) FROM "UsageRecord" WHERE "workspaceId" = ${ws} AND "createdAt" >= ${startOfUtcMonth()})
          + (SELECT COALESCE(SUM("amountUsd"), 0) FROM "BudgetReservation" WHERE "workspaceId" = ${ws} AND "expiresAt" > ${DB_NOW} AND "id" <> ${id})
        END AS month_spent,
        CASE WHEN lim.run_limit IS NULL THEN NULL ELSE
          (SELECT COALESCE(SUM("costUsd"), 0) FROM "UsageRecord" WHERE "workspaceId" = ${ws} AND "runId" = ${runId})
          + (SELECT COALESCE(SUM("amountUsd"), 0) FROM "BudgetReservation" WHERE "workspaceId" = ${ws} AND "runId" = ${runId} AND "expiresAt" > ${DB_NOW} AND "id" <> ${id})
        END AS run_spent
      FROM lim
    ), grant_ AS (
      SELECT spent.*, ${needSql} + GREATEST(0, LEAST(${estimate.mul(EXTRA_CALLS).toFixed()}::numeric,
          (spent.month_limit - spent.month_spent - ${needSql}) / ${MONTH_SHARE}, (spent.run_limit - spent.run_spent - ${needSql}) / ${RUN_SHARE})) AS amount
      FROM spent
      WHERE (spent.month_limit IS NULL OR spent.month_spent + ${needSql} <= spent.month_limit)
        AND (spent.run_limit IS NULL OR spent.run_spent + ${needSql} <= spent.run_limit)
    ), ins AS (
      INSERT INTO "BudgetReservation" ("id", "workspaceId", "runId", "amountUsd", "expiresAt", "createdAt")
      SELECT ${id}, ${ws}, ${runId}, round(grant_.amount, 10), ${DB_NOW} + make_interval(secs => ${ttlSeconds}), ${DB_NOW} FROM grant_
      ON CONFLICT ("id") DO UPDATE SET "amountUsd" = EXCLUDED."amountUsd", "expiresAt" = EXCLUDED."expiresAt"
      RETURNING "amountUsd"
    )
    SELECT month_limit::text, month_spent::text, run_limit::text, run_spent::text, (SELECT "amountUsd"::text FROM ins) AS granted FROM spent`,
  ];
  const results = await executeBatch(ctx, statements);
  const row = results[3]?.rows[0] as LeaseRow | undefined;
  if (!row) throw new Error("budget lease: no result");
  const monthLimit = row.month_limit != null ? new Decimal(row.month_limit) : null;
  const runLimitOut = row.run_limit != null ? new Decimal(row.run_limit) : null;
  if (row.granted != null) {
    lease.id = id;
    lease.amount = new Decimal(row.granted);
    lease.expiresAtMs = expiresAtMs;
    lease.monthLimit = monthLimit;
    lease.runLimit = runLimitOut;
    return;
  }

  // refused: what this process's calls in flight hold counts as reserved in the message
  const monthSpent = new Decimal(row.month_spent ?? 0).plus(lease.inflight);
  if (monthLimit && monthSpent.plus(estimate).gt(monthLimit)) {
    throw new AppError(
      "BUDGET_EXCEEDED",
      `Monthly budget of ${usd(monthLimit)} would be exceeded: ${usd(monthSpent)} spent or reserved this month, this call may cost up to ${usd(estimate)}`,
      { limit: "monthly", limitUsd: monthLimit.toNumber(), spentUsd: monthSpent.toNumber(), estimateUsd: estimate.toNumber() },
    );
  }
  const runSpent = new Decimal(row.run_spent ?? 0).plus(lease.inflight);
  const limit = runLimitOut ?? new Decimal(0);
  throw new AppError(
    "BUDGET_EXCEEDED",
    `Run budget of ${usd(limit)} would be exceeded: ${usd(runSpent)} spent or reserved in this run, this call may cost up to ${usd(estimate)}`,
    { limit: "run", runId: runId ?? undefined, limitUsd: limit.toNumber(), spentUsd: runSpent.toNumber(), estimateUsd: estimate.toNumber() },
  );
}

function sameLimit(a: Decimal | null, b: Decimal | null): boolean {
  return a === null || b === null ? a === b : a.eq(b);
}

/** The CTE that settles a call inside its usage row's INSERT (`WITH <this> INSERT ...`): its cost comes off its lease. */
export function settleSql(reservation: BudgetReservation, costUsd: string): Sql {
  return sql`settled AS (UPDATE "BudgetReservation" SET "amountUsd" = GREATEST(0, "amountUsd" - ${costUsd}::numeric) WHERE "id" = ${reservation.id})`;
}

/**
 * The call's usage row was written (`cost` came off the lease's row) or failed to be (nothing changed in the
 * database): either way its estimate is no longer in flight.
 */
export function settleReservation(reservation: BudgetReservation, cost: Decimal | null): void {
  if (reservation.done) return;
  reservation.done = true;
  const lease = reservation.lease;
  lease.inflight = Decimal.max(0, lease.inflight.minus(reservation.amountUsd));
  // (a renewal computed before this settled kept the call's estimate in its grant: the database then holds more than
  // this process counts on until the next renewal, never less)
  if (cost) lease.amount = Decimal.max(0, lease.amount.minus(cost));
}

/** A call that was never made (no usage row): its estimate goes back to its lease. */
export async function releaseReservation(_ctx: TenantContext, reservation: BudgetReservation | null): Promise<void> {
  if (reservation) settleReservation(reservation, null);
}

function usd(amount: Decimal): string {
  return formatUsd(amount.toNumber());
}
