/**
 * Per-process budget state, read by the budget check on every model call's path (server/ledger/budget-check.ts).
 *
 * - The Budget row (its two limits) per workspace, for `ttlMs` (2 s). `updateBudget` drops it in this process at
 *   once; a change made by another process is seen when it expires. An expired row is still served for up to
 *   `staleMs` more (30 s) while one reload runs in the background (stale-while-revalidate, as the catalog cache does):
 *   with model calls of a second or more every call finds the row expired, and on embedded PGlite its read queued
 *   behind the catalog's background reload on the one connection (about 19 ms per call, docs/benchmarks.md). So
 *   another process's change is seen at most `ttlMs` plus one reload later; the budget's lease renewal reads the
 *   Budget row itself (server/ledger/reservations.ts), so a lease is never granted past a limit it did not see.
 * - Spend counters: the month-to-date spend per workspace (only while a monthly limit is checked) and the spend
 *   per run (only while a run limit is checked), each loaded from the database (one SUM, by the indexes
 *   (workspaceId, createdAt) and (workspaceId, runId)) on first use, then increased by every `recordUsage` of this
 *   process, and reloaded when older than the TTL or when the UTC month changes. So one process is exact, and
 *   with several processes each sees the others' spending within the TTL (the check was never a reservation).
 * - A load never counts a row twice or misses one of this process: it waits for this workspace's usage writes in
 *   flight, and a load that overlapped a new write is used for its own check but not kept (the write may or may
 *   not be in its sum).
 * The state lives on globalThis so that every bundle of the process shares it (like the Prisma client).
 */
import { db } from "@/server/db/client";
import { reloadSoon } from "@/server/reload-soon";
import type { TenantContext } from "@/server/context";
import { Decimal, decimalOrZero } from "@/server/ledger/decimal";
import { monthToDateSpend, startOfUtcMonth } from "@/server/ledger/reports";

export const DEFAULT_BUDGET_CACHE_TTL_MS = 2_000;
export const DEFAULT_BUDGET_CACHE_STALE_MS = 30_000;

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
  /** how long past `ttlMs` a Budget row may be served while it reloads */
  staleMs: number;
  budgets: Map<string, { row: CachedBudgetRow | null; loadedAt: number }>;
  /** the Budget row's reload in flight per workspace (concurrent misses and stale hits share it) */
  budgetLoads: Map<string, Promise<CachedBudgetRow | null>>;
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
    staleMs: DEFAULT_BUDGET_CACHE_STALE_MS,
    budgets: new Map(),
    budgetLoads: new Map(),
    budgetGenerations: new Map(),
    counters: new Map(),
    writes: new Map(),
  };
  return globalForLedger.cadreLedgerCache;
}

/**
 * Sets the TTL of the budget rows and spend counters (tests use a tiny one; 0 reads the database every time) and how
 * long past it a Budget row may be served while it reloads (default: 30 s with the default TTL, none with a TTL given
 * without it); no options restore the defaults. Clears them.
 */
export function configureBudgetCache(options?: { ttlMs?: number; staleMs?: number }): void {
  const s = ledgerState();
  s.ttlMs = Math.max(0, options?.ttlMs ?? DEFAULT_BUDGET_CACHE_TTL_MS);
  s.staleMs = Math.max(0, options?.staleMs ?? (options?.ttlMs === undefined ? DEFAULT_BUDGET_CACHE_STALE_MS : 0));
  s.budgets.clear();
  s.budgetLoads.clear();
  s.counters.clear();
}

/** Drops this process's copy of the workspace's Budget row (after a change committed). */
export function invalidateBudgetCache(workspaceId: string): void {
  const s = ledgerState();
  s.budgets.delete(workspaceId);
  s.budgetGenerations.set(workspaceId, (s.budgetGenerations.get(workspaceId) ?? 0) + 1);
}

export function writesOf(workspaceId: string) {
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

export async function cachedBudget(workspaceId: string): Promise<CachedBudgetRow | null> {
  const s = ledgerState();
  const hit = s.budgets.get(workspaceId);
  if (hit) {
    const age = Date.now() - hit.loadedAt;
    if (age < s.ttlMs) return hit.row;
    if (age < s.ttlMs + s.staleMs) {
      // stale: served now, reloaded in the background (once: a reload in flight or queued is shared), a moment later,
      // after the caller's model request is on its way (server/reload-soon.ts)
      if (!s.budgetLoads.has(workspaceId)) reloadSoon(`budget:${workspaceId}`, () => loadBudget(s, workspaceId));
      return hit.row;
    }
  }
  return loadBudget(s, workspaceId);
}

/** Reads the workspace's Budget row (or joins the read in flight); kept only when no change of this process overlapped it. */
function loadBudget(s: LedgerCacheState, workspaceId: string): Promise<CachedBudgetRow | null> {
  const generation = s.budgetGenerations.get(workspaceId) ?? 0;
  const inflight = s.budgetLoads.get(workspaceId);
  // a read started before an invalidation may predate the change: not joined (nor kept, below)
  if (inflight && budgetLoadGenerations.get(inflight) === generation) return inflight;
  const load = (async () => {
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
  })().finally(() => {
    if (s.budgetLoads.get(workspaceId) === load) s.budgetLoads.delete(workspaceId);
  });
  budgetLoadGenerations.set(load, generation);
  s.budgetLoads.set(workspaceId, load);
  return load;
}

/** The invalidation generation each Budget read started under. */
const budgetLoadGenerations = new WeakMap<Promise<unknown>, number>();

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

export function cachedMonthSpend(ctx: TenantContext, now: Date = new Date()): Promise<Decimal> {
  return cachedSpend(ctx.workspaceId, `m:${ctx.workspaceId}`, startOfUtcMonth(now).getTime(), () => monthToDateSpend(ctx, now));
}

/**
 * A run's spend as its budget sees it: its own ledger rows, plus what its sub-runs cost (their Run totals, which
 * include their own sub-runs'): a sub-run's calls are in the ledger under its own run id, so the workspace's monthly
 * spend counts them once, and the parent's budget sees them through this sum.
 */
export function cachedRunSpend(ctx: TenantContext, runId: string): Promise<Decimal> {
  return cachedSpend(ctx.workspaceId, `r:${ctx.workspaceId}:${runId}`, null, async () => {
    const [own, children] = await Promise.all([
      db(ctx).usageRecord.aggregate({ where: { workspaceId: ctx.workspaceId, runId }, _sum: { costUsd: true } }),
      db(ctx).run.aggregate({ where: { workspaceId: ctx.workspaceId, parentRunId: runId }, _sum: { costUsd: true } }),
    ]);
    return decimalOrZero(own._sum.costUsd).plus(decimalOrZero(children._sum.costUsd));
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
export function dropSpend(workspaceId: string, runId: string | null): void {
  const counters = ledgerState().counters;
  counters.delete(`m:${workspaceId}`);
  if (runId) counters.delete(`r:${workspaceId}:${runId}`);
}

/** A cost being written: added to this process's counters that cover it (the others load it with their sum). */
export function addSpend(workspaceId: string, runId: string | null, cost: Decimal, createdAt: Date): void {
  const counters = ledgerState().counters;
  const month = counters.get(`m:${workspaceId}`);
  if (month && month.month === startOfUtcMonth(createdAt).getTime()) month.spent = month.spent.plus(cost);
  if (runId) {
    const run = counters.get(`r:${workspaceId}:${runId}`);
    if (run) run.spent = run.spent.plus(cost);
  }
}
