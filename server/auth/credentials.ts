import { db, NO_TENANT } from "@/server/db/client";
import { AppError } from "@/lib/errors";
import { assertNotThrottled, clearFailures, recordFailure, type ThrottleScope } from "./login-throttle";
import { dummyPasswordHash, verifyPassword } from "./passwords";
import { recordAuthEvent } from "./events";
import { hasActiveFactor, verifySecondFactor } from "./mfa";
import { parseAssertion, verifyPasskeyAssertion } from "./passkeys";
import type { SessionUser } from "./sessions";

interface Origin {
  userAgent?: string;
  requestId?: string;
}

/** The second factor a sign-in carries: a TOTP or recovery code, or a passkey assertion (JSON, as the form posts it). */
export interface SecondFactorInput {
  code?: string | null;
  webauthn?: string | null;
  /** the origin the request came to (server/http/origin.ts): the relying party when CADRE_PUBLIC_URL is unset */
  siteOrigin?: string;
}

/** Why a sign-in with the right password still needs (another) code: the credentials provider's distinct codes. */
export type SecondFactorRefusal = "mfa_required" | "mfa_invalid";

export function secondFactorRefusalOf(error: unknown): SecondFactorRefusal | null {
  const reason = error instanceof AppError ? error.details?.reason : undefined;
  return reason === "mfa_required" || reason === "mfa_invalid" ? reason : null;
}

function countersOf(email: string, clientAddress?: string | null) {
  const counters: { scope: ThrottleScope; value: string }[] = [{ scope: "email", value: email }];
  if (clientAddress) counters.push({ scope: "address", value: clientAddress });
  return counters;
}

async function recordFailures(counters: { scope: ThrottleScope; value: string }[], email: string): Promise<void> {
  const now = new Date();
  for (const c of counters) await recordFailure(c.scope, c.value, now, email);
}

/**
 * Checks email + password only, with the sign-in throttle: failed attempts are counted per email and per client
 * address (when known: see server/http/client-address.ts) and earn progressive delays (server/auth/login-throttle.ts),
 * never a lock. Not a sign-in: it creates no session (`verifyCredentials` does, with the second factor); used to
 * confirm the password of someone already signed in (password change, step-up).
 */
export async function checkPassword(
  emailRaw: string,
  password: string,
  clientAddress?: string | null,
  origin: Origin = {},
): Promise<SessionUser & { sessionVersion: number }> {
  const email = emailRaw.trim().toLowerCase();
  const counters = countersOf(email, clientAddress);
  await assertNotThrottled(counters);
  const user = await db(NO_TENANT).user.findUnique({ where: { email } });
  const ok = await verifyPassword(user?.passwordHash ?? (await dummyPasswordHash()), password);
  if (!user?.passwordHash || !ok) {
    await recordFailures(counters, email);
    recordAuthEvent({ action: "auth.sign_in_failed", userId: user?.id, email, method: "password", clientAddress: clientAddress ?? undefined, ...origin });
    throw new AppError("UNAUTHORIZED", "Wrong email or password");
  }
  // SCIM deactivated the person (told only to someone who knows the password)
  if (user.deactivatedAt) {
    recordAuthEvent({ action: "auth.sign_in_failed", userId: user.id, email, method: "password", clientAddress: clientAddress ?? undefined, ...origin });
    throw new AppError("UNAUTHORIZED", "Your organisation has deactivated this account");
  }
  return { id: user.id, email: user.email, name: user.name, sessionVersion: user.sessionVersion };
}

/**
 * Sign-in with email + password, and for a user with an active second factor a TOTP or recovery code or a passkey
 * assertion too: the password is never enough alone for them. Without a code the refusal says `mfa_required`; a wrong code says
 * `mfa_invalid` and counts as a failed sign-in in the throttle (the email's count is cleared only by a complete
 * sign-in, so knowing the password does not buy unlimited code guesses).
 */
export async function verifyCredentials(
  emailRaw: string,
  password: string,
  clientAddress?: string | null,
  origin: Origin = {},
  second: SecondFactorInput | string | null = {},
): Promise<SessionUser> {
  const user = await checkPassword(emailRaw, password, clientAddress, origin);
  if (await hasActiveFactor(user.id)) {
    const { code, webauthn, siteOrigin } = typeof second === "string" || second === null ? { code: second } : second;
    if (!code?.trim() && !webauthn) throw new AppError("UNAUTHORIZED", "Enter the code of your authenticator app", { reason: "mfa_required" });
    const meta = { clientIp: clientAddress, ...origin, context: "sign_in" };
    const factor = webauthn
      ? await verifyPasskeyAssertion(user.id, parseAssertion(webauthn), { ...meta, siteOrigin })
      : await verifySecondFactor(user.id, code ?? "", meta);
    if (!factor) {
      await recordFailures(countersOf(user.email, clientAddress), user.email);
      throw new AppError("UNAUTHORIZED", "This code is not right", { reason: "mfa_invalid" });
    }
  }
  await clearFailures("email", user.email);
  recordAuthEvent({ action: "auth.sign_in", userId: user.id, email: user.email, method: "password", clientAddress: clientAddress ?? undefined, ...origin });
  return user;
}
