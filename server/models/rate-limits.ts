/**
 * Rate limits per provider connection, shared by every run and process through the database (one
 * "ProviderRateWindow" row per provider, tenant-scoped under row-level security):
 * - `takeRateSlot` counts a model call into the provider's current window (fixed windows of `windowMs`, a minute)
 *   with one atomic upsert: it succeeds only while the window's requests stay within the provider's `rpmLimit` and
 *   its tokens (the call's prompt estimate + maximum output) within `tpmLimit`, and while the provider's "not
 *   before" time has passed. Otherwise it says how long to wait (the window's end, or the "not before" time).
 * - `holdProvider` sets that "not before" time (a 429's Retry-After): every caller of every process respects it.
 * The simulator is never limited (no row, no statement).
 */
import type { TenantContext } from "@/server/context";
import { execute } from "@/server/db/execute";
import { sql } from "@/server/db/sql";

export interface RateLimited {
  id: string;
  kind: string;
  rpmLimit?: number | null;
  tpmLimit?: number | null;
}

export interface RateLimitSettings {
  /** the window the limits apply to (a minute; tests shorten it) */
  windowMs: number;
}

const DEFAULT_RATE_LIMITS: RateLimitSettings = { windowMs: 60_000 };
let rateSettings: RateLimitSettings = { ...DEFAULT_RATE_LIMITS };

export function configureRateLimits(patch?: Partial<RateLimitSettings>): RateLimitSettings {
  rateSettings = patch ? { ...rateSettings, ...patch } : { ...DEFAULT_RATE_LIMITS };
  return rateSettings;
}

/** Whether calls to this provider go through the shared limiter. */
export function isRateLimited(provider: RateLimited): boolean {
  return provider.kind !== "simulator";
}

/**
 * Takes one request and `tokens` tokens of the provider's current window. `{ waitMs: 0 }` when taken; otherwise
 * how long until a call may be tried again (nothing was taken).
 */
export async function takeRateSlot(ctx: TenantContext, provider: RateLimited, tokens: number, now = Date.now()): Promise<{ waitMs: number }> {
  if (!isRateLimited(provider)) return { waitMs: 0 };
  const { windowMs } = rateSettings;
  const windowStart = new Date(Math.floor(now / windowMs) * windowMs);
  const at = new Date(now);
  const taken = Math.max(0, Math.ceil(tokens));
  const limits = [
    provider.rpmLimit != null ? sql`w."requests" + 1 <= ${provider.rpmLimit}` : sql`TRUE`,
    provider.tpmLimit != null ? sql`w."tokens" + ${taken} <= ${provider.tpmLimit}` : sql`TRUE`,
  ];
  const { rows } = await execute<{ ok: number }>(
    ctx,
    sql`INSERT INTO "ProviderRateWindow" AS w ("providerId", "workspaceId", "windowStart", "requests", "tokens")
        VALUES (${provider.id}, ${ctx.workspaceId}, ${windowStart}, 1, ${taken})
        ON CONFLICT ("providerId") DO UPDATE SET
          "windowStart" = GREATEST(w."windowStart", EXCLUDED."windowStart"),
          "requests" = CASE WHEN w."windowStart" < EXCLUDED."windowStart" THEN 1 ELSE w."requests" + 1 END,
          "tokens" = CASE WHEN w."windowStart" < EXCLUDED."windowStart" THEN EXCLUDED."tokens" ELSE w."tokens" + EXCLUDED."tokens" END
        WHERE (w."notBefore" IS NULL OR w."notBefore" <= ${at})
          AND (w."windowStart" < EXCLUDED."windowStart" OR (${sql.join(limits, sql` AND `)}))
        RETURNING 1 AS ok`,
  );
  if (rows.length > 0) return { waitMs: 0 };
  // epoch milliseconds (a timestamp(3) holds UTC wall time): no time zone of this process involved
  const { rows: state } = await execute<{ windowStart: number | string; notBefore: number | string | null }>(
    ctx,
    sql`SELECT (EXTRACT(EPOCH FROM "windowStart") * 1000)::float8 AS "windowStart", (EXTRACT(EPOCH FROM "notBefore") * 1000)::float8 AS "notBefore"
        FROM "ProviderRateWindow" WHERE "providerId" = ${provider.id}`,
  );
  const row = state[0];
  if (!row) return { waitMs: 0 };
  const notBefore = row.notBefore != null ? Number(row.notBefore) : 0;
  if (notBefore > now) return { waitMs: Math.ceil(notBefore - now) };
  return { waitMs: Math.max(1, Math.ceil(Number(row.windowStart) + windowMs - now)) };
}

/** Sets the provider's "not before" time (never earlier than one already set): a 429's Retry-After, for everyone. */
export async function holdProvider(ctx: TenantContext, provider: RateLimited, until: number, now = Date.now()): Promise<void> {
  if (!isRateLimited(provider)) return;
  const windowStart = new Date(Math.floor(now / rateSettings.windowMs) * rateSettings.windowMs);
  await execute(
    ctx,
    sql`INSERT INTO "ProviderRateWindow" AS w ("providerId", "workspaceId", "windowStart", "notBefore")
        VALUES (${provider.id}, ${ctx.workspaceId}, ${windowStart}, ${new Date(until)})
        ON CONFLICT ("providerId") DO UPDATE SET "notBefore" = GREATEST(w."notBefore", EXCLUDED."notBefore")`,
  );
}

/**
 * Waits for a slot of the provider's shared limits: 0 once taken; otherwise (the wait would be longer than
 * `capMs`) how long the provider is unavailable, and nothing was taken.
 */
export async function waitForRateSlot(ctx: TenantContext, provider: RateLimited, tokens: number, capMs: number, signal?: AbortSignal): Promise<number> {
  if (!isRateLimited(provider)) return 0;
  let waited = 0;
  for (;;) {
    const { waitMs } = await takeRateSlot(ctx, provider, tokens);
    if (waitMs === 0) return 0;
    if (waited + waitMs > capMs) return waitMs;
    await pause(waitMs, signal);
    waited += waitMs;
  }
}

function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
