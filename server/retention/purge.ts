/**
 * The retention purge: deletes (or clears) what each workspace's retention policy says has expired, the sign-in
 * throttle's expired rows, and the workspaces whose recovery window has passed. Every statement works in batches
 * (`batchSize` rows at most, repeated until nothing is left) so that no statement holds locks for long, and the
 * counts go to the log and to the metrics (cadre_retention_purged_rows_total{kind}). Idempotent: every server may
 * run it, at any time. It crosses workspaces: the `operator` privileged path (docs/security.md).
 *
 * Policies (docs/data-retention.md): a workspace's own number of days, else the server's default; 0 keeps forever.
 * - run events of runs that finished longer ago than `runEventsDays` are deleted;
 * - step inputs and outputs (RunStep.inputSeen, output, result) of runs finished longer ago than `stepPayloadsDays`
 *   are cleared (the step rows, their status, tokens and cost stay);
 * - usage rows older than `usageDays` are deleted;
 * - audit entries older than `auditDays` are deleted (entries of purged workspaces: the server's default);
 *   auth events (no workspace) older than CADRE_AUDIT_RETENTION_DAYS.
 */
import { execute } from "@/server/db/execute";
import { SYSTEM } from "@/server/db/scope";
import { sql, type Sql } from "@/server/db/sql";
import { env } from "@/server/env";
import { logger } from "@/server/logger";
import { purgeExpiredIdempotencyKeys } from "@/server/idempotency/store";
import { metrics } from "@/server/observability/metrics";
import { newId } from "@/lib/ids";
import type { AuditAction, AuditTargetType } from "@/lib/schemas/audit";
import type { ActorType } from "@/lib/schemas/common";

const DAY_MS = 24 * 60 * 60 * 1000;
const OPERATOR = SYSTEM("operator");
const TERMINAL = sql`('succeeded', 'failed', 'cancelled')`;

export interface RetentionDefaults {
  runEventsDays: number;
  stepPayloadsDays: number;
  usageDays: number;
  auditDays: number;
}

export function retentionDefaults(): RetentionDefaults {
  const e = env();
  return {
    runEventsDays: e.CADRE_RETENTION_RUN_EVENTS_DAYS,
    stepPayloadsDays: e.CADRE_RETENTION_STEP_PAYLOADS_DAYS,
    usageDays: e.CADRE_RETENTION_USAGE_DAYS,
    auditDays: e.CADRE_AUDIT_RETENTION_DAYS,
  };
}

export interface PurgeOptions {
  now?: Date;
  batchSize?: number;
  defaults?: Partial<RetentionDefaults>;
}

export interface PurgeResult {
  runEvents: number;
  stepPayloads: number;
  usageRows: number;
  auditEntries: number;
  authEvents: number;
  loginThrottles: number;
  rateLimits: number;
  workspaces: number;
  idempotencyKeys: number;
}

/** Repeats a batched statement (it must affect at most `batch` rows) until it affects fewer. */
async function inBatches(statement: Sql, batch: number): Promise<number> {
  let total = 0;
  for (;;) {
    const { rowCount } = await execute(OPERATOR, statement);
    total += rowCount;
    if (rowCount < batch) return total;
  }
}

/** `days` of the workspace's own column, else the default; the cut-off as a SQL expression (NULL: keep forever). */
function cutoff(column: string, fallback: number, now: Date): Sql {
  const days = sql`COALESCE(w.${sql.ident(column)}, ${fallback})`;
  return sql`CASE WHEN ${days} > 0 THEN ${now}::timestamp(3) - make_interval(days => ${days}) END`;
}

export async function purgeRunEvents(now: Date, batch: number, fallback: number): Promise<number> {
  return inBatches(
    sql`DELETE FROM "RunEvent" WHERE "id" IN (
          SELECT e."id" FROM "Run" r
          JOIN "Workspace" w ON w."id" = r."workspaceId"
          JOIN "RunEvent" e ON e."runId" = r."id"
          WHERE r."status" IN ${TERMINAL} AND r."finishedAt" < ${cutoff("retentionRunEventsDays", fallback, now)}
          LIMIT ${batch})`,
    batch,
  );
}

export async function purgeStepPayloads(now: Date, batch: number, fallback: number): Promise<number> {
  return inBatches(
    sql`UPDATE "RunStep" SET "inputSeen" = NULL, "output" = NULL, "result" = NULL WHERE "id" IN (
          SELECT s."id" FROM "Run" r
          JOIN "Workspace" w ON w."id" = r."workspaceId"
          JOIN "RunStep" s ON s."runId" = r."id"
          WHERE r."status" IN ${TERMINAL} AND r."finishedAt" < ${cutoff("retentionStepPayloadsDays", fallback, now)}
            AND (s."inputSeen" IS NOT NULL OR s."output" IS NOT NULL OR s."result" IS NOT NULL)
          LIMIT ${batch})`,
    batch,
  );
}

export async function purgeUsage(now: Date, batch: number, fallback: number): Promise<number> {
  return inBatches(
    sql`DELETE FROM "UsageRecord" WHERE "id" IN (
          SELECT u."id" FROM "UsageRecord" u JOIN "Workspace" w ON w."id" = u."workspaceId"
          WHERE u."createdAt" < ${cutoff("retentionUsageDays", fallback, now)}
          LIMIT ${batch})`,
    batch,
  );
}

/** Audit entries: the workspace's own period; entries of workspaces that no longer exist: the default. */
export async function purgeAuditEntries(now: Date, batch: number, fallback: number): Promise<number> {
  return inBatches(
    sql`DELETE FROM "AuditLog" WHERE "id" IN (
          SELECT a."id" FROM "AuditLog" a LEFT JOIN "Workspace" w ON w."id" = a."workspaceId"
          WHERE a."createdAt" < ${cutoff("retentionAuditDays", fallback, now)}
          LIMIT ${batch})`,
    batch,
  );
}

export async function purgeAuthEvents(now: Date, batch: number, days: number): Promise<number> {
  if (days === 0) return 0;
  const before = new Date(now.getTime() - days * DAY_MS);
  return inBatches(sql`DELETE FROM "AuthEvent" WHERE "id" IN (SELECT "id" FROM "AuthEvent" WHERE "createdAt" < ${before} LIMIT ${batch})`, batch);
}

/** Sign-in throttle rows whose window has passed (they would start from zero anyway) and expired limiter rows. */
export async function purgeSignInLimits(now: Date, batch: number): Promise<{ loginThrottles: number; rateLimits: number }> {
  const windowStart = new Date(now.getTime() - env().CADRE_LOGIN_WINDOW_SECONDS * 1000);
  const loginThrottles = await inBatches(
    sql`DELETE FROM "LoginThrottle" WHERE "key" IN (
          SELECT "key" FROM "LoginThrottle" WHERE "lastFailureAt" < ${windowStart} AND "blockedUntil" < ${now} LIMIT ${batch})`,
    batch,
  );
  const rateLimits = await inBatches(
    sql`DELETE FROM "RateLimiterFlexible" WHERE "key" IN (SELECT "key" FROM "RateLimiterFlexible" WHERE "expire" < ${now} LIMIT ${batch})`,
    batch,
  );
  return { loginThrottles, rateLimits };
}

/**
 * Workspaces deleted longer ago than their recovery window: their largest tables in batches, then the workspace row
 * (which cascades to the rest). Their audit entries are kept until the audit retention removes them, with one more
 * entry recording the purge.
 */
export async function purgeDeletedWorkspaces(now: Date, batch: number): Promise<number> {
  const { rows } = await execute<{ id: string; slug: string }>(
    OPERATOR,
    sql`SELECT "id", "slug" FROM "Workspace" WHERE "deletedAt" IS NOT NULL AND "purgeAfter" <= ${now} ORDER BY "purgeAfter" LIMIT 100`,
  );
  for (const w of rows) {
    for (const table of ["RunEvent", "RunStep", "UsageRecord", "Run"]) {
      await inBatches(
        sql`DELETE FROM ${sql.ident(table)} WHERE "id" IN (SELECT "id" FROM ${sql.ident(table)} WHERE "workspaceId" = ${w.id} LIMIT ${batch})`,
        batch,
      );
    }
    await execute(
      OPERATOR,
      sql`INSERT INTO "AuditLog" ("id", "workspaceId", "workspaceSlug", "actorType", "actorLabel", "action", "targetType", "targetId", "metadata")
          VALUES (${newId("aud")}, ${w.id}, ${w.slug}, ${"system" satisfies ActorType}, 'retention purge', ${"workspace.purge" satisfies AuditAction}, ${"workspace" satisfies AuditTargetType}, ${w.id}, '{}'::jsonb)`,
    );
    await execute(OPERATOR, sql`DELETE FROM "Workspace" WHERE "id" = ${w.id} AND "deletedAt" IS NOT NULL`);
    logger.info({ workspaceId: w.id }, "retention: purged a deleted workspace past its recovery window");
  }
  return rows.length;
}

/** One full purge. */
export async function runRetentionPurge(options: PurgeOptions = {}): Promise<PurgeResult> {
  const now = options.now ?? new Date();
  const batch = options.batchSize ?? 5000;
  const d = { ...retentionDefaults(), ...options.defaults };
  const workspaces = await purgeDeletedWorkspaces(now, batch);
  const result: PurgeResult = {
    runEvents: await purgeRunEvents(now, batch, d.runEventsDays),
    stepPayloads: await purgeStepPayloads(now, batch, d.stepPayloadsDays),
    usageRows: await purgeUsage(now, batch, d.usageDays),
    auditEntries: await purgeAuditEntries(now, batch, d.auditDays),
    authEvents: await purgeAuthEvents(now, batch, d.auditDays),
    ...(await purgeSignInLimits(now, batch)),
    workspaces,
    // idempotency keys past their 24 hours (each workspace's are also purged as it uses keys)
    idempotencyKeys: await purgeExpiredIdempotencyKeys(),
  };
  for (const [kind, count] of Object.entries(result)) if (count > 0) metrics.retentionPurged.inc({ kind }, count);
  metrics.retentionLastRun.set(Math.round(Date.now() / 1000));
  return result;
}

const globalForRetention = globalThis as unknown as { cadreRetention?: NodeJS.Timeout };

/** In-process schedule: a minute after start-up (off the boot path), then every CADRE_RETENTION_INTERVAL_MINUTES. */
export function startRetention(): void {
  const minutes = env().CADRE_RETENTION_INTERVAL_MINUTES;
  if (globalForRetention.cadreRetention || !env().DATABASE_URL || minutes === 0) return;
  let running = false;
  const run = () => {
    if (running) return;
    running = true;
    const started = performance.now();
    runRetentionPurge()
      .then((r) => logger.info({ type: "retention", ...r, durationMs: Math.round(performance.now() - started) }, "retention: purge finished"))
      .catch((error: unknown) => {
        metrics.retentionErrors.inc();
        logger.warn({ err: { message: (error as Error).message } }, "retention: purge failed (retrying at the next interval)");
      })
      .finally(() => (running = false));
  };
  const first = setTimeout(() => {
    run();
    globalForRetention.cadreRetention = setInterval(run, minutes * 60_000);
    globalForRetention.cadreRetention.unref();
  }, 60_000);
  first.unref();
  globalForRetention.cadreRetention = first;
}
