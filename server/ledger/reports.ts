/**
 * Reading the ledger: totals and breakdowns are summed in the database (numeric, exact) and converted to numbers at
 * the end; the listing of recent calls.
 */
import { db } from "@/server/db/client";
import { keysetOrderBy, keysetWhere, pageByCreatedAt } from "@/server/db/cursor";
import { Prisma } from "@/server/db/generated/client";
import type { TenantContext } from "@/server/context";
import type { ListUsageInput, UsageFilters, UsageOutcome, UsageRecordOut, UsageTotals } from "@/lib/schemas/usage";
import type { ActorType } from "@/lib/schemas/common";
import { isRunChannel } from "@/lib/schemas/runs";
import { type Decimal, decimalOrZero } from "@/server/ledger/decimal";

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
    ...(filters.stepId ? { stepId: filters.stepId } : {}),
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
  if (filters.stepId) parts.push(Prisma.sql`u."stepId" = ${filters.stepId}`);
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
  COALESCE(SUM(u."outputTokens"), 0)::text AS "outputTokens",
  COALESCE(SUM(u."cacheReadTokens"), 0)::text AS "cacheReadTokens",
  COALESCE(SUM(u."reasoningTokens"), 0)::text AS "reasoningTokens"`;

interface SumRow {
  calls: number;
  cost: string;
  inputTokens: string;
  outputTokens: string;
  cacheReadTokens: string;
  reasoningTokens: string;
}

function sumOf(row: SumRow | undefined) {
  return {
    costUsd: row ? Number(row.cost) : 0,
    calls: row ? Number(row.calls) : 0,
    inputTokens: row ? Number(row.inputTokens) : 0,
    outputTokens: row ? Number(row.outputTokens) : 0,
    cacheReadTokens: row ? Number(row.cacheReadTokens) : 0,
    reasoningTokens: row ? Number(row.reasoningTokens) : 0,
  };
}

const BREAKDOWN_LIMIT_SQL = Prisma.raw("100");

/** Total cost, tokens and calls, and the same per run, agent, model, day and month (UTC), for the filters. */
export async function usageTotals(ctx: TenantContext, filters: UsageFilters): Promise<UsageTotals> {
  const range = resolveRange(filters);
  const where = sqlWhere(ctx, filters, range);
  const client = db(ctx);
  const [totals, byRun, byAgent, byModel, byChannel, byDay, byMonth] = await Promise.all([
    client.$queryRaw<SumRow[]>`SELECT ${SUMS} FROM "UsageRecord" u WHERE ${where}`,
    client.$queryRaw<(SumRow & { runId: string | null })[]>`
      SELECT u."runId" AS "runId", ${SUMS} FROM "UsageRecord" u WHERE ${where}
      GROUP BY u."runId" ORDER BY SUM(u."costUsd") DESC, u."runId" ASC NULLS LAST LIMIT ${BREAKDOWN_LIMIT_SQL}`,
    client.$queryRaw<(SumRow & { agentId: string | null; agentSlug: string | null; agentName: string | null })[]>`
      SELECT u."agentId" AS "agentId", MAX(a."slug") AS "agentSlug", MAX(a."name") AS "agentName", ${SUMS}
      FROM "UsageRecord" u LEFT JOIN "Agent" a ON a."id" = u."agentId" AND a."workspaceId" = u."workspaceId"
      WHERE ${where}
      GROUP BY u."agentId" ORDER BY SUM(u."costUsd") DESC, u."agentId" ASC NULLS LAST LIMIT ${BREAKDOWN_LIMIT_SQL}`,
    client.$queryRaw<(SumRow & { modelRef: string | null; modelName: string; providerKind: string; displayName: string | null })[]>`
      SELECT u."modelRef" AS "modelRef", u."modelName" AS "modelName", u."providerKind" AS "providerKind",
        MAX(m."displayName") AS "displayName", ${SUMS}
      FROM "UsageRecord" u LEFT JOIN "Model" m ON m."id" = u."modelRef" AND m."workspaceId" = u."workspaceId"
      WHERE ${where}
      GROUP BY u."modelRef", u."modelName", u."providerKind"
      ORDER BY SUM(u."costUsd") DESC, u."modelName" ASC`,
    client.$queryRaw<(SumRow & { channel: string | null })[]>`
      SELECT r."channel" AS "channel", ${SUMS}
      FROM "UsageRecord" u LEFT JOIN "Run" r ON r."id" = u."runId" AND r."workspaceId" = u."workspaceId"
      WHERE ${where}
      GROUP BY r."channel" ORDER BY SUM(u."costUsd") DESC, r."channel" ASC NULLS LAST`,
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
    byAgent: byAgent.map((r) => ({ agentId: r.agentId, agentSlug: r.agentSlug, agentName: r.agentName, ...sumOf(r) })),
    byModel: byModel.map((r) => ({
      modelRef: r.modelRef,
      modelName: r.modelName,
      displayName: r.displayName ?? r.modelName,
      providerKind: r.providerKind,
      ...sumOf(r),
    })),
    byChannel: byChannel.map((r) => ({ channel: isRunChannel(r.channel) ? r.channel : null, ...sumOf(r) })),
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
  const agentIds = [...new Set(page.map((r) => r.agentId).filter((r): r is string => r !== null))];
  const [models, agentRows] = await Promise.all([
    refs.length ? db(ctx).model.findMany({ where: { workspaceId: ctx.workspaceId, id: { in: refs } }, select: { id: true, displayName: true } }) : [],
    agentIds.length
      ? db(ctx).agent.findMany({ where: { workspaceId: ctx.workspaceId, id: { in: agentIds } }, select: { id: true, slug: true, name: true } })
      : [],
  ]);
  const names = new Map(models.map((m) => [m.id, m.displayName]));
  const agents = new Map(agentRows.map((a) => [a.id, { slug: a.slug, name: a.name }]));
  const items = page.map((r) => ({
    id: r.id,
    createdAt: r.createdAt,
    runId: r.runId,
    stepId: r.stepId,
    agentId: r.agentId,
    agent: (r.agentId ? agents.get(r.agentId) : undefined) ?? null,
    modelRef: r.modelRef,
    modelName: r.modelName,
    modelDisplayName: (r.modelRef ? names.get(r.modelRef) : undefined) ?? r.modelName,
    providerKind: r.providerKind,
    inputTokens: r.inputTokens,
    outputTokens: r.outputTokens,
    cacheReadTokens: r.cacheReadTokens,
    cacheWriteTokens: r.cacheWriteTokens,
    reasoningTokens: r.reasoningTokens,
    costUsd: Number(r.costUsd),
    estimated: r.estimated,
    latencyMs: r.latencyMs,
    outcome: r.outcome as UsageOutcome,
    error: r.error,
    actorType: r.actorType as ActorType | null,
    actorId: r.actorId,
  }));
  return { items, nextCursor };
}

/** The spend of the calendar month (UTC) so far, summed in the database. */
export async function monthToDateSpend(ctx: TenantContext, now: Date = new Date()): Promise<Decimal> {
  const agg = await db(ctx).usageRecord.aggregate({
    where: { workspaceId: ctx.workspaceId, createdAt: { gte: startOfUtcMonth(now) } },
    _sum: { costUsd: true },
  });
  return decimalOrZero(agg._sum.costUsd);
}
