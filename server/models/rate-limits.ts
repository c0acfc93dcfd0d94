/**
 * Rate limits per provider connection, shared by every run and process through the database (one
 * "ProviderRateWindow" row per provider, tenant-scoped under row-level security):
 * - `takeRateSlot` counts a model call into the provider's current window (fixed windows of `windowMs`, a minute)
 *   with one atomic upsert: it succeeds only while the window's requests stay within the provider's `rpmLimit` and
 *   its tokens (the call's prompt estimate + maximum output) within `tpmLimit`, and while the provider's "not
 *   before" time has passed. Otherwise it says how long to wait (the window's end, or the "not before" time).
 * - `holdProvider` sets that "not before" time (a 429's Retry-After): every caller of every process respects it.
 * - The tokens are an estimate (the prompt counted by Cadre, the whole output allowance) taken before the call; once
 *   the provider reported the call's usage, `rateCorrectionSql` adds the difference (actual - charged, positive or
 *   negative) to the window the call was charged to, inside the statement that writes the call's usage row (so the
 *   window is corrected exactly when the row commits). A window that has ended meanwhile is left as it is: its
 *   tokens no longer limit anyone. A call charged but never made gets its request and tokens back (`refundRateCharge`).
 *   A provider whose own limiter counts the output allowance rather than the output may still answer 429 sooner:
 *   that holds it like any 429 (its Retry-After, shared through `holdProvider`).
 * - A provider without limits (neither `rpmLimit` nor `tpmLimit`) counts nothing: its calls only respect its "not
 *   before" time, read through a per-process copy (`HOLD_TTL_MS`, reloaded in the background once stale; a hold set
 *   in this process counts at once). So such a call costs no database round trip, and another process's Retry-After
 *   reaches this one within about a second (and one call).
 * The simulator is never limited (no row, no statement).
 */
import type { TenantContext } from "@/server/context";
import { execute } from "@/server/db/execute";
import { sql, type Sql } from "@/server/db/sql";

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

/** What a taken slot charged: the window it was counted in (its start) and the tokens taken. */
export interface RateCharge {
  providerId: string;
  windowStart: Date;
  tokens: number;
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

/** Whether the provider has limits to count calls against (else only its "not before" time applies). */
function hasLimits(provider: RateLimited): boolean {
  return provider.rpmLimit != null || provider.tpmLimit != null;
}

/** How long this process trusts its copy of a provider's "not before" time before reloading it. */
export const HOLD_TTL_MS = 1_000;

interface HoldCopy {
  notBefore: number;
  loadedAt: number;
  loading: Promise<void> | null;
}

const globalForHolds = globalThis as unknown as { cadreProviderHolds?: Map<string, HoldCopy> };
const holds = () => (globalForHolds.cadreProviderHolds ??= new Map());

/** Forgets this process's copies of the providers' "not before" times (tests: as another process would start). */
export function forgetProviderHolds(): void {
  holds().clear();
}

/** The provider's "not before" time (epoch ms, 0 for none) from this process's copy: loaded on first use, then refreshed in the background when stale. */
async function notBeforeOf(ctx: TenantContext, providerId: string, now: number): Promise<number> {
  const all = holds();
  let copy = all.get(providerId);
  if (!copy) {
    if (all.size >= 10_000) all.clear();
    copy = { notBefore: 0, loadedAt: 0, loading: null };
    all.set(providerId, copy);
    await reloadHold(ctx, providerId, copy);
  } else if (now - copy.loadedAt >= HOLD_TTL_MS && !copy.loading) {
    void reloadHold(ctx, providerId, copy);
  }
  return copy.notBefore;
}

function reloadHold(ctx: TenantContext, providerId: string, copy: HoldCopy): Promise<void> {
  copy.loading ??= execute<{ notBefore: number | string | null }>(
    ctx,
    sql`SELECT (EXTRACT(EPOCH FROM "notBefore") * 1000)::float8 AS "notBefore" FROM "ProviderRateWindow" WHERE "providerId" = ${providerId}`,
  )
    .then(
      ({ rows }) => {
        const stored = rows[0]?.notBefore != null ? Number(rows[0].notBefore) : 0;
        // a hold of this process not committed yet when the row was read is kept
        copy.notBefore = Math.max(stored, copy.notBefore > Date.now() ? copy.notBefore : 0);
        copy.loadedAt = Date.now();
      },
      () => undefined, // tried again at the next call
    )
    .finally(() => {
      copy.loading = null;
    });
  return copy.loading;
}

/**
 * Takes one request and `tokens` tokens of the provider's current window. `{ waitMs: 0 }` and what was charged when
 * taken; otherwise how long until a call may be tried again (nothing was taken).
 */
export async function takeRateSlot(
  ctx: TenantContext,
  provider: RateLimited,
  tokens: number,
  now = Date.now(),
): Promise<{ waitMs: number; charge?: RateCharge }> {
  if (!isRateLimited(provider)) return { waitMs: 0 };
  if (!hasLimits(provider)) {
    const notBefore = await notBeforeOf(ctx, provider.id, now);
    return { waitMs: notBefore > now ? Math.ceil(notBefore - now) : 0 };
  }
  const { windowMs } = rateSettings;
  const windowStart = new Date(Math.floor(now / windowMs) * windowMs);
  const at = new Date(now);
  const taken = Math.max(0, Math.ceil(tokens));
  const limits = [
    provider.rpmLimit != null ? sql`w."requests" + 1 <= ${provider.rpmLimit}` : sql`TRUE`,
    provider.tpmLimit != null ? sql`w."tokens" + ${taken} <= ${provider.tpmLimit}` : sql`TRUE`,
  ];
  // the window charged is the row's after the upsert (another process's clock may have started a later one)
  const { rows } = await execute<{ windowStart: number | string }>(
    ctx,
    sql`INSERT INTO "ProviderRateWindow" AS w ("providerId", "workspaceId", "windowStart", "requests", "tokens")
        VALUES (${provider.id}, ${ctx.workspaceId}, ${windowStart}, 1, ${taken})
        ON CONFLICT ("providerId") DO UPDATE SET
          "windowStart" = GREATEST(w."windowStart", EXCLUDED."windowStart"),
          "requests" = CASE WHEN w."windowStart" < EXCLUDED."windowStart" THEN 1 ELSE w."requests" + 1 END,
          "tokens" = CASE WHEN w."windowStart" < EXCLUDED."windowStart" THEN EXCLUDED."tokens" ELSE w."tokens" + EXCLUDED."tokens" END
        WHERE (w."notBefore" IS NULL OR w."notBefore" <= ${at})
          AND (w."windowStart" < EXCLUDED."windowStart" OR (${sql.join(limits, sql` AND `)}))
        RETURNING (EXTRACT(EPOCH FROM w."windowStart") * 1000)::float8 AS "windowStart"`,
  );
  if (rows.length > 0) return { waitMs: 0, charge: { providerId: provider.id, windowStart: new Date(Number(rows[0]!.windowStart)), tokens: taken } };
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
  const copy = holds().get(provider.id);
  if (copy) copy.notBefore = Math.max(copy.notBefore, until);
  const windowStart = new Date(Math.floor(now / rateSettings.windowMs) * rateSettings.windowMs);
  await execute(
    ctx,
    sql`INSERT INTO "ProviderRateWindow" AS w ("providerId", "workspaceId", "windowStart", "notBefore")
        VALUES (${provider.id}, ${ctx.workspaceId}, ${windowStart}, ${new Date(until)})
        ON CONFLICT ("providerId") DO UPDATE SET "notBefore" = GREATEST(w."notBefore", EXCLUDED."notBefore")`,
  );
}

/**
 * The data-modifying CTE (for a `WITH ... INSERT` of the call's usage row) that corrects the window a call was
 * charged to by the difference between the tokens the call used and those charged; null when there is nothing to
 * correct (no limit on tokens, no difference). Matched on the window's start: a later window is never touched.
 */
export function rateCorrectionSql(ctx: TenantContext, provider: RateLimited, charge: RateCharge | null, usedTokens: number): Sql | null {
  if (!charge || provider.tpmLimit == null) return null;
  const used = Number.isFinite(usedTokens) && usedTokens > 0 ? Math.round(usedTokens) : 0;
  const difference = used - charge.tokens;
  if (difference === 0) return null;
  return sql`rate_corrected AS (UPDATE "ProviderRateWindow" SET "tokens" = GREATEST(0, "tokens" + ${difference})
    WHERE "providerId" = ${charge.providerId} AND "workspaceId" = ${ctx.workspaceId} AND "windowStart" = ${charge.windowStart})`;
}

/** Gives back a slot taken for a call that was never made (its request and tokens); best effort. */
export async function refundRateCharge(ctx: TenantContext, charge: RateCharge | null): Promise<void> {
  if (!charge) return;
  await execute(
    ctx,
    sql`UPDATE "ProviderRateWindow" SET "requests" = GREATEST(0, "requests" - 1), "tokens" = GREATEST(0, "tokens" - ${charge.tokens})
        WHERE "providerId" = ${charge.providerId} AND "workspaceId" = ${ctx.workspaceId} AND "windowStart" = ${charge.windowStart}`,
  ).catch(() => undefined);
}

/**
 * Waits for a slot of the provider's shared limits: `waitMs` 0 once taken, with what was charged (none for a
 * provider without limits); otherwise (the wait would be longer than `capMs`) how long the provider is unavailable,
 * and nothing was taken.
 */
export async function waitForRateSlot(
  ctx: TenantContext,
  provider: RateLimited,
  tokens: number,
  capMs: number,
  signal?: AbortSignal,
): Promise<{ waitMs: number; charge: RateCharge | null }> {
  if (!isRateLimited(provider)) return { waitMs: 0, charge: null };
  let waited = 0;
  for (;;) {
    const { waitMs, charge } = await takeRateSlot(ctx, provider, tokens);
    if (waitMs === 0) return { waitMs: 0, charge: charge ?? null };
    if (waited + waitMs > capMs) return { waitMs, charge: null };
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
