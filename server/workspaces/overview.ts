/**
 * The workspace's home: runs of the last 24 hours, this month's spend against the budget, the newest runs, agents
 * that fail, and the getting-started checklist as the data says it stands. The aggregates are one message of
 * statements (one round trip); each section is there only for a role that may read what it summarises.
 */
import type { TenantContext } from "@/server/context";
import { executeBatch } from "@/server/db/execute";
import { sql, type Sql } from "@/server/db/sql";
import { budgetStatus } from "@/server/ledger/budgets";
import { startOfUtcMonth } from "@/server/ledger/reports";
import { listRuns } from "@/server/runs/service";
import type { Permission } from "@/lib/permissions";
import { CHECKLIST_ITEMS, type ChecklistItem, type RunCounts, type WorkspaceOverviewOut } from "@/lib/schemas/overview";

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
const HOURS = 24;
const FAILING_DAYS = 7;
const FAILING_LIMIT = 5;
const RECENT_RUNS = 5;

/** Which permission shows each checklist item (the item reveals whether such a thing exists). */
const CHECKLIST_READ: Record<ChecklistItem, Permission> = {
  connect_model: "models:read",
  create_agent: "agents:read",
  create_team: "teams:read",
  run_succeeded: "runs:read",
  create_api_key: "api_keys:read",
};

const emptyCounts = (): RunCounts => ({ queued: 0, running: 0, succeeded: 0, failed: 0, cancelled: 0 });

const utcHour = (d: Date): Date => new Date(Math.floor(d.getTime() / HOUR_MS) * HOUR_MS);
const utcDay = (d: Date): string => d.toISOString().slice(0, 10);

interface RunBucketRow {
  hour: string;
  status: keyof RunCounts;
  count: number;
}
interface SpendRow {
  day: string;
  cost: string;
}
interface FailingRow {
  id: string;
  slug: string;
  name: string;
  failed: number;
  steps: number;
  lastError: string | null;
  lastFailedAt: string;
}
type ChecklistRow = Record<ChecklistItem, boolean>;

function runBuckets(ctx: TenantContext, since: Date): Sql {
  return sql`SELECT to_char(date_trunc('hour', r."createdAt"), 'YYYY-MM-DD"T"HH24":00:00.000Z"') AS "hour", r."status"::text AS "status", COUNT(*)::int AS "count"
    FROM "Run" r WHERE r."workspaceId" = ${ctx.workspaceId} AND r."createdAt" >= ${since} GROUP BY 1, 2`;
}

function spendPerDay(ctx: TenantContext, monthStart: Date): Sql {
  return sql`SELECT to_char(date_trunc('day', u."createdAt"), 'YYYY-MM-DD') AS "day", SUM(u."costUsd")::text AS "cost"
    FROM "UsageRecord" u WHERE u."workspaceId" = ${ctx.workspaceId} AND u."createdAt" >= ${monthStart} GROUP BY 1 ORDER BY 1`;
}

function failingAgents(ctx: TenantContext, since: Date): Sql {
  return sql`SELECT a."id", a."slug", a."name", f."failed", f."steps", f."lastError",
      to_char(f."lastFailedAt", 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "lastFailedAt"
    FROM (
      SELECT s."agentId",
        (COUNT(*) FILTER (WHERE s."status" = 'failed'))::int AS "failed",
        COUNT(*)::int AS "steps",
        left((array_agg(s."error" ORDER BY s."startedAt" DESC) FILTER (WHERE s."status" = 'failed'))[1], 300) AS "lastError",
        MAX(s."startedAt") FILTER (WHERE s."status" = 'failed') AS "lastFailedAt"
      FROM "RunStep" s
      WHERE s."workspaceId" = ${ctx.workspaceId} AND s."agentId" IS NOT NULL AND s."startedAt" >= ${since}
      GROUP BY s."agentId"
    ) f
    JOIN "Agent" a ON a."id" = f."agentId" AND a."workspaceId" = ${ctx.workspaceId}
    WHERE f."failed" > 0
    ORDER BY f."failed" DESC, f."lastFailedAt" DESC, a."id"
    LIMIT ${FAILING_LIMIT}`;
}

/** What waits for someone (see workspaceOverviewSchema.attention): one row, each count only where `shown` says. */
function attention(ctx: TenantContext, now: Date, shown: Record<AttentionItem, boolean>): Sql {
  const ws = ctx.workspaceId;
  const day = new Date(now.getTime() - DAY_MS);
  const counts: Record<AttentionItem, Sql> = {
    approvals: sql`SELECT COUNT(*)::int FROM "ToolApproval" x WHERE x."workspaceId" = ${ws} AND x."status" = 'pending' AND x."expiresAt" > ${now}`,
    // a pending definition that was not rejected (server/tools/mcp-servers.ts: the tool's "changed")
    toolsToReview: sql`SELECT COUNT(*)::int FROM "Tool" t WHERE t."workspaceId" = ${ws} AND jsonb_typeof(t."pendingDefinition") = 'object'
      AND t."pendingDefinition"->>'rejectedAt' IS NULL`,
    mcpServers: sql`SELECT COUNT(*)::int FROM "McpServer" m WHERE m."workspaceId" = ${ws} AND m."enabled" AND m."status" <> 'ok'`,
    triggers: sql`SELECT COUNT(*)::int FROM "WebhookTrigger" w WHERE w."workspaceId" = ${ws} AND w."enabled" AND w."lastRefusedAt" >= ${day}`,
    schedules: sql`SELECT COUNT(*)::int FROM "Schedule" c WHERE c."workspaceId" = ${ws} AND c."status" = 'active'
      AND c."lastSkipReason" = 'failed' AND c."lastSkippedAt" >= ${day} AND (c."lastFiredAt" IS NULL OR c."lastFiredAt" < c."lastSkippedAt")`,
  };
  return sql`SELECT ${sql.join(
    ATTENTION_ITEMS.map((item) => (shown[item] ? sql`(${counts[item]}) AS ${sql.ident(item)}` : sql`NULL::int AS ${sql.ident(item)}`)),
  )}`;
}

const ATTENTION_ITEMS = ["approvals", "toolsToReview", "mcpServers", "triggers", "schedules"] as const;
type AttentionItem = (typeof ATTENTION_ITEMS)[number];
const ATTENTION_READ: Record<AttentionItem, Permission> = {
  approvals: "tools:read",
  toolsToReview: "tools:read",
  mcpServers: "tools:read",
  triggers: "triggers:read",
  schedules: "schedules:read",
};

function checklist(ctx: TenantContext): Sql {
  const ws = ctx.workspaceId;
  return sql`SELECT
    EXISTS (SELECT 1 FROM "Provider" p WHERE p."workspaceId" = ${ws} AND p."enabled" AND p."kind" <> 'simulator') AS "connect_model",
    EXISTS (SELECT 1 FROM "Agent" a WHERE a."workspaceId" = ${ws} AND a."archivedAt" IS NULL) AS "create_agent",
    EXISTS (SELECT 1 FROM "Team" t WHERE t."workspaceId" = ${ws} AND t."archivedAt" IS NULL) AS "create_team",
    EXISTS (SELECT 1 FROM "Run" r WHERE r."workspaceId" = ${ws} AND r."status" = 'succeeded') AS "run_succeeded",
    EXISTS (SELECT 1 FROM "ApiKey" k WHERE k."workspaceId" = ${ws} AND k."revokedAt" IS NULL) AS "create_api_key"`;
}

/** 24 hourly buckets ending with the current hour, every status counted per bucket and in all. */
export function foldRunBuckets(rows: readonly RunBucketRow[], currentHour: Date): { byStatus: RunCounts; hourly: (RunCounts & { hour: Date })[] } {
  const first = currentHour.getTime() - (HOURS - 1) * HOUR_MS;
  const hourly = Array.from({ length: HOURS }, (_, i) => ({ hour: new Date(first + i * HOUR_MS), ...emptyCounts() }));
  const byStatus = emptyCounts();
  for (const row of rows) {
    const index = Math.round((Date.parse(row.hour) - first) / HOUR_MS);
    if (!(row.status in byStatus) || index < 0 || index >= HOURS) continue;
    hourly[index]![row.status] += row.count;
    byStatus[row.status] += row.count;
  }
  return { byStatus, hourly };
}

/** Every day from the 1st to today, with the day's spend and the month's running total. */
export function foldSpendPerDay(rows: readonly SpendRow[], monthStart: Date, now: Date): { day: string; costUsd: number; cumulativeUsd: number }[] {
  const costs = new Map(rows.map((r) => [r.day, Number(r.cost)]));
  const days: { day: string; costUsd: number; cumulativeUsd: number }[] = [];
  let total = 0;
  for (let t = monthStart.getTime(); t <= now.getTime(); t += DAY_MS) {
    const day = utcDay(new Date(t));
    const cost = costs.get(day) ?? 0;
    total += cost;
    days.push({ day, costUsd: cost, cumulativeUsd: total });
  }
  return days;
}

export async function workspaceOverview(ctx: TenantContext, now: Date = new Date()): Promise<WorkspaceOverviewOut> {
  const can = (p: Permission) => ctx.permissions.has(p);
  const currentHour = utcHour(now);
  const since = new Date(currentHour.getTime() - (HOURS - 1) * HOUR_MS);
  const monthStart = startOfUtcMonth(now);
  const showRuns = can("runs:read");
  const showSpend = can("usage:read");
  const showFailing = showRuns && can("agents:read");

  const attentionShown = Object.fromEntries(ATTENTION_ITEMS.map((item) => [item, can(ATTENTION_READ[item])])) as Record<AttentionItem, boolean>;
  const statements: Sql[] = [checklist(ctx), attention(ctx, now, attentionShown)];
  if (showRuns) statements.push(runBuckets(ctx, since));
  if (showSpend) statements.push(spendPerDay(ctx, monthStart));
  if (showFailing) statements.push(failingAgents(ctx, new Date(now.getTime() - FAILING_DAYS * DAY_MS)));

  const [results, recent, budget] = await Promise.all([
    executeBatch(ctx, statements),
    showRuns ? listRuns(ctx, { limit: RECENT_RUNS }) : null,
    showSpend && can("budgets:read") ? budgetStatus(ctx) : null,
  ]);
  const [checklistResult, attentionResult, ...rest] = results;
  const take = <R>(shown: boolean): R[] | null => (shown ? (rest.shift()?.rows as R[]) : null);
  const buckets = take<RunBucketRow>(showRuns);
  const spend = take<SpendRow>(showSpend);
  const failing = take<FailingRow>(showFailing);

  const done = checklistResult!.rows[0] as ChecklistRow;
  const perDay = spend ? foldSpendPerDay(spend, monthStart, now) : null;
  return {
    generatedAt: now,
    runs: buckets && recent ? { since, ...foldRunBuckets(buckets, currentHour), recent: recent.items } : null,
    spend: perDay ? { monthStart, spentUsd: perDay.at(-1)?.cumulativeUsd ?? 0, perDay, budget } : null,
    failingAgents: failing
      ? failing.map((r) => ({
          agent: { id: r.id, slug: r.slug, name: r.name },
          failedSteps: r.failed,
          steps: r.steps,
          lastError: r.lastError,
          lastFailedAt: new Date(r.lastFailedAt),
        }))
      : null,
    attention: attentionResult!.rows[0] as WorkspaceOverviewOut["attention"],
    checklist: CHECKLIST_ITEMS.filter((item) => can(CHECKLIST_READ[item])).map((item) => ({ item, done: done[item] })),
  };
}
