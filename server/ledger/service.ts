/**
 * The cost ledger and budgets. Every model call writes a UsageRecord (also refused and failed calls);
 * totals and breakdowns are summed in the database (numeric, exact) and converted to numbers at the end.
 * Budgets (a monthly limit per workspace, a limit per run) are checked before each call with its
 * worst-case estimate: reaching a limit exactly is allowed, crossing it is refused.
 *
 * The check is on every model call's path, so it reads no database in the common case (see "Per-process budget
 * state" below): the Budget row and the spends it compares against are kept in this process for a short TTL
 * (2 s), and `recordUsage` adds every cost it writes to them. One process is exact; several converge within the TTL.
 */
import { db } from "@/server/db/client";
import { execute } from "@/server/db/execute";
import { sql, type Sql } from "@/server/db/sql";
import { keysetOrderBy, keysetWhere, pageByCreatedAt } from "@/server/db/cursor";
import { Prisma } from "@/server/db/generated/client";
import { newId } from "@/lib/ids";
import { AppError } from "@/lib/errors";
import { formatUsd } from "@/lib/usd";
import type { TenantContext } from "@/server/context";
import { recordAudit } from "@/server/audit/service";
import {
  updateBudgetInputSchema,
  type BudgetOut,
  type BudgetStatus,
  type ListUsageInput,
  type UpdateBudgetInput,
  type UsageFilters,
  type UsageRecordOut,
  type UsageTotals,
} from "@/lib/schemas/usage";

const Decimal = Prisma.Decimal;
type Decimal = Prisma.Decimal;

// ---------------------------------------------------------------------------------------------------
// Contract (called by the gateway)

/** answer_invalid: a transport success whose answer failed (cut at maxOutputTokens, not the JSON asked for) */
export type UsageOutcome = "ok" | "error" | "timeout" | "refused" | "answer_invalid";

export interface UsageInput {
  runId?: string;
  stepId?: string;
  agentId?: string;
  /** catalog Model.id */
  modelRef?: string;
  /** provider model id, e.g. "gpt-4o-mini" */
  modelName: string;
  /** ProviderKind */
  providerKind: string;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  latencyMs: number;
  outcome: UsageOutcome;
  error?: string;
}

/** The database keeps costs with 10 decimals. */
const COST_DECIMALS = 10;
const MAX_ERROR_LENGTH = 2000;

/** USD for a call; prices are per million tokens. Computed in decimal, rounded to the ledger's 10 places. */
export function costOf(prices: { inputPrice: number; outputPrice: number }, inputTokens: number, outputTokens: number): number {
  const cost = new Decimal(safeCount(inputTokens))
    .mul(decimalOf(prices.inputPrice))
    .plus(new Decimal(safeCount(outputTokens)).mul(decimalOf(prices.outputPrice)))
    .div(1_000_000);
  return cost.toDecimalPlaces(COST_DECIMALS).toNumber();
}

const INSERT_USAGE = sql`INSERT INTO "UsageRecord" ("id", "workspaceId", "runId", "stepId", "agentId", "modelRef", "modelName",
  "providerKind", "inputTokens", "outputTokens", "costUsd", "latencyMs", "outcome", "error", "actorType", "actorId", "createdAt")`;

const globalForUsageClock = globalThis as unknown as { cadreLastUsageMs?: number };

/**
 * The time of a new usage row: now, but never the same millisecond as this process's previous row (a failed call
 * and the refusal of the next model can come within one millisecond), so that the rows of one process sort in the
 * order of their calls.
 */
function nextUsageTime(): Date {
  const now = Date.now();
  const last = globalForUsageClock.cadreLastUsageMs ?? 0;
  // only a tie (or a few ms of clock jitter) moves a row on; a clock set back further is followed as it is
  const ms = last >= now && last - now < 1_000 ? last + 1 : now;
  globalForUsageClock.cadreLastUsageMs = ms;
  return new Date(ms);
}

/** A usage row ready to be written: its INSERT, and `track`, which the writer calls with the write's promise. */
export interface PreparedUsage {
  /** one INSERT statement (no RETURNING) */
  readonly sql: Sql;
  /**
   * Registers the write of `sql` (sent alone or inside a caller's batch): budget checks of this process count the
   * cost from now on (a spend load waits for the write), and a failed write drops the counters it touched so they
   * are reloaded from the database. Resolves when the write settled; never rejects.
   */
  track(write: Promise<unknown>): Promise<void>;
}

/**
 * Builds one usage record (it records what happened, so it never refuses for budget reasons: the check is
 * assertWithinBudget, before the call); nonsensical numbers (negative, NaN) are stored as 0. The run engine sends
 * it in its own ordered batch of writes (`GenerateRequest.writeUsage`); `recordUsage` sends it alone.
 */
export function prepareUsage(ctx: TenantContext, input: UsageInput): PreparedUsage {
  const cost = Number.isFinite(input.costUsd) && input.costUsd > 0 ? decimalOf(input.costUsd).toDecimalPlaces(COST_DECIMALS) : new Decimal(0);
  const createdAt = nextUsageTime();
  const runId = input.runId ?? null;
  const writes = writesOf(ctx.workspaceId);
  // a spend load that overlaps this write (from here on) is not kept: the row may or may not be in its sum
  writes.started++;
  const row = {
    id: newId("use"),
    stepId: input.stepId ?? null,
    agentId: input.agentId ?? null,
    modelRef: input.modelRef ?? null,
    error: input.error ? input.error.slice(0, MAX_ERROR_LENGTH) : null,
    actorId: ctx.actor.type === "user" ? ctx.actor.userId : ctx.actor.keyId,
  };
  // One plain INSERT, no RETURNING, on the pool under Prisma (Prisma's own work per query would double its cost on
  // every model call's path), as one simple-protocol message (server/db/sql.ts); money as exact decimal text, the
  // time as a UTC timestamp literal like every other timestamp(3) column.
  return {
    sql: sql`${INSERT_USAGE} VALUES (${row.id}, ${ctx.workspaceId}, ${runId}, ${row.stepId}, ${row.agentId},
      ${row.modelRef}, ${input.modelName}, ${input.providerKind}, ${safeCount(input.inputTokens)}, ${safeCount(input.outputTokens)},
      ${cost.toFixed()}::numeric, ${safeCount(input.latencyMs)}, ${input.outcome}, ${row.error}, ${ctx.actor.type}, ${row.actorId}, ${createdAt})`,
    async track(write) {
      writes.started++;
      writes.inflight.add(write);
      // counted at once, before the commit: the run engine's next call may be checked while this write is queued
      if (!cost.isZero()) addSpend(ctx.workspaceId, runId, cost, createdAt);
      try {
        await write;
      } catch {
        dropSpend(ctx.workspaceId, runId);
      } finally {
        writes.inflight.delete(write);
      }
    },
  };
}

/** Writes one usage record now (see prepareUsage); a failed write is thrown. */
export async function recordUsage(ctx: TenantContext, input: UsageInput): Promise<void> {
  const usage = prepareUsage(ctx, input);
  const write = execute(ctx, usage.sql);
  await usage.track(write);
  await write;
}

/**
 * Refuses (BUDGET_EXCEEDED) a call whose worst-case estimate would take the month's spend past the
 * workspace's monthly limit, or (with a runId) the run's spend past the run's limit: `runLimitUsd` when
 * given, else the workspace's perRunLimitUsd. Spent + estimate == limit is allowed.
 */
export async function assertWithinBudget(ctx: TenantContext, input: { runId?: string; estimateUsd: number; runLimitUsd?: number }): Promise<void> {
  const estimate = Number.isFinite(input.estimateUsd) && input.estimateUsd > 0 ? decimalOf(input.estimateUsd) : new Decimal(0);
  const budget = await cachedBudget(ctx.workspaceId);

  if (budget?.monthlyLimitUsd != null) {
    const limit = budget.monthlyLimitUsd;
    const spent = await cachedMonthSpend(ctx);
    if (spent.plus(estimate).gt(limit)) {
      throw new AppError(
        "BUDGET_EXCEEDED",
        `Monthly budget of ${usd(limit)} would be exceeded: ${usd(spent)} spent this month, this call may cost up to ${usd(estimate)}`,
        { limit: "monthly", limitUsd: limit.toNumber(), spentUsd: spent.toNumber(), estimateUsd: estimate.toNumber() },
      );
    }
  }

  if (input.runId) {
    const runLimit =
      input.runLimitUsd != null && Number.isFinite(input.runLimitUsd)
        ? decimalOf(Math.max(0, input.runLimitUsd))
        : budget?.perRunLimitUsd != null
          ? budget.perRunLimitUsd
          : null;
    if (runLimit) {
      const spent = await cachedRunSpend(ctx, input.runId);
      if (spent.plus(estimate).gt(runLimit)) {
        throw new AppError(
          "BUDGET_EXCEEDED",
          `Run budget of ${usd(runLimit)} would be exceeded: ${usd(spent)} spent in this run, this call may cost up to ${usd(estimate)}`,
          { limit: "run", runId: input.runId, limitUsd: runLimit.toNumber(), spentUsd: spent.toNumber(), estimateUsd: estimate.toNumber() },
        );
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// Reading the ledger

interface ResolvedRange {
  from: Date | null;
  to: Date | null;
}

const DAY_MS = 86_400_000;

function startOfUtcDay(d: Date): Date {
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
}

/** The 1st of `now`'s month, 00:00 UTC. */
export function startOfUtcMonth(now: Date = new Date()): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
}

/** A period shortcut or from/to into a [from, to) range; calendar days and months in UTC. */
export function resolveRange(filters: Pick<UsageFilters, "period" | "from" | "to">, now: Date = new Date()): ResolvedRange {
  let from: Date | null = filters.from ? new Date(filters.from) : null;
  const to: Date | null = filters.to ? new Date(filters.to) : null;
  switch (filters.period) {
    case "today":
      from = startOfUtcDay(now);
      break;
    case "7d":
      from = new Date(startOfUtcDay(now).getTime() - 6 * DAY_MS);
      break;
    case "30d":
      from = new Date(startOfUtcDay(now).getTime() - 29 * DAY_MS);
      break;
    case "month":
      from = startOfUtcMonth(now);
      break;
    default:
      break;
  }
  return { from, to };
}

function prismaWhere(ctx: TenantContext, filters: UsageFilters, range: ResolvedRange): Prisma.UsageRecordWhereInput {
  return {
    workspaceId: ctx.workspaceId,
    ...(filters.runId ? { runId: filters.runId } : {}),
    ...(filters.agentId ? { agentId: filters.agentId } : {}),
    ...(filters.modelRef ? { modelRef: filters.modelRef } : {}),
    ...(filters.outcome ? { outcome: filters.outcome } : {}),
    ...(range.from || range.to ? { createdAt: { ...(range.from ? { gte: range.from } : {}), ...(range.to ? { lt: range.to } : {}) } } : {}),
  };
}

/**
 * A timestamp literal for the `timestamp(3)` columns, which hold UTC wall-clock time. Sent as text and cast
 * to `timestamp` (without time zone) so that the session's TimeZone setting never shifts it.
 */
function pgTimestamp(d: Date): string {
  return d.toISOString().replace("T", " ").replace("Z", "");
}

function sqlWhere(ctx: TenantContext, filters: UsageFilters, range: ResolvedRange): Prisma.Sql {
  const parts: Prisma.Sql[] = [Prisma.sql`u."workspaceId" = ${ctx.workspaceId}`];
  if (filters.runId) parts.push(Prisma.sql`u."runId" = ${filters.runId}`);
  if (filters.agentId) parts.push(Prisma.sql`u."agentId" = ${filters.agentId}`);
  if (filters.modelRef) parts.push(Prisma.sql`u."modelRef" = ${filters.modelRef}`);
  if (filters.outcome) parts.push(Prisma.sql`u."outcome" = ${filters.outcome}`);
  if (range.from) parts.push(Prisma.sql`u."createdAt" >= ${pgTimestamp(range.from)}::timestamp`);
  if (range.to) parts.push(Prisma.sql`u."createdAt" < ${pgTimestamp(range.to)}::timestamp`);
  return Prisma.join(parts, " AND ");
}

/** The aggregate columns of every breakdown, as text so that no precision is lost on the way out. */
const SUMS = Prisma.sql`COUNT(*)::int AS "calls",
  COALESCE(SUM(u."costUsd"), 0)::text AS "cost",
  COALESCE(SUM(u."inputTokens"), 0)::text AS "inputTokens",
  COALESCE(SUM(u."outputTokens"), 0)::text AS "outputTokens"`;

interface SumRow {
  calls: number;
  cost: string;
  inputTokens: string;
  outputTokens: string;
}

function sumOf(row: SumRow | undefined) {
  return {
    costUsd: row ? Number(row.cost) : 0,
    calls: row ? Number(row.calls) : 0,
    inputTokens: row ? Number(row.inputTokens) : 0,
    outputTokens: row ? Number(row.outputTokens) : 0,
  };
}

const BREAKDOWN_LIMIT_SQL = Prisma.raw("100");

/** Total cost, tokens and calls, and the same per run, agent, model, day and month (UTC), for the filters. */
export async function usageTotals(ctx: TenantContext, filters: UsageFilters): Promise<UsageTotals> {
  const range = resolveRange(filters);
  const where = sqlWhere(ctx, filters, range);
  const client = db(ctx);
  const [totals, byRun, byAgent, byModel, byDay, byMonth] = await Promise.all([
    client.$queryRaw<SumRow[]>`SELECT ${SUMS} FROM "UsageRecord" u WHERE ${where}`,
    client.$queryRaw<(SumRow & { runId: string | null })[]>`
      SELECT u."runId" AS "runId", ${SUMS} FROM "UsageRecord" u WHERE ${where}
      GROUP BY u."runId" ORDER BY SUM(u."costUsd") DESC, u."runId" ASC NULLS LAST LIMIT ${BREAKDOWN_LIMIT_SQL}`,
    client.$queryRaw<(SumRow & { agentId: string | null })[]>`
      SELECT u."agentId" AS "agentId", ${SUMS} FROM "UsageRecord" u WHERE ${where}
      GROUP BY u."agentId" ORDER BY SUM(u."costUsd") DESC, u."agentId" ASC NULLS LAST LIMIT ${BREAKDOWN_LIMIT_SQL}`,
    client.$queryRaw<(SumRow & { modelRef: string | null; modelName: string; providerKind: string; displayName: string | null })[]>`
      SELECT u."modelRef" AS "modelRef", u."modelName" AS "modelName", u."providerKind" AS "providerKind",
        MAX(m."displayName") AS "displayName", ${SUMS}
      FROM "UsageRecord" u LEFT JOIN "Model" m ON m."id" = u."modelRef" AND m."workspaceId" = u."workspaceId"
      WHERE ${where}
      GROUP BY u."modelRef", u."modelName", u."providerKind"
      ORDER BY SUM(u."costUsd") DESC, u."modelName" ASC`,
    client.$queryRaw<(SumRow & { day: string })[]>`
      SELECT to_char(date_trunc('day', u."createdAt"), 'YYYY-MM-DD') AS "day", ${SUMS} FROM "UsageRecord" u WHERE ${where}
      GROUP BY 1 ORDER BY 1`,
    client.$queryRaw<(SumRow & { month: string })[]>`
      SELECT to_char(date_trunc('month', u."createdAt"), 'YYYY-MM') AS "month", ${SUMS} FROM "UsageRecord" u WHERE ${where}
      GROUP BY 1 ORDER BY 1`,
  ]);
  return {
    from: range.from,
    to: range.to,
    totals: sumOf(totals[0]),
    byRun: byRun.map((r) => ({ runId: r.runId, ...sumOf(r) })),
    byAgent: byAgent.map((r) => ({ agentId: r.agentId, ...sumOf(r) })),
    byModel: byModel.map((r) => ({
      modelRef: r.modelRef,
      modelName: r.modelName,
      displayName: r.displayName ?? r.modelName,
      providerKind: r.providerKind,
      ...sumOf(r),
    })),
    byDay: byDay.map((r) => ({ day: r.day, ...sumOf(r) })),
    byMonth: byMonth.map((r) => ({ month: r.month, ...sumOf(r) })),
  };
}

/** The sums alone (no breakdowns), for the REST listing. */
export async function usageSum(ctx: TenantContext, filters: UsageFilters) {
  const range = resolveRange(filters);
  const rows = await db(ctx).$queryRaw<SumRow[]>`SELECT ${SUMS} FROM "UsageRecord" u WHERE ${sqlWhere(ctx, filters, range)}`;
  return sumOf(rows[0]);
}

/** A page of the ledger with the totals of the whole filtered set. */
export async function listUsageWithTotals(ctx: TenantContext, input: ListUsageInput) {
  const [page, totals] = await Promise.all([listUsage(ctx, input), usageSum(ctx, input)]);
  return { ...page, totals };
}

/** Recent calls, newest first, with the filters and keyset pagination (server/db/cursor.ts). */
export async function listUsage(ctx: TenantContext, input: ListUsageInput): Promise<{ items: UsageRecordOut[]; nextCursor: string | null }> {
  const range = resolveRange(input);
  const where = prismaWhere(ctx, input, range);
  // a cursor is a position (time, id) in the newest-first order, not a row lookup: a foreign one brings nothing along
  const rows = await db(ctx).usageRecord.findMany({
    where: { AND: [where, keysetWhere(input.cursor)] },
    orderBy: keysetOrderBy(),
    take: input.limit + 1,
  });
  const { items: page, nextCursor } = pageByCreatedAt(rows, input.limit);
  const refs = [...new Set(page.map((r) => r.modelRef).filter((r): r is string => r !== null))];
  const models = refs.length
    ? await db(ctx).model.findMany({ where: { workspaceId: ctx.workspaceId, id: { in: refs } }, select: { id: true, displayName: true } })
    : [];
  const names = new Map(models.map((m) => [m.id, m.displayName]));
  const items = page.map((r) => ({
    id: r.id,
    createdAt: r.createdAt,
    runId: r.runId,
    stepId: r.stepId,
    agentId: r.agentId,
    modelRef: r.modelRef,
    modelName: r.modelName,
    modelDisplayName: (r.modelRef ? names.get(r.modelRef) : undefined) ?? r.modelName,
    providerKind: r.providerKind,
    inputTokens: r.inputTokens,
    outputTokens: r.outputTokens,
    costUsd: Number(r.costUsd),
    latencyMs: r.latencyMs,
    outcome: r.outcome,
    error: r.error,
    actorType: r.actorType,
    actorId: r.actorId,
  }));
  return { items, nextCursor };
}

// ---------------------------------------------------------------------------------------------------
// Budgets

const DEFAULT_ALERT_THRESHOLD = 0.8;

type BudgetRow = { monthlyLimitUsd: Decimal | null; perRunLimitUsd: Decimal | null; alertThreshold: number; updatedAt: Date };

function toBudget(row: BudgetRow | null): BudgetOut {
  return {
    monthlyLimitUsd: row?.monthlyLimitUsd != null ? Number(row.monthlyLimitUsd) : null,
    perRunLimitUsd: row?.perRunLimitUsd != null ? Number(row.perRunLimitUsd) : null,
    alertThreshold: row?.alertThreshold ?? DEFAULT_ALERT_THRESHOLD,
    updatedAt: row?.updatedAt ?? null,
  };
}

export async function getBudget(ctx: TenantContext): Promise<BudgetOut> {
  return toBudget(await db(ctx).budget.findUnique({ where: { workspaceId: ctx.workspaceId } }));
}

export async function updateBudget(ctx: TenantContext, input: UpdateBudgetInput): Promise<BudgetOut> {
  const { monthlyLimitUsd, perRunLimitUsd, alertThreshold } = updateBudgetInputSchema.parse(input);
  const limitOf = (v: number | null) => (v === null ? null : decimalOf(v).toDecimalPlaces(4));
  const row = await db(ctx).$transaction(async (tx) => {
    const before = await tx.budget.findUnique({ where: { workspaceId: ctx.workspaceId } });
    const data = {
      monthlyLimitUsd: limitOf(monthlyLimitUsd),
      perRunLimitUsd: limitOf(perRunLimitUsd),
      alertThreshold: alertThreshold ?? before?.alertThreshold ?? DEFAULT_ALERT_THRESHOLD,
    };
    const after = await tx.budget.upsert({ where: { workspaceId: ctx.workspaceId }, create: { workspaceId: ctx.workspaceId, ...data }, update: data });
    const { updatedAt: _b, ...from } = toBudget(before);
    const { updatedAt: _a, ...to } = toBudget(after);
    await recordAudit(ctx, { action: "budget.update", targetType: "budget", targetId: ctx.workspaceId, metadata: { from, to } }, tx);
    return after;
  });
  invalidateBudgetCache(ctx.workspaceId);
  return toBudget(row);
}

async function monthToDateSpend(ctx: TenantContext, now: Date = new Date()): Promise<Decimal> {
  const agg = await db(ctx).usageRecord.aggregate({
    where: { workspaceId: ctx.workspaceId, createdAt: { gte: startOfUtcMonth(now) } },
    _sum: { costUsd: true },
  });
  return decimalOrZero(agg._sum.costUsd);
}

/** Month-to-date spend (calendar month, UTC) against the monthly limit; `alert` from the threshold. */
export async function budgetStatus(ctx: TenantContext): Promise<BudgetStatus> {
  const now = new Date();
  const [row, spent] = await Promise.all([db(ctx).budget.findUnique({ where: { workspaceId: ctx.workspaceId } }), monthToDateSpend(ctx, now)]);
  const budget = toBudget(row);
  const limit = row?.monthlyLimitUsd != null ? new Decimal(row.monthlyLimitUsd.toString()) : null;
  let fraction: Decimal | null = null;
  // a zero limit is fully used from the start (only free calls pass)
  if (limit) fraction = limit.isZero() ? new Decimal(1) : spent.div(limit);
  const exceeded = limit ? spent.gte(limit) : false;
  return {
    monthStart: startOfUtcMonth(now),
    spentUsd: spent.toNumber(),
    monthlyLimitUsd: budget.monthlyLimitUsd,
    perRunLimitUsd: budget.perRunLimitUsd,
    alertThreshold: budget.alertThreshold,
    remainingUsd: limit ? Decimal.max(limit.minus(spent), 0).toNumber() : null,
    fraction: fraction ? fraction.toNumber() : null,
    alert: fraction ? exceeded || fraction.gte(decimalOf(budget.alertThreshold)) : false,
    exceeded,
  };
}

/** The budget with this month's spend against it (GET /api/v1/budget). */
export async function budgetOverview(ctx: TenantContext): Promise<{ budget: BudgetOut; status: BudgetStatus }> {
  const [budget, status] = await Promise.all([getBudget(ctx), budgetStatus(ctx)]);
  return { budget, status };
}

// ---------------------------------------------------------------------------------------------------
// Per-process budget state
//
// - The Budget row (its two limits) per workspace, for `ttlMs` (2 s). `updateBudget` drops it in this process at
//   once; a change made by another process is seen when it expires.
// - Spend counters: the month-to-date spend per workspace (only while a monthly limit is checked) and the spend
//   per run (only while a run limit is checked), each loaded from the database (one SUM, by the indexes
//   (workspaceId, createdAt) and (workspaceId, runId)) on first use, then increased by every `recordUsage` of this
//   process, and reloaded when older than the TTL or when the UTC month changes. So one process is exact, and
//   with several processes each sees the others' spending within the TTL (the check was never a reservation).
// - A load never counts a row twice or misses one of this process: it waits for this workspace's usage writes in
//   flight, and a load that overlapped a new write is used for its own check but not kept (the write may or may
//   not be in its sum).
// The state lives on globalThis so that every bundle of the process shares it (like the Prisma client).

export const DEFAULT_BUDGET_CACHE_TTL_MS = 2_000;

interface CachedBudgetRow {
  monthlyLimitUsd: Decimal | null;
  perRunLimitUsd: Decimal | null;
}

interface SpendCounter {
  spent: Decimal;
  loadedAt: number;
  /** the UTC month (start, epoch ms) a month-to-date counter covers; null for a run */
  month: number | null;
}

interface LedgerCacheState {
  ttlMs: number;
  budgets: Map<string, { row: CachedBudgetRow | null; loadedAt: number }>;
  /** bumped per workspace by updateBudget: a budget read that overlapped a change is not kept */
  budgetGenerations: Map<string, number>;
  /** "m:<workspaceId>" (month to date) and "r:<workspaceId>:<runId>" */
  counters: Map<string, SpendCounter>;
  writes: Map<string, { started: number; inflight: Set<Promise<unknown>> }>;
}

const MAX_CACHED = 10_000;

const globalForLedger = globalThis as unknown as { cadreLedgerCache?: LedgerCacheState };

function ledgerState(): LedgerCacheState {
  globalForLedger.cadreLedgerCache ??= {
    ttlMs: DEFAULT_BUDGET_CACHE_TTL_MS,
    budgets: new Map(),
    budgetGenerations: new Map(),
    counters: new Map(),
    writes: new Map(),
  };
  return globalForLedger.cadreLedgerCache;
}

/** Sets the TTL of the budget rows and spend counters (tests use a tiny one; 0 reads the database every time); `undefined` restores the default. Clears them. */
export function configureBudgetCache(options?: { ttlMs?: number }): void {
  const s = ledgerState();
  s.ttlMs = Math.max(0, options?.ttlMs ?? DEFAULT_BUDGET_CACHE_TTL_MS);
  s.budgets.clear();
  s.counters.clear();
}

/** Drops this process's copy of the workspace's Budget row (after a change committed). */
export function invalidateBudgetCache(workspaceId: string): void {
  const s = ledgerState();
  s.budgets.delete(workspaceId);
  s.budgetGenerations.set(workspaceId, (s.budgetGenerations.get(workspaceId) ?? 0) + 1);
}

function writesOf(workspaceId: string) {
  const s = ledgerState();
  let writes = s.writes.get(workspaceId);
  if (!writes) {
    if (s.writes.size >= MAX_CACHED) for (const [id, w] of s.writes) if (w.inflight.size === 0) s.writes.delete(id);
    writes = { started: 0, inflight: new Set() };
    s.writes.set(workspaceId, writes);
  }
  return writes;
}

function fresh(loadedAt: number, s: LedgerCacheState): boolean {
  return Date.now() - loadedAt < s.ttlMs;
}

function pruneIfFull<V extends { loadedAt: number }>(map: Map<string, V>, s: LedgerCacheState): void {
  if (map.size < MAX_CACHED) return;
  for (const [key, v] of map) if (!fresh(v.loadedAt, s)) map.delete(key);
  if (map.size >= MAX_CACHED) map.clear();
}

async function cachedBudget(workspaceId: string): Promise<CachedBudgetRow | null> {
  const s = ledgerState();
  const hit = s.budgets.get(workspaceId);
  if (hit && fresh(hit.loadedAt, s)) return hit.row;
  const generation = s.budgetGenerations.get(workspaceId) ?? 0;
  const found = await db({ workspaceId }).budget.findUnique({ where: { workspaceId }, select: { monthlyLimitUsd: true, perRunLimitUsd: true } });
  const row = found
    ? {
        monthlyLimitUsd: found.monthlyLimitUsd != null ? new Decimal(found.monthlyLimitUsd.toString()) : null,
        perRunLimitUsd: found.perRunLimitUsd != null ? new Decimal(found.perRunLimitUsd.toString()) : null,
      }
    : null;
  if (s.ttlMs > 0 && (s.budgetGenerations.get(workspaceId) ?? 0) === generation) {
    pruneIfFull(s.budgets, s);
    s.budgets.set(workspaceId, { row, loadedAt: Date.now() });
  }
  return row;
}

/**
 * A counter's value, from this process's copy when fresh, else from `load()` (kept only when no usage write of
 * the workspace overlapped the load).
 */
async function cachedSpend(workspaceId: string, key: string, month: number | null, load: () => Promise<Decimal>): Promise<Decimal> {
  const s = ledgerState();
  const hit = s.counters.get(key);
  if (hit && hit.month === month && fresh(hit.loadedAt, s)) return hit.spent;
  const writes = writesOf(workspaceId);
  // this process's writes in flight land first, so the sum includes them (at most one round of waiting)
  if (writes.inflight.size) await Promise.allSettled([...writes.inflight]);
  const clean = writes.inflight.size === 0;
  const started = writes.started;
  const spent = await load();
  if (s.ttlMs > 0 && clean && writes.started === started) {
    pruneIfFull(s.counters, s);
    s.counters.set(key, { spent, loadedAt: Date.now(), month });
  } else {
    s.counters.delete(key);
  }
  return spent;
}

function cachedMonthSpend(ctx: TenantContext, now: Date = new Date()): Promise<Decimal> {
  return cachedSpend(ctx.workspaceId, `m:${ctx.workspaceId}`, startOfUtcMonth(now).getTime(), () => monthToDateSpend(ctx, now));
}

function cachedRunSpend(ctx: TenantContext, runId: string): Promise<Decimal> {
  return cachedSpend(ctx.workspaceId, `r:${ctx.workspaceId}:${runId}`, null, async () => {
    const agg = await db(ctx).usageRecord.aggregate({ where: { workspaceId: ctx.workspaceId, runId }, _sum: { costUsd: true } });
    return decimalOrZero(agg._sum.costUsd);
  });
}

/** A run ended in this process: its spend counter goes (a run resumed later loads it again from the database). */
export function forgetRunSpend(workspaceId: string, runId: string): void {
  ledgerState().counters.delete(`r:${workspaceId}:${runId}`);
}

/** Spend counters held in this process (tests: nothing of a finished run stays behind). */
export function cachedSpendKeys(): string[] {
  return [...ledgerState().counters.keys()];
}

/** A failed usage write: the counters it was added to are reloaded from the database at their next use. */
function dropSpend(workspaceId: string, runId: string | null): void {
  const counters = ledgerState().counters;
  counters.delete(`m:${workspaceId}`);
  if (runId) counters.delete(`r:${workspaceId}:${runId}`);
}

/** A cost being written: added to this process's counters that cover it (the others load it with their sum). */
function addSpend(workspaceId: string, runId: string | null, cost: Decimal, createdAt: Date): void {
  const counters = ledgerState().counters;
  const month = counters.get(`m:${workspaceId}`);
  if (month && month.month === startOfUtcMonth(createdAt).getTime()) month.spent = month.spent.plus(cost);
  if (runId) {
    const run = counters.get(`r:${workspaceId}:${runId}`);
    if (run) run.spent = run.spent.plus(cost);
  }
}

// ---------------------------------------------------------------------------------------------------
// helpers

/** A number as a decimal through its shortest decimal text (0.1 is 0.1, not 0.1000000000000000055...). */
function decimalOf(value: number): Decimal {
  return new Decimal(Number.isFinite(value) ? String(value) : "0");
}

function decimalOrZero(value: Decimal | null | undefined): Decimal {
  return value == null ? new Decimal(0) : new Decimal(value.toString());
}

function safeCount(value: number): number {
  return Number.isFinite(value) && value > 0 ? Math.round(value) : 0;
}

function usd(amount: Decimal): string {
  return formatUsd(amount.toNumber());
}
