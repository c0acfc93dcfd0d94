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
 *   auth events (no workspace) older than CADRE_AUDIT_RETENTION_DAYS;
 * - outgoing webhook deliveries (and their attempts) that ended longer ago than `runEventsDays` are deleted;
 * - memories past their TTL rule are deleted, and memories above the workspace's cap are evicted (the workspace's
 *   memory settings; lib/schemas/memory.ts documents the rules). Pinned memories are never touched;
 * - expired identity rows: SSO sign-ins past their state's and ticket's expiry, second-factor step-ups past their
 *   window, WebAuthn challenges past theirs (each is refused once expired; the purge only reclaims the rows);
 * - MCP rows that can no longer be used: expired access and refresh tokens of the hosted endpoint, connections left
 *   with no token (the code never exchanged, or every token expired), sessions idle longer than
 *   MCP_SESSION_IDLE_DAYS, call records past their expiry, pending authorizations of MCP servers past theirs;
 * - incoming webhook deliveries (the webhook-id a redelivery is matched on) older than the run events' window.
 */
import { execute } from "@/server/db/execute";
import { SYSTEM } from "@/server/db/scope";
import { sql, type Sql } from "@/server/db/sql";
import { env } from "@/server/env";
import { logger } from "@/server/logger";
import { purgeExpiredIdempotencyKeys } from "@/server/idempotency/store";
import { MCP_SESSION_IDLE_DAYS } from "@/lib/schemas/mcp-endpoint";
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
  memoriesExpired: number;
  memoriesEvicted: number;
  webhookDeliveries: number;
  ssoSignIns: number;
  stepUps: number;
  webAuthnChallenges: number;
  samlAssertionUses: number;
  mcpTokens: number;
  mcpConnections: number;
  mcpSessions: number;
  mcpCallRuns: number;
  mcpOAuthStates: number;
  webhookTriggerDeliveries: number;
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

/** Deletes, in batches, the rows of `table` (keyed by `key`) whose `column` is before `before`. */
function deleteBefore(table: string, key: string, column: string, before: Date, batch: number): Promise<number> {
  const [t, k] = [sql.ident(table), sql.ident(key)];
  return inBatches(sql`DELETE FROM ${t} WHERE ${k} IN (SELECT ${k} FROM ${t} WHERE ${sql.ident(column)} < ${before} LIMIT ${batch})`, batch);
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

/** Webhook deliveries that ended (delivered, failed) longer ago than the run events' window; their attempts cascade. */
export async function purgeWebhookDeliveries(now: Date, batch: number, fallback: number): Promise<number> {
  return inBatches(
    sql`DELETE FROM "WebhookDelivery" WHERE "id" IN (
          SELECT d."id" FROM "WebhookDelivery" d
          JOIN "Workspace" w ON w."id" = d."workspaceId"
          WHERE d."status" IN ('delivered', 'failed') AND d."finishedAt" < ${cutoff("retentionRunEventsDays", fallback, now)}
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
  return deleteBefore("AuthEvent", "id", "createdAt", before, batch);
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
 * Identity rows that no longer mean anything (server/sso/flow.ts, server/auth/step-up.ts, server/auth/passkeys.ts):
 * an SSO sign-in once its state and its ticket (if one was issued) have expired, a step-up once its window has
 * ended, a WebAuthn challenge once it has expired, a SAML assertion id once the assertion itself has expired (a replay
 * of it is refused by its own time conditions from then on). Their tables are per organisation or per person under row-level
 * security; the purge crosses them all (the operator path).
 */
export async function purgeExpiredIdentityRows(
  now: Date,
  batch: number,
): Promise<{ ssoSignIns: number; stepUps: number; webAuthnChallenges: number; samlAssertionUses: number }> {
  const ssoSignIns = await inBatches(
    sql`DELETE FROM "SsoSignIn" WHERE "id" IN (
          SELECT "id" FROM "SsoSignIn" WHERE "expiresAt" < ${now} AND ("ticketExpiresAt" IS NULL OR "ticketExpiresAt" < ${now}) LIMIT ${batch})`,
    batch,
  );
  const stepUps = await deleteBefore("SessionStepUp", "sessionId", "expiresAt", now, batch);
  const webAuthnChallenges = await deleteBefore("WebAuthnChallenge", "id", "expiresAt", now, batch);
  const samlAssertionUses = await inBatches(
    sql`DELETE FROM "SsoAssertionUse" WHERE ("organizationId", "assertionId") IN (
          SELECT "organizationId", "assertionId" FROM "SsoAssertionUse" WHERE "expiresAt" < ${now} LIMIT ${batch})`,
    batch,
  );
  return { ssoSignIns, stepUps, webAuthnChallenges, samlAssertionUses };
}

/** MCP rows are reclaimed once expired for this long (an expired one is refused anyway; a code's exchange may be under way) */
const MCP_EXPIRED_GRACE_MS = 60 * 60_000;

/**
 * MCP rows that can no longer be used (server/mcp-auth/, server/mcp-endpoint/, server/tools/mcp-oauth.ts), once
 * expired for MCP_EXPIRED_GRACE_MS: the hosted endpoint's tokens (a spent refresh token is kept until its expiry, for
 * reuse detection), then its connections left with no token whose code can no longer be exchanged (never exchanged,
 * or every token expired; a revoked connection keeps its refresh tokens until they expire, so it stays listed as
 * revoked until then), sessions idle longer than MCP_SESSION_IDLE_DAYS (refused from then on: the client opens a
 * new one), call records, and pending authorizations of remote MCP servers.
 */
export async function purgeExpiredMcpRows(
  now: Date,
  batch: number,
): Promise<{ mcpTokens: number; mcpConnections: number; mcpSessions: number; mcpCallRuns: number; mcpOAuthStates: number }> {
  const expired = new Date(now.getTime() - MCP_EXPIRED_GRACE_MS);
  const mcpTokens = await deleteBefore("McpToken", "id", "expiresAt", expired, batch);
  const mcpConnections = await inBatches(
    sql`DELETE FROM "McpConnection" WHERE "id" IN (
          SELECT c."id" FROM "McpConnection" c
          WHERE c."codeExpiresAt" < ${expired} AND NOT EXISTS (SELECT 1 FROM "McpToken" t WHERE t."connectionId" = c."id")
          LIMIT ${batch})`,
    batch,
  );
  const mcpSessions = await deleteBefore("McpSession", "id", "lastSeenAt", new Date(now.getTime() - MCP_SESSION_IDLE_DAYS * DAY_MS), batch);
  const mcpCallRuns = await deleteBefore("McpCallRun", "id", "expiresAt", expired, batch);
  const mcpOAuthStates = await deleteBefore("McpOAuthState", "stateHash", "expiresAt", expired, batch);
  return { mcpTokens, mcpConnections, mcpSessions, mcpCallRuns, mcpOAuthStates };
}

/**
 * Incoming webhook deliveries (server/triggers/receive.ts) older than the run events' window: a delivery row is what
 * a redelivery of the same webhook-id is answered from; senders retry for hours or days, not for weeks.
 */
export async function purgeWebhookTriggerDeliveries(now: Date, batch: number, fallback: number): Promise<number> {
  return inBatches(
    sql`DELETE FROM "WebhookTriggerDelivery" WHERE "id" IN (
          SELECT d."id" FROM "WebhookTriggerDelivery" d
          JOIN "Workspace" w ON w."id" = d."workspaceId"
          WHERE d."createdAt" < ${cutoff("retentionRunEventsDays", fallback, now)}
          LIMIT ${batch})`,
    batch,
  );
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

/**
 * A memory's effective importance in SQL (the alias `m` is the Memory row, `halfLife` the workspace's half-life in
 * days or NULL): importance × 0.5 ^ (days since the later of its last change and its last recall / half-life);
 * NULL half-life: no decay. server/memory/recall.ts computes the same in TypeScript (`decayOf`).
 */
function effectiveImportanceSql(halfLife: Sql, now: Date): Sql {
  const since = sql`GREATEST(m."updatedAt", COALESCE(m."lastRecalledAt", m."updatedAt"))`;
  return sql`(CASE WHEN ${halfLife} IS NULL THEN m."importance"
    ELSE m."importance" * power(0.5, GREATEST(0, EXTRACT(EPOCH FROM (${now}::timestamp(3) - ${since})) / 86400.0) / ${halfLife}) END)`;
}

/**
 * Memories past their TTL: for each workspace's rules, the unpinned memories of the rule's scope whose last change
 * is older than its days. A type rule (no scopeId) does not apply to a scope that has its own exact rule.
 */
export async function purgeExpiredMemories(now: Date, batch: number): Promise<number> {
  return inBatches(
    sql`DELETE FROM "Memory" WHERE "id" IN (
          SELECT m."id" FROM "Workspace" w
          CROSS JOIN LATERAL jsonb_to_recordset(w."memoryTtl") AS r("scopeType" text, "scopeId" text, "days" integer)
          JOIN "Memory" m ON m."workspaceId" = w."id" AND m."scopeType" = r."scopeType"
            AND (r."scopeId" IS NULL OR m."scopeId" = r."scopeId")
          WHERE w."memoryTtl" <> '[]'::jsonb AND r."days" > 0 AND NOT m."pinned"
            AND m."updatedAt" < ${now}::timestamp(3) - make_interval(days => r."days")
            AND (r."scopeId" IS NOT NULL OR NOT EXISTS (
              SELECT 1 FROM jsonb_to_recordset(w."memoryTtl") AS x("scopeType" text, "scopeId" text)
              WHERE x."scopeType" = m."scopeType" AND x."scopeId" = m."scopeId"))
          LIMIT ${batch})`,
    batch,
  );
}

/**
 * Workspaces holding more unpinned memories than their cap (the cap lowered, memories unpinned): the excess is
 * evicted, lowest effective importance first, then the least recently changed. One workspace at a time, in batches.
 */
export async function evictMemoriesOverCap(now: Date, batch: number, caps: { fallback: number; max: number }): Promise<number> {
  // unpinned = all (index-only on the createdAt index) - pinned (a partial index)
  const cap = sql`LEAST(COALESCE(w."memoryMaxCount", ${caps.fallback}), ${caps.max})`;
  const { rows } = await execute<{ id: string; excess: string | number }>(
    OPERATOR,
    sql`SELECT w."id", c."n" - ${cap} AS "excess" FROM "Workspace" w
        CROSS JOIN LATERAL (SELECT (SELECT count(*) FROM "Memory" WHERE "workspaceId" = w."id")
          - (SELECT count(*) FROM "Memory" WHERE "workspaceId" = w."id" AND "pinned") AS "n") c
        WHERE c."n" > ${cap}`,
  );
  let total = 0;
  for (const w of rows) {
    for (let excess = Number(w.excess); excess > 0; ) {
      const take = Math.min(batch, excess);
      const { rowCount } = await execute(
        OPERATOR,
        sql`DELETE FROM "Memory" WHERE "id" IN (
              SELECT m."id" FROM "Memory" m JOIN "Workspace" w ON w."id" = m."workspaceId"
              WHERE m."workspaceId" = ${w.id} AND NOT m."pinned"
              ORDER BY ${effectiveImportanceSql(sql`w."memoryDecayHalfLifeDays"`, now)}, m."updatedAt", m."id"
              LIMIT ${take})`,
      );
      total += rowCount;
      if (rowCount < take) break;
      excess -= rowCount;
    }
  }
  return total;
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
    memoriesExpired: await purgeExpiredMemories(now, batch),
    memoriesEvicted: await evictMemoriesOverCap(now, batch, { fallback: env().CADRE_MEMORY_LIMIT, max: env().CADRE_MEMORY_LIMIT_MAX }),
    webhookDeliveries: await purgeWebhookDeliveries(now, batch, d.runEventsDays),
    ...(await purgeExpiredIdentityRows(now, batch)),
    ...(await purgeExpiredMcpRows(now, batch)),
    webhookTriggerDeliveries: await purgeWebhookTriggerDeliveries(now, batch, d.runEventsDays),
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
