import { db, NO_TENANT } from "@/server/db/client";
import { AppError } from "@/lib/errors";
import { assertNotThrottled, clearFailures, recordFailure, type ThrottleScope } from "./login-throttle";
import { dummyPasswordHash, verifyPassword } from "./passwords";
import { recordAuthEvent } from "./events";
import type { SessionUser } from "./sessions";

/**
 * Checks email + password. Failed attempts are counted per email and per client address (when known: see
 * server/http/client-address.ts) and earn progressive delays (server/auth/login-throttle.ts), never a lock.
 */
export async function verifyCredentials(
  emailRaw: string,
  password: string,
  clientAddress?: string | null,
  origin: { userAgent?: string; requestId?: string } = {},
): Promise<SessionUser> {
  const email = emailRaw.trim().toLowerCase();
  const counters: { scope: ThrottleScope; value: string }[] = [{ scope: "email", value: email }];
  if (clientAddress) counters.push({ scope: "address", value: clientAddress });
  await assertNotThrottled(counters);
  const user = await db(NO_TENANT).user.findUnique({ where: { email } });
  const ok = await verifyPassword(user?.passwordHash ?? (await dummyPasswordHash()), password);
  if (!user?.passwordHash || !ok) {
    const now = new Date();
    for (const c of counters) await recordFailure(c.scope, c.value, now, email);
    recordAuthEvent({ action: "auth.sign_in_failed", userId: user?.id, email, method: "password", clientAddress: clientAddress ?? undefined, ...origin });
    throw new AppError("UNAUTHORIZED", "Wrong email or password");
  }
  await clearFailures("email", email);
  if (user.deactivatedAt) {
    recordAuthEvent({ action: "auth.sign_in_failed", userId: user.id, email, method: "password", clientAddress: clientAddress ?? undefined, ...origin });
    throw new AppError("UNAUTHORIZED", "Your organisation has deactivated this account");
  }
  recordAuthEvent({ action: "auth.sign_in", userId: user.id, email, method: "password", clientAddress: clientAddress ?? undefined, ...origin });
  return { id: user.id, email: user.email, name: user.name, sessionVersion: user.sessionVersion };
}
