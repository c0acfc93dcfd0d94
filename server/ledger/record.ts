/**
 * Recording usage: every model call writes a UsageRecord (also refused and failed calls). `recordUsage` adds every
 * cost it writes to this process's spend counters (server/ledger/budget-cache.ts).
 */
import { execute } from "@/server/db/execute";
import { sql, type Sql } from "@/server/db/sql";
import { newId } from "@/lib/ids";
import type { TenantContext } from "@/server/context";
import { addSpend, dropSpend, writesOf } from "@/server/ledger/budget-cache";
import { Decimal, decimalOf } from "@/server/ledger/decimal";
import { settleReservation, settleSql, type BudgetReservation } from "@/server/ledger/reservations";
import { landedSql } from "@/server/ledger/calls-in-flight";
import type { UsageOutcome } from "@/lib/schemas/usage";

// Contract (called by the gateway)

export type { UsageOutcome } from "@/lib/schemas/usage";

export interface UsageInput {
  /**
   * the id of a call written in flight before it was made (./calls-in-flight.ts): the row takes it, deletes the row in
   * flight in the same statement, and replaces a `lost` row written for the call meanwhile
   */
  callId?: string;
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
  /** parts of inputTokens read from / written to the provider's prompt cache, and of outputTokens spent reasoning */
  cacheReadTokens?: number;
  cacheWriteTokens?: number;
  reasoningTokens?: number;
  costUsd: number;
  latencyMs: number;
  outcome: UsageOutcome;
  error?: string;
  /** the tokens were counted by Cadre, not reported by the provider (a cut stream, a timed-out call) */
  estimated?: boolean;
  /** the call's budget reservation (server/ledger/reservations.ts): settled by the same statement */
  reservation?: BudgetReservation | null;
  /**
   * other writes that commit exactly with the row: data-modifying CTEs (`name AS (UPDATE ...)`, each name unique)
   * run by the same statement, e.g. the correction of the provider's rate window (server/models/rate-limits.ts)
   */
  alongside?: readonly Sql[];
  /**
   * false: the row's transaction commits without waiting for the WAL flush (`synchronous_commit` off, set by the
   * statement itself): the row is written and seen as usual, but a crash of the database within a fraction of a second
   * may lose it. For the simulator's calls (no money spent): their callers do not wait for a disk sync.
   */
  durable?: boolean;
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
  "providerKind", "inputTokens", "outputTokens", "cacheReadTokens", "cacheWriteTokens", "reasoningTokens", "costUsd", "latencyMs", "outcome", "error", "actorType", "actorId", "createdAt", "estimated")`;

/** A call's own row replaces the `lost` row written for it while it was late (same id; ./calls-in-flight.ts). */
const REPLACE_LOST = sql` ON CONFLICT ("id") DO UPDATE SET "inputTokens" = EXCLUDED."inputTokens", "outputTokens" = EXCLUDED."outputTokens",
  "cacheReadTokens" = EXCLUDED."cacheReadTokens", "cacheWriteTokens" = EXCLUDED."cacheWriteTokens", "reasoningTokens" = EXCLUDED."reasoningTokens",
  "costUsd" = EXCLUDED."costUsd", "latencyMs" = EXCLUDED."latencyMs", "outcome" = EXCLUDED."outcome", "error" = EXCLUDED."error",
  "estimated" = EXCLUDED."estimated" WHERE "UsageRecord"."outcome" = 'lost'`;

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

/** A usage row ready to be written: its INSERT (settling the call's budget reservation in the same statement), and `track`, which the writer calls with the write's promise. */
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
 * it in its own ordered batch of writes (`GenerateRequest.writeUsage`, awaited until it commits); `recordUsage`
 * sends it alone.
 */
export function prepareUsage(ctx: TenantContext, input: UsageInput): PreparedUsage {
  const cost = Number.isFinite(input.costUsd) && input.costUsd > 0 ? decimalOf(input.costUsd).toDecimalPlaces(COST_DECIMALS) : new Decimal(0);
  const createdAt = nextUsageTime();
  const runId = input.runId ?? null;
  const writes = writesOf(ctx.workspaceId);
  // a spend load that overlaps this write (from here on) is not kept: the row may or may not be in its sum
  writes.started++;
  const row = {
    id: input.callId ?? newId("use"),
    stepId: input.stepId ?? null,
    agentId: input.agentId ?? null,
    modelRef: input.modelRef ?? null,
    error: input.error ? input.error.slice(0, MAX_ERROR_LENGTH) : null,
    actorId: ctx.actor.type === "user" ? ctx.actor.userId : ctx.actor.keyId,
  };
  // One plain INSERT, no RETURNING, on the pool under Prisma (Prisma's own work per query would double its cost on
  // every model call's path), as one simple-protocol message (server/db/sql.ts); money as exact decimal text, the
  // time as a UTC timestamp literal like every other timestamp(3) column.
  const ctes = [
    ...(input.reservation ? [settleSql(input.reservation, cost.toFixed())] : []),
    ...(input.callId ? [landedSql(input.callId)] : []),
    ...(input.alongside ?? []),
  ];
  const values = sql`${row.id}, ${ctx.workspaceId}, ${runId}, ${row.stepId}, ${row.agentId},
      ${row.modelRef}, ${input.modelName}, ${input.providerKind}, ${safeCount(input.inputTokens)}, ${safeCount(input.outputTokens)},
      ${safeCount(input.cacheReadTokens ?? 0)}, ${safeCount(input.cacheWriteTokens ?? 0)}, ${safeCount(input.reasoningTokens ?? 0)}, ${cost.toFixed()}::numeric, ${safeCount(input.latencyMs)}, ${input.outcome}, ${row.error}, ${ctx.actor.type}, ${row.actorId}, ${createdAt}, ${input.estimated === true}`;
  const statement = sql`${ctes.length ? sql`WITH ${sql.join(ctes)} ` : sql.empty}${INSERT_USAGE} ${input.durable === false ? sql`SELECT` : sql`VALUES (`}${values}${
    input.durable === false ? sql` FROM (SELECT set_config('synchronous_commit', 'off', true)) AS "relaxed"` : sql`)`
  }${input.callId ? REPLACE_LOST : sql.empty}`;
  // a durable row with nothing alongside can go in one INSERT with others (mergeUsageRows)
  if (input.durable !== false && !input.alongside?.length)
    mergeable.set(statement, { values, reservationId: input.reservation?.id ?? null, cost: cost.toFixed(), callId: input.callId ?? null });
  return {
    sql: statement,
    async track(write) {
      writes.started++;
      writes.inflight.add(write);
      // counted at once, before the commit: the run engine's next call may be checked while this write is queued
      if (!cost.isZero()) addSpend(ctx.workspaceId, runId, cost, createdAt);
      try {
        await write;
        if (input.reservation) settleReservation(input.reservation, cost);
      } catch {
        dropSpend(ctx.workspaceId, runId);
        if (input.reservation) settleReservation(input.reservation, null);
      } finally {
        writes.inflight.delete(write);
      }
    },
  };
}

/** What a mergeable usage row's statement is made of (prepareUsage). */
interface MergeableUsage {
  /** the row's VALUES list */
  values: Sql;
  /** the budget lease its cost comes off, if any */
  reservationId: string | null;
  cost: string;
  /** the call's row in flight, deleted by the row */
  callId: string | null;
}
const mergeable = new WeakMap<Sql, MergeableUsage>();

/**
 * Merges the usage rows among `statements` (prepareUsage's durable rows with nothing alongside) into ONE statement:
 * one UPDATE of their budget leases (each lease's costs summed: GREATEST(0, a - c1 - c2) is what two settles in a row
 * leave), one DELETE of their rows in flight, one INSERT of the rows, where each row alone is three of them. Used by
 * the group commit of a run's usage rows (server/jobs/step.ts): a parallel fan-out's rows that answer together. The
 * other statements are kept, before the merged one. Two or fewer parts come back unchanged.
 */
export function mergeUsageRows(statements: readonly Sql[]): Sql[] {
  const rows = statements.map((s) => mergeable.get(s));
  const merged = rows.filter((r): r is MergeableUsage => r !== undefined);
  if (merged.length < 2) return [...statements];
  const others = statements.filter((_, i) => rows[i] === undefined);
  const settles = merged.filter((r) => r.reservationId !== null);
  const landed = merged.flatMap((r) => (r.callId ? [r.callId] : []));
  const ctes = [
    ...(settles.length
      ? [
          sql`settled AS (UPDATE "BudgetReservation" AS b SET "amountUsd" = GREATEST(0, b."amountUsd" - x.c)
            FROM (SELECT v.id, SUM(v.c) AS c FROM (VALUES ${sql.join(
              settles.map((r) => sql`(${r.reservationId}, ${r.cost}::numeric)`),
            )}) AS v(id, c) GROUP BY v.id) AS x WHERE b."id" = x.id)`,
        ]
      : []),
    ...(landed.length ? [sql`landed AS (DELETE FROM "ModelCallInFlight" WHERE "id" IN (${sql.join(landed.map((id) => sql`${id}`))}))`] : []),
  ];
  // a row without a call in flight has a fresh id: the conflict clause (a late row replacing its `lost` row) never applies to it
  return [
    ...others,
    sql`${ctes.length ? sql`WITH ${sql.join(ctes)} ` : sql.empty}${INSERT_USAGE} VALUES ${sql.join(merged.map((r) => sql`(${r.values})`))}${landed.length ? REPLACE_LOST : sql.empty}`,
  ];
}

/** Writes one usage record now (see prepareUsage); a failed write is thrown. */
export async function recordUsage(ctx: TenantContext, input: UsageInput): Promise<void> {
  const usage = prepareUsage(ctx, input);
  const write = execute(ctx, usage.sql);
  await usage.track(write);
  await write;
}

function safeCount(value: number): number {
  return Number.isFinite(value) && value > 0 ? Math.round(value) : 0;
}
