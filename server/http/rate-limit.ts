import { Prisma } from "@/server/db/generated/client";
import { db, NO_TENANT, tenantScope } from "@/server/db/client";
import { env } from "@/server/env";
import { logger } from "@/server/logger";
import { AppError } from "@/lib/errors";

/**
 * Per-API-key request limits for the REST API: fixed one-minute windows aligned to the clock, so that every server
 * agrees on a window without talking to the others.
 *
 * Two layers:
 * - in memory (this process): every request is counted here and decided here, with no database round trip;
 * - shared: the RateLimiterFlexible table (the rows rate-limiter-flexible keeps for the sign-in limits: key, points,
 *   expire), one row per key and window. Each process adds what it admitted since its last flush to those rows and
 *   reads the totals back, for all its keys in ONE statement, at once after a key's first request of a window and
 *   then at most every FLUSH_MS. (rate-limiter-flexible's RateLimiterPrisma costs two round trips per key and call;
 *   batching keeps the database cost flat however many keys are busy.)
 * On one server the limit is exact. With N servers, a key can exceed it by what the other servers admitted since
 * their last flush (at most about N x rate x FLUSH_MS). If the database is unreachable, each process keeps limiting
 * on its own count.
 */
export interface RateDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** when the current window ends (epoch ms) */
  resetAt: number;
  /** seconds until a refused request may be retried */
  retryAfterSeconds: number;
}

const WINDOW_MS = 60_000;
const FLUSH_MS = 250;
/** rows outlive their window a little, then a flush deletes them */
const ROW_TTL_MS = 2 * WINDOW_MS;

interface KeyWindow {
  windowStart: number;
  /** requests this process admitted in the window */
  mine: number;
  /** of `mine`, already added to the shared row */
  flushed: number;
  /** the shared total at the last flush, minus what this process had flushed then: the other servers' count */
  others: number;
}

export class ApiRateLimiter {
  private readonly windows = new Map<string, KeyWindow>();
  private readonly prefix: string;
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;
  private lastCleanup = 0;

  constructor(private readonly options: { now?: () => number; flushMs?: number; keyPrefix?: string } = {}) {
    this.prefix = options.keyPrefix ?? "api";
  }

  private now(): number {
    return this.options.now?.() ?? Date.now();
  }

  /** Counts one request of `keyId` against `limit` per minute. Refused requests are not counted. */
  hit(keyId: string, limit: number): RateDecision {
    const now = this.now();
    const windowStart = Math.floor(now / WINDOW_MS) * WINDOW_MS;
    const resetAt = windowStart + WINDOW_MS;
    let w = this.windows.get(keyId);
    let fresh = false;
    if (!w || w.windowStart !== windowStart) {
      // a window that ended with counts not yet shared is dropped: they no longer limit anything
      w = { windowStart, mine: 0, flushed: 0, others: 0 };
      this.windows.set(keyId, w);
      fresh = true;
    }
    const used = w.mine + w.others;
    if (used >= limit) {
      return { allowed: false, limit, remaining: 0, resetAt, retryAfterSeconds: Math.max(1, Math.ceil((resetAt - now) / 1000)) };
    }
    w.mine++;
    this.scheduleFlush(fresh ? 0 : (this.options.flushMs ?? FLUSH_MS));
    return { allowed: true, limit, remaining: Math.max(0, limit - used - 1), resetAt, retryAfterSeconds: 0 };
  }

  /** Whether `keyId` is still under `limit` in the current window, without counting anything. */
  peek(keyId: string, limit: number): RateDecision {
    const now = this.now();
    const windowStart = Math.floor(now / WINDOW_MS) * WINDOW_MS;
    const resetAt = windowStart + WINDOW_MS;
    const w = this.windows.get(keyId);
    const used = w && w.windowStart === windowStart ? w.mine + w.others : 0;
    const allowed = used < limit;
    return { allowed, limit, remaining: Math.max(0, limit - used), resetAt, retryAfterSeconds: allowed ? 0 : Math.max(1, Math.ceil((resetAt - now) / 1000)) };
  }

  private scheduleFlush(delay: number): void {
    if (this.timer || this.flushing) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.flush();
    }, delay);
    this.timer.unref?.();
  }

  private flush(): Promise<void> {
    if (this.flushing) return this.flushing;
    const current = Math.floor(this.now() / WINDOW_MS) * WINDOW_MS;
    const batch: { keyId: string; w: KeyWindow; delta: number }[] = [];
    for (const [keyId, w] of this.windows) {
      if (w.windowStart < current) {
        this.windows.delete(keyId);
        continue;
      }
      const delta = w.mine - w.flushed;
      if (delta > 0) batch.push({ keyId, w, delta });
    }
    if (batch.length === 0) return Promise.resolve();
    for (const b of batch) b.w.flushed += b.delta;
    const cleanup = current !== this.lastCleanup;
    this.lastCleanup = current;
    this.flushing = this.share(batch, cleanup)
      .catch((error: unknown) => {
        logger.warn({ err: { message: (error as Error).message } }, "rate limit: could not share the counts (limiting on this process's counts)");
      })
      .finally(() => {
        this.flushing = null;
        for (const w of this.windows.values()) {
          if (w.mine > w.flushed) {
            this.scheduleFlush(this.options.flushMs ?? FLUSH_MS);
            break;
          }
        }
      });
    return this.flushing;
  }

  /** Adds the deltas to the shared rows and reads the totals back: one statement for every key. */
  private async share(batch: { keyId: string; w: KeyWindow; delta: number }[], cleanup: boolean): Promise<void> {
    const rowKey = (b: { keyId: string; w: KeyWindow }) => `${this.prefix}:${b.keyId}:${b.w.windowStart}`;
    const keys = batch.map(rowKey);
    const points = batch.map((b) => b.delta);
    const expires = batch.map((b) => new Date(b.w.windowStart + ROW_TTL_MS).toISOString());
    const rows = await db(NO_TENANT).$queryRaw<{ key: string; points: number }[]>(Prisma.sql`
      INSERT INTO "RateLimiterFlexible" ("key", "points", "expire")
      SELECT k, p, e FROM unnest(${keys}::text[], ${points}::int[], ${expires}::timestamp(3)[]) AS t(k, p, e)
      ON CONFLICT ("key") DO UPDATE SET "points" = "RateLimiterFlexible"."points" + EXCLUDED."points"
      RETURNING "key", "points"`);
    const totals = new Map(rows.map((r) => [r.key, Number(r.points)]));
    for (const b of batch) {
      const total = totals.get(rowKey(b));
      if (total !== undefined && this.windows.get(b.keyId) === b.w) b.w.others = Math.max(0, total - b.w.flushed);
    }
    if (cleanup) {
      // the cutoff from this clock, written like the expiries (UTC, no time zone): the session's TimeZone plays no part
      const cutoff = new Date(batch[0]!.w.windowStart).toISOString();
      await db(NO_TENANT).$executeRaw(
        Prisma.sql`DELETE FROM "RateLimiterFlexible" WHERE "key" LIKE ${`${this.prefix}:%`} AND "expire" < ${cutoff}::timestamp(3)`,
      );
    }
  }

  /** Shares every pending count now (tests; shutdown). */
  async flushAll(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.flushing;
    await this.flush();
  }
}

const globalForLimiter = globalThis as unknown as { cadreApiRateLimiter?: ApiRateLimiter };

export function apiRateLimiter(): ApiRateLimiter {
  globalForLimiter.cadreApiRateLimiter ??= new ApiRateLimiter();
  return globalForLimiter.cadreApiRateLimiter;
}

const LIMIT_TTL_MS = 10_000;
const workspaceLimits = new Map<string, { limit: number; until: number }>();

/**
 * The workspace's limit (its own setting, else CADRE_API_RATE_LIMIT), cached for 10 s: a change made on another
 * server applies there within that time, on this one at once.
 */
export async function apiRateLimitOf(workspaceId: string): Promise<number> {
  const cached = workspaceLimits.get(workspaceId);
  if (cached && cached.until > Date.now()) return cached.limit;
  const row = await db(tenantScope(workspaceId)).workspace.findUnique({ where: { id: workspaceId }, select: { apiRateLimitPerMinute: true } });
  const limit = row?.apiRateLimitPerMinute ?? env().CADRE_API_RATE_LIMIT;
  workspaceLimits.set(workspaceId, { limit, until: Date.now() + LIMIT_TTL_MS });
  if (workspaceLimits.size > 10_000) workspaceLimits.clear();
  return limit;
}

export function forgetApiRateLimit(workspaceId: string): void {
  workspaceLimits.delete(workspaceId);
}

/** The standard headers (IETF RateLimit fields, and the X-RateLimit-* that many clients read). */
export function rateLimitHeaders(d: RateDecision, now = Date.now()): Record<string, string> {
  const resetSeconds = Math.max(0, Math.ceil((d.resetAt - now) / 1000));
  const headers: Record<string, string> = {
    "ratelimit-limit": String(d.limit),
    "ratelimit-remaining": String(d.remaining),
    "ratelimit-reset": String(resetSeconds),
    "x-ratelimit-limit": String(d.limit),
    "x-ratelimit-remaining": String(d.remaining),
    "x-ratelimit-reset": String(Math.ceil(d.resetAt / 1000)),
  };
  if (!d.allowed) headers["retry-after"] = String(d.retryAfterSeconds);
  return headers;
}

/** The 429 of a refused request (errorResponse adds `Retry-After` from its details); `what` is counted per minute. */
export function rateLimitedError(d: RateDecision, what = "requests per minute for this API key"): AppError {
  return new AppError("RATE_LIMITED", `Rate limit of ${d.limit} ${what} reached. Retry in ${d.retryAfterSeconds} s.`, {
    retryAfterSeconds: d.retryAfterSeconds,
  });
}

const globalForOrgLimiter = globalThis as unknown as { cadreOrgTokenRateLimiter?: ApiRateLimiter };

/**
 * The limiter of organisation tokens (`cadre_org_...`): the organisation API (`/api/v1/orgs/...`) and SCIM
 * (`/api/scim/v2/...`) count against one budget per token, CADRE_API_RATE_LIMIT requests per minute, shared across
 * servers like the API keys' (its own key prefix in RateLimiterFlexible).
 */
export function orgTokenRateLimiter(): ApiRateLimiter {
  globalForOrgLimiter.cadreOrgTokenRateLimiter ??= new ApiRateLimiter({ keyPrefix: "org-token" });
  return globalForOrgLimiter.cadreOrgTokenRateLimiter;
}

/** Tests: a fresh limiter (or none: the default). */
export function useOrgTokenRateLimiter(next?: ApiRateLimiter): void {
  globalForOrgLimiter.cadreOrgTokenRateLimiter = next;
}

/** Counts one request of an organisation token against its per-minute budget. */
export function hitOrgToken(tokenId: string): RateDecision {
  return orgTokenRateLimiter().hit(tokenId, env().CADRE_API_RATE_LIMIT);
}

const globalForHookLimiters = globalThis as unknown as { cadreHookRateLimiter?: ApiRateLimiter; cadreHookFailureLimiter?: ApiRateLimiter };

/**
 * The limiters of incoming webhook deliveries (POST /api/hooks/{triggerId}, server/triggers/receive.ts), shared across
 * servers like the API keys': the deliveries that would start a run count per trigger against the workspace's API
 * rate limit; refused deliveries (unknown trigger, bad signature) count per client address against
 * CADRE_API_RATE_LIMIT, and an address over it is refused before any lookup.
 */
export function hookRateLimiters(): { deliveries: ApiRateLimiter; failures: ApiRateLimiter } {
  globalForHookLimiters.cadreHookRateLimiter ??= new ApiRateLimiter({ keyPrefix: "hook" });
  globalForHookLimiters.cadreHookFailureLimiter ??= new ApiRateLimiter({ keyPrefix: "hook-refused" });
  return { deliveries: globalForHookLimiters.cadreHookRateLimiter, failures: globalForHookLimiters.cadreHookFailureLimiter };
}

/** Tests: fresh limiters (or none: the defaults). */
export function useHookRateLimiters(next?: { deliveries: ApiRateLimiter; failures: ApiRateLimiter }): void {
  globalForHookLimiters.cadreHookRateLimiter = next?.deliveries;
  globalForHookLimiters.cadreHookFailureLimiter = next?.failures;
}
