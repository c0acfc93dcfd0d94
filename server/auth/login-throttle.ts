import { db, NO_TENANT } from "@/server/db/client";
import { execute } from "@/server/db/execute";
import { sql } from "@/server/db/sql";
import { env } from "@/server/env";
import { AppError } from "@/lib/errors";
import { recordAuthEvent } from "@/server/auth/events";

/**
 * Progressive sign-in delays instead of a lock. Failures are counted per email and per client address in the
 * database (every app process shares them). Past the free allowance, each failure makes the next attempt wait
 * `delay * 2^(failures - free)` seconds, capped; an attempt during the wait is refused without checking the
 * password and without counting, and once the wait is over the right password signs in (and clears the email's
 * count). Failures are forgotten after the window passes without one. An attacker can slow a named user's
 * sign-in down to one attempt per cap, never shut it; spraying from one address is slowed by that address's count.
 */
export type ThrottleScope = "email" | "address";

interface Limits {
  free: number;
  delaySeconds: number;
  maxDelaySeconds: number;
  windowSeconds: number;
}

function limits(scope: ThrottleScope): Limits {
  const e = env();
  return {
    free: scope === "email" ? e.CADRE_LOGIN_FREE_ATTEMPTS : e.CADRE_LOGIN_ADDRESS_FREE_ATTEMPTS,
    delaySeconds: e.CADRE_LOGIN_DELAY_SECONDS,
    maxDelaySeconds: e.CADRE_LOGIN_MAX_DELAY_SECONDS,
    windowSeconds: e.CADRE_LOGIN_WINDOW_SECONDS,
  };
}

/** The wait after the n-th failure (0 while within the free allowance). */
export function delayAfter(failures: number, l: Pick<Limits, "free" | "delaySeconds" | "maxDelaySeconds">): number {
  if (failures < l.free) return 0;
  return Math.min(l.delaySeconds * 2 ** Math.min(failures - l.free, 40), l.maxDelaySeconds);
}

const keyOf = (scope: ThrottleScope, value: string) => `${scope === "email" ? "email" : "addr"}:${value}`;

/** Refuses (RATE_LIMITED, with the seconds to wait) while any of the given counters is in its delay. */
export async function assertNotThrottled(counters: { scope: ThrottleScope; value: string }[], now = new Date()): Promise<void> {
  if (counters.length === 0) return;
  const rows = await db(NO_TENANT).loginThrottle.findMany({ where: { key: { in: counters.map((c) => keyOf(c.scope, c.value)) }, blockedUntil: { gt: now } } });
  if (rows.length === 0) return;
  const until = Math.max(...rows.map((r) => r.blockedUntil.getTime()));
  const seconds = Math.max(1, Math.ceil((until - now.getTime()) / 1000));
  const byAddress = rows.some((r) => r.key.startsWith("addr:"));
  throw new AppError(
    "RATE_LIMITED",
    byAddress
      ? `Too many failed sign-ins from your network. Try again in ${seconds} second(s).`
      : `Too many failed sign-ins for this account. Try again in ${seconds} second(s).`,
    { retryAfterSeconds: seconds },
  );
}

/** Counts one failure and starts the delay it earns. */
export async function recordFailure(scope: ThrottleScope, value: string, now = new Date(), logEmail?: string): Promise<void> {
  const l = limits(scope);
  const key = keyOf(scope, value);
  const windowStart = new Date(now.getTime() - l.windowSeconds * 1000);
  const { rows } = await execute<{ failures: number }>(
    NO_TENANT,
    sql`INSERT INTO "LoginThrottle" ("key", "failures", "lastFailureAt", "blockedUntil") VALUES (${key}, 1, ${now}, ${now})
    ON CONFLICT ("key") DO UPDATE SET
      "failures" = CASE WHEN "LoginThrottle"."lastFailureAt" < ${windowStart} THEN 1 ELSE "LoginThrottle"."failures" + 1 END,
      "lastFailureAt" = ${now}
    RETURNING "failures"`,
  );
  const failures = Number(rows[0]?.failures ?? 1);
  const delay = delayAfter(failures, l);
  if (delay > 0) {
    await db(NO_TENANT).loginThrottle.update({ where: { key }, data: { blockedUntil: new Date(now.getTime() + delay * 1000) } });
    recordAuthEvent({
      action: "auth.sign_in_delayed",
      email: logEmail ?? (scope === "email" ? value : ""),
      scope,
      failures,
      delaySeconds: delay,
      clientAddress: scope === "address" ? value : undefined,
    });
  }
}

/** A successful sign-in forgets the email's failures (never the address's: one good account must not launder a spray). */
export async function clearFailures(scope: ThrottleScope, value: string): Promise<void> {
  await db(NO_TENANT).loginThrottle.deleteMany({ where: { key: keyOf(scope, value) } });
}
