/**
 * Step-up: sensitive actions need a recent authentication of THIS session (its `sid`): the sign-in itself (`sat`)
 * or a re-authentication recorded here (`account.stepUp`), within STEP_UP_WINDOW_SECONDS. Interactive sessions
 * only: API-key calls (REST) are not people at a keyboard and are not asked. The procedures that require it are
 * listed in STEP_UP_PROCEDURES (server/api/step-up-procedures.ts).
 */
import { db, userScope } from "@/server/db/client";
import { AppError, isAppError } from "@/lib/errors";
import { env } from "@/server/env";
import { recordAuthEvent } from "@/server/audit/auth-events";
import { checkPassword } from "./credentials";
import { assertNotThrottled, recordFailure } from "./login-throttle";
import { hasActiveFactor, verifySecondFactor, type MfaMeta } from "./mfa";
import { sessionEndsAt, type SessionUser } from "./sessions";
import { verifyPasskeyAssertion } from "./passkeys";
import type { PasskeyAssertion } from "@/lib/schemas/passkeys";

export function stepUpWindowSeconds(): number {
  return env().CADRE_STEP_UP_WINDOW_SECONDS;
}

export const STEP_UP_MESSAGE = "Confirm it is you: enter your password or a code of your authenticator app, or use a passkey, then try again";

/** When this session last proved who it is (epoch ms): its sign-in or its latest step-up. */
export async function lastAuthenticatedAt(user: SessionUser): Promise<number | null> {
  const claims = user.session;
  if (!claims) return null;
  const row = await db(userScope(user.id)).sessionStepUp.findUnique({ where: { sessionId: claims.sessionId }, select: { at: true, userId: true } });
  const stepped = row && row.userId === user.id ? row.at.getTime() : 0;
  return Math.max(claims.signedInAt * 1000, stepped);
}

/**
 * Throws STEP_UP_REQUIRED unless this session authenticated within the window; REAUTHENTICATION_REQUIRED for a person
 * who has nothing to step up with here (no password, no second factor: single sign-on, GitHub or Google only).
 */
export async function requireRecentAuth(user: SessionUser, now = Date.now()): Promise<void> {
  const at = await lastAuthenticatedAt(user);
  if (at !== null && now - at <= stepUpWindowSeconds() * 1000) return;
  const windowSeconds = stepUpWindowSeconds();
  const row = await db(userScope(user.id)).user.findUnique({ where: { id: user.id }, select: { passwordHash: true } });
  if (!row?.passwordHash && !(await hasActiveFactor(user.id))) {
    const minutes = Math.max(1, Math.round(windowSeconds / 60));
    throw new AppError("REAUTHENTICATION_REQUIRED", `Sign in again to confirm it is you, then try again within ${minutes} minutes`, { windowSeconds });
  }
  throw new AppError("STEP_UP_REQUIRED", STEP_UP_MESSAGE, { windowSeconds });
}

export type StepUpInput = { password: string; code?: string } | { code: string } | { webauthn: PasskeyAssertion };

/**
 * Re-authenticates this session: the password (and, when enrolled, a code), or a code alone (TOTP or recovery) or a
 * passkey assertion (options from `account.passkeys.authenticationOptions`) for an enrolled user. Failures count in
 * the sign-in throttle like a sign-in's.
 */
export async function stepUp(user: SessionUser, input: StepUpInput, meta: MfaMeta & { siteOrigin?: string } = {}, now = Date.now()) {
  const claims = user.session;
  if (!claims) throw new AppError("UNAUTHORIZED", "Sign in first");
  const email = user.email.trim().toLowerCase();
  const counters = [{ scope: "email" as const, value: email }, ...(meta.clientIp ? [{ scope: "address" as const, value: meta.clientIp }] : [])];
  const enrolled = await hasActiveFactor(user.id);
  const refuse = async (field: "password" | "code" | "webauthn", message: string): Promise<never> => {
    for (const c of counters) await recordFailure(c.scope, c.value, new Date(now), email);
    throw new AppError("VALIDATION_FAILED", message, { issues: [{ path: field, message }] });
  };
  let method: string;
  if ("webauthn" in input) {
    if (!enrolled) throw new AppError("VALIDATION_FAILED", "Enter your password", { issues: [{ path: "password", message: "Enter your password" }] });
    await assertNotThrottled(counters);
    if (!(await verifyPasskeyAssertion(user.id, input.webauthn, { ...meta, context: "step_up" }, now)))
      await refuse("webauthn", "This passkey was not accepted");
    method = "passkey";
  } else if ("password" in input && input.password) {
    try {
      await checkPassword(email, input.password, meta.clientIp, meta);
    } catch (error) {
      if (isAppError(error) && error.code === "UNAUTHORIZED") {
        const message = "This password is not right";
        throw new AppError("VALIDATION_FAILED", message, { issues: [{ path: "password", message }] });
      }
      throw error;
    }
    method = "password";
    if (enrolled) {
      if (!input.code?.trim()) throw new AppError("VALIDATION_FAILED", "Enter a code too", { issues: [{ path: "code", message: "Enter a code too" }] });
      if (!(await verifySecondFactor(user.id, input.code, { ...meta, context: "step_up" }, now))) await refuse("code", "This code is not right");
      method = "password+code";
    }
  } else {
    if (!enrolled) throw new AppError("VALIDATION_FAILED", "Enter your password", { issues: [{ path: "password", message: "Enter your password" }] });
    await assertNotThrottled(counters);
    const factor = await verifySecondFactor(user.id, input.code ?? "", { ...meta, context: "step_up" }, now);
    if (!factor) await refuse("code", "This code is not right");
    method = factor === "recovery" ? "recovery_code" : "totp";
  }
  const at = new Date(now);
  await db(userScope(user.id)).sessionStepUp.upsert({
    where: { sessionId: claims.sessionId },
    create: { sessionId: claims.sessionId, userId: user.id, at, expiresAt: sessionEndsAt(claims) },
    update: { at },
  });
  await recordAuthEvent({
    action: "auth.step_up",
    userId: user.id,
    ip: meta.clientIp,
    userAgent: meta.userAgent,
    requestId: meta.requestId,
    metadata: { method },
  });
  return { at };
}
