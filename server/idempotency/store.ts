/**
 * Idempotency keys (IETF draft-ietf-httpapi-idempotency-key-header) for creating requests: the REST
 * `Idempotency-Key` header (server/rest/define.ts, routes with `idempotent: true`) and the web app's run form
 * (tRPC `runs.start`, `idempotencyKey`).
 *
 * A key belongs to a workspace and a caller (an API key, or a person in the web app). The first request with a key
 * CLAIMS it: one `INSERT .. ON CONFLICT DO NOTHING`-style statement on the unique (workspace, caller, key), so that of
 * concurrent duplicates exactly one wins, whatever the number of processes. The winner runs the operation and stores
 * its response (status and body, byte for byte); a failed operation releases the claim (nothing was created, the
 * same key may be retried). A later request with the key and:
 * - the same request fingerprint (method, path, query and canonical JSON body) gets the stored response again, and
 *   creates nothing;
 * - another fingerprint: IDEMPOTENCY_KEY_REUSED (422);
 * - while the first is still in flight: it waits for it (up to `waitMs`) and then gets its response, or
 *   IDEMPOTENCY_KEY_IN_FLIGHT (409, Retry-After: 1) if it is still running.
 * Keys expire 24 hours after their first use (database clock); expired rows are purged opportunistically per
 * workspace and daily for all (server/audit/retention.ts). A claim whose process died is taken over after `lockMs`.
 */
import { createHash } from "node:crypto";
import superjson from "superjson";
import { AppError } from "@/lib/errors";
import { newId } from "@/lib/ids";
import { IDEMPOTENCY_WINDOW_HOURS } from "@/lib/idempotency";
import type { TenantContext } from "@/server/context";
import { execute, executeBatch } from "@/server/db/execute";
import { orgScope, SYSTEM, type ScopeLike } from "@/server/db/scope";
import { sql, type Sql } from "@/server/db/sql";
import { logger } from "@/server/logger";

/**
 * Who a key belongs to: the workspace and the caller (`api_key:<id>` or `user:<id>`), or an organisation and its
 * token (`org_token:<id>`, the organisation API; the "OrgIdempotencyKey" table under the organisation's scope).
 */
export type IdempotencyOwner = { workspaceId: string; actor: string } | { organizationId: string; actor: string };

/** The table, owner column and scope of an owner's keys. */
function storeOf(owner: IdempotencyOwner): { table: Sql; column: Sql; id: string; scope: ScopeLike } {
  return "organizationId" in owner
    ? { table: sql.ident("OrgIdempotencyKey"), column: sql.ident("organizationId"), id: owner.organizationId, scope: orgScope(owner.organizationId) }
    : { table: sql.ident("IdempotencyKey"), column: sql.ident("workspaceId"), id: owner.workspaceId, scope: { workspaceId: owner.workspaceId } };
}

export function idempotencyOwnerOf(ctx: TenantContext): IdempotencyOwner {
  return { workspaceId: ctx.workspaceId, actor: ctx.actor.type === "api_key" ? `api_key:${ctx.actor.keyId}` : `user:${ctx.actor.userId}` };
}

/** A response as stored and replayed: the status and the body text exactly as first sent. */
export interface StoredResponse {
  status: number;
  body: string;
}

export interface IdempotencySettings {
  /** how long a duplicate waits for the first request to finish before it gets a 409 */
  waitMs: number;
  pollMs: number;
  /** a claim still in flight after this is considered abandoned (its process died) and may be taken over */
  lockMs: number;
  /** at most one opportunistic purge of a workspace's expired keys per process in this time */
  purgeEveryMs: number;
}

const DEFAULTS: IdempotencySettings = { waitMs: 2_000, pollMs: 25, lockMs: 120_000, purgeEveryMs: 60_000 };
let settings: IdempotencySettings = { ...DEFAULTS };

/** Tests: shorter waits. Without an argument, the defaults. */
export function configureIdempotency(next: Partial<IdempotencySettings> = {}): void {
  settings = { ...DEFAULTS, ...next };
}

// ---------------------------------------------------------------------------------------------------
// Fingerprints

/** JSON with object keys sorted at every level: two bodies that differ only in key order are the same request. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v === undefined ? null : v)).join(",")}]`;
  if (value && typeof value === "object" && !(value instanceof Date)) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/** The fingerprint of a request: sha256 of what identifies it (operation, target, body). */
export function requestFingerprint(parts: Record<string, unknown>): string {
  return createHash("sha256").update(canonicalJson(parts)).digest("hex");
}

// ---------------------------------------------------------------------------------------------------
// Storage (database clock, UTC: the columns are timestamp(3) holding UTC like Prisma's)

const NOW = sql`(now() AT TIME ZONE 'UTC')`;
const ms = (n: number) => sql`make_interval(secs => ${Math.max(0, Math.floor(n)) / 1000})`;

interface KeyRow {
  fingerprint: string;
  responseStatus: number | null;
  responseBody: string | null;
}

const lastPurge = new Map<string, number>();

/** Deletes the workspace's expired keys (in the claim's own transaction), at most once per `purgeEveryMs` per process. */
function purgeStatement(owner: IdempotencyOwner): Sql | null {
  const { table, column, id } = storeOf(owner);
  const now = Date.now();
  if ((lastPurge.get(id) ?? 0) > now - settings.purgeEveryMs) return null;
  if (lastPurge.size > 10_000) lastPurge.clear();
  lastPurge.set(id, now);
  return sql`DELETE FROM ${table} WHERE ${column} = ${id} AND "expiresAt" <= ${NOW}`;
}

/**
 * Claims the key: inserts it, or takes over an expired row or an abandoned claim of the same request. True when
 * this request owns the key now.
 */
async function claim(owner: IdempotencyOwner, key: string, fingerprint: string, claimId: string): Promise<boolean> {
  const { table, column, id, scope } = storeOf(owner);
  const insert = sql`INSERT INTO ${table} ("id", ${column}, "actor", "key", "fingerprint", "lockedUntil", "expiresAt", "createdAt")
    VALUES (${claimId}, ${id}, ${owner.actor}, ${key}, ${fingerprint}, ${NOW} + ${ms(settings.lockMs)},
      ${NOW} + make_interval(hours => ${IDEMPOTENCY_WINDOW_HOURS}), ${NOW})
    ON CONFLICT (${column}, "actor", "key") DO UPDATE SET
      "id" = EXCLUDED."id", "fingerprint" = EXCLUDED."fingerprint", "responseStatus" = NULL, "responseBody" = NULL, "completedAt" = NULL,
      "lockedUntil" = EXCLUDED."lockedUntil", "expiresAt" = EXCLUDED."expiresAt", "createdAt" = EXCLUDED."createdAt"
    WHERE ${table}."expiresAt" <= ${NOW}
      OR (${table}."completedAt" IS NULL AND ${table}."lockedUntil" <= ${NOW} AND ${table}."fingerprint" = EXCLUDED."fingerprint")
    RETURNING "id"`;
  const purge = purgeStatement(owner);
  const results = await executeBatch(scope, purge ? [purge, insert] : [insert]);
  const rows = results[results.length - 1]!.rows as { id: string }[];
  return rows[0]?.id === claimId;
}

async function readKey(owner: IdempotencyOwner, key: string): Promise<KeyRow | null> {
  const { table, column, id, scope } = storeOf(owner);
  const { rows } = await execute<{ fingerprint: string; responseStatus: number | null; responseBody: string | null }>(
    scope,
    sql`SELECT "fingerprint", "responseStatus", "responseBody" FROM ${table}
      WHERE ${column} = ${id} AND "actor" = ${owner.actor} AND "key" = ${key} AND "expiresAt" > ${NOW}`,
  );
  return rows[0] ?? null;
}

async function complete(owner: IdempotencyOwner, claimId: string, response: StoredResponse): Promise<void> {
  const { table, column, id, scope } = storeOf(owner);
  await execute(
    scope,
    sql`UPDATE ${table} SET "responseStatus" = ${response.status}, "responseBody" = ${response.body}, "completedAt" = ${NOW}
      WHERE "id" = ${claimId} AND ${column} = ${id}`,
  );
}

async function release(owner: IdempotencyOwner, claimId: string): Promise<void> {
  const { table, column, id, scope } = storeOf(owner);
  await execute(scope, sql`DELETE FROM ${table} WHERE "id" = ${claimId} AND ${column} = ${id} AND "completedAt" IS NULL`);
}

const sleep = (msec: number) => new Promise((resolve) => setTimeout(resolve, msec));

// ---------------------------------------------------------------------------------------------------
// The one mechanism

/**
 * Runs `operation` once per (owner, key): see the file's comment. `replayed` tells whether the response is the
 * stored one of an earlier request.
 */
export async function withIdempotency(
  owner: IdempotencyOwner,
  key: string,
  fingerprint: string,
  operation: () => Promise<StoredResponse>,
): Promise<StoredResponse & { replayed: boolean }> {
  const deadline = Date.now() + settings.waitMs;
  for (;;) {
    const claimId = newId("idk");
    if (await claim(owner, key, fingerprint, claimId)) {
      let response: StoredResponse;
      try {
        response = await operation();
      } catch (error) {
        await release(owner, claimId).catch((e: unknown) =>
          logger.warn({ err: { message: (e as Error).message } }, "idempotency: could not release a failed request's key"),
        );
        throw error;
      }
      try {
        await complete(owner, claimId, response);
      } catch (error) {
        // the operation happened: answer it; the key stays claimed (a retry waits, then takes the claim over after lockMs)
        logger.error({ err: { message: (error as Error).message } }, "idempotency: could not store a response");
      }
      return { ...response, replayed: false };
    }
    const row = await readKey(owner, key);
    if (row) {
      if (row.fingerprint !== fingerprint) {
        throw new AppError(
          "IDEMPOTENCY_KEY_REUSED",
          "This Idempotency-Key was already used for a different request (another body, path or operation) in the last 24 hours: use a new key for a new request",
        );
      }
      if (row.responseStatus !== null && row.responseBody !== null) return { status: row.responseStatus, body: row.responseBody, replayed: true };
    }
    // in flight (or released / expired in between: claim again)
    if (Date.now() >= deadline) {
      throw new AppError(
        "IDEMPOTENCY_KEY_IN_FLIGHT",
        "A request with this Idempotency-Key is still being processed: retry after a moment to get its response",
        { retryAfterSeconds: 1 },
      );
    }
    if (row) await sleep(settings.pollMs);
  }
}

/**
 * A service call made idempotent by a client's key (tRPC): the result is stored with superjson (dates stay dates)
 * and a repeat returns it. Without a key, just the call.
 */
export async function idempotentCall<T>(ctx: TenantContext, operation: string, key: string | undefined, input: unknown, call: () => Promise<T>): Promise<T> {
  if (key === undefined) return call();
  const fingerprint = requestFingerprint({ operation, input: input ?? null });
  const result = await withIdempotency(idempotencyOwnerOf(ctx), key, fingerprint, async () => ({ status: 200, body: superjson.stringify(await call()) }));
  return superjson.parse<T>(result.body);
}

/** Deletes every workspace's and organisation's expired keys (the daily retention job; privileged: it spans them). */
export async function purgeExpiredIdempotencyKeys(): Promise<number> {
  const [workspaces, organizations] = await executeBatch(SYSTEM("operator"), [
    sql`DELETE FROM "IdempotencyKey" WHERE "expiresAt" <= ${NOW}`,
    sql`DELETE FROM "OrgIdempotencyKey" WHERE "expiresAt" <= ${NOW}`,
  ]);
  return workspaces!.rowCount + organizations!.rowCount;
}
