import { afterEach, describe, expect, it, vi } from "vitest";
import { testDb as db } from "@/test/db";
import { env } from "@/server/env";
import { signUp } from "@/server/users/service";
import { callerFor, outcome, uniq } from "@/test/helpers";
import { verifyCredentials } from "./credentials";
import { confirmMfaEnrolment, startMfaEnrolment, verifySecondFactor } from "./mfa";
import { totpCodeAt, TOTP_PERIOD_SECONDS } from "./totp";

const PASSWORD = "Correct-Horse-9";
const T0 = new Date("2026-12-18T10:00:00Z").getTime();
const STEP = TOTP_PERIOD_SECONDS * 1000;
const ip = () => `198.51.100.${uniq()}`;

afterEach(() => {
  vi.useRealTimers();
});

/** A user with a password and an active TOTP factor confirmed at T0; its secret and recovery codes. */
async function enrolled(label: string) {
  const email = `${label}-${uniq()}@example.test`;
  await signUp({ name: label, email, password: PASSWORD });
  const user = await db().user.findUniqueOrThrow({ where: { email } });
  const { secret } = await startMfaEnrolment(user);
  const { recoveryCodes } = await confirmMfaEnrolment(user, totpCodeAt(secret, T0), {}, T0);
  return { user, email, secret, recoveryCodes };
}

/** A 6-digit code that is valid at none of the steps around `now`. */
function wrongCode(secret: string, now: number): string {
  const valid = new Set([-1, 0, 1].map((d) => totpCodeAt(secret, now + d * STEP)));
  for (let n = 0; ; n++) {
    const code = String(n).padStart(6, "0");
    if (!valid.has(code)) return code;
  }
}

describe("TOTP enrolment", () => {
  it("stores the secret sealed, activates it only with a valid first code, and hands out ten recovery codes once", async () => {
    const email = `enrol-${uniq()}@example.test`;
    await signUp({ name: "Enrol", email, password: PASSWORD });
    const user = await db().user.findUniqueOrThrow({ where: { email } });
    const started = await startMfaEnrolment(user);
    expect(started.otpauthUri).toMatch(/^otpauth:\/\/totp\/Cadre:.*secret=/);
    expect(started.qrSvg).toMatch(/^<svg/);
    const row = await db().userMfa.findUniqueOrThrow({ where: { userId: user.id } });
    expect(row.enabledAt).toBeNull();
    expect(Buffer.from(row.ciphertext).toString("latin1")).not.toContain(started.secret);
    // a pending factor does not guard sign-in yet, and a wrong code does not activate it
    expect(await verifyCredentials(email, PASSWORD, ip())).toMatchObject({ id: user.id });
    expect(await outcome(confirmMfaEnrolment(user, wrongCode(started.secret, T0), {}, T0))).toMatchObject({ ok: false, code: "VALIDATION_FAILED" });
    const confirmed = await confirmMfaEnrolment(user, totpCodeAt(started.secret, T0), {}, T0);
    expect(confirmed.recoveryCodes).toHaveLength(10);
    expect(new Set(confirmed.recoveryCodes).size).toBe(10);
    const stored = await db().recoveryCode.findMany({ where: { userId: user.id } });
    expect(stored.map((r) => r.codeHash).some((h) => confirmed.recoveryCodes.includes(h))).toBe(false);
    // a second enrolment is refused while one is active
    expect(await outcome(startMfaEnrolment(user))).toMatchObject({ ok: false, code: "CONFLICT" });
    const events = await db().authEvent.findMany({ where: { userId: user.id, action: "auth.mfa_enrolled" } });
    expect(events).toHaveLength(1);
  });

  it("accepts a code one step either side of now, not two; a code is accepted once (replay refused)", async () => {
    const { user, secret } = await enrolled("window");
    const now = T0 + 10 * STEP;
    expect(await verifySecondFactor(user.id, totpCodeAt(secret, now - 2 * STEP), { context: "test" }, now)).toBeNull();
    expect(await verifySecondFactor(user.id, totpCodeAt(secret, now + 2 * STEP), { context: "test" }, now)).toBeNull();
    expect(await verifySecondFactor(user.id, totpCodeAt(secret, now - STEP), { context: "test" }, now)).toBe("totp");
    // the same code again, and any code of that step or earlier: refused
    expect(await verifySecondFactor(user.id, totpCodeAt(secret, now - STEP), { context: "test" }, now)).toBeNull();
    expect(await verifySecondFactor(user.id, totpCodeAt(secret, now + STEP), { context: "test" }, now)).toBe("totp");
    expect(await verifySecondFactor(user.id, totpCodeAt(secret, now), { context: "test" }, now)).toBeNull();
    const failed = await db().authEvent.count({ where: { userId: user.id, action: "auth.mfa_failed" } });
    expect(failed).toBe(4);
  });

  it("a recovery code works once, in any case and with or without dashes", async () => {
    const { user, recoveryCodes } = await enrolled("recovery");
    const code = recoveryCodes[0]!;
    expect(await verifySecondFactor(user.id, code.toUpperCase().replaceAll("-", ""), { context: "test" })).toBe("recovery");
    expect(await verifySecondFactor(user.id, code, { context: "test" })).toBeNull();
    expect(await db().recoveryCode.count({ where: { userId: user.id, usedAt: null } })).toBe(9);
    expect(await db().authEvent.count({ where: { userId: user.id, action: "auth.mfa_recovery_used" } })).toBe(1);
  });

  it("regenerating the recovery codes invalidates the old set", async () => {
    const { user, email, recoveryCodes } = await enrolled("regen");
    const caller = callerFor({ id: user.id, email, name: user.name });
    const { recoveryCodes: fresh } = await caller.account.mfa.regenerateRecoveryCodes();
    expect(await verifySecondFactor(user.id, recoveryCodes[1]!, { context: "test" })).toBeNull();
    expect(await verifySecondFactor(user.id, fresh[1]!, { context: "test" })).toBe("recovery");
    expect((await caller.account.mfa.status()).recoveryCodesRemaining).toBe(9);
  });
});

describe("sign-in with a second factor", () => {
  it("refuses the password alone (mfa_required), a wrong code (mfa_invalid), and signs in with the code", async () => {
    vi.useFakeTimers({ toFake: ["Date"], now: T0 + 20 * STEP });
    const { user, email, secret } = await enrolled("signin");
    const from = ip();
    const alone = await outcome(verifyCredentials(email, PASSWORD, from));
    expect(alone).toMatchObject({ ok: false, code: "UNAUTHORIZED" });
    expect((await verifyCredentials(email, PASSWORD, from).catch((e: { details?: unknown }) => e.details)) as unknown).toEqual({ reason: "mfa_required" });
    const wrong = await verifyCredentials(email, PASSWORD, from, {}, wrongCode(secret, Date.now())).catch((e: { details?: unknown }) => e.details);
    expect(wrong).toEqual({ reason: "mfa_invalid" });
    // a wrong password with the right code is still a wrong password
    expect(await outcome(verifyCredentials(email, "Wrong-Horse-9", from, {}, totpCodeAt(secret, Date.now())))).toMatchObject({
      ok: false,
      code: "UNAUTHORIZED",
    });
    expect(await verifyCredentials(email, PASSWORD, from, {}, totpCodeAt(secret, Date.now()))).toMatchObject({ id: user.id });
    // the same code cannot sign in a second time
    const replay = await verifyCredentials(email, PASSWORD, from, {}, totpCodeAt(secret, Date.now())).catch((e: { details?: unknown }) => e.details);
    expect(replay).toEqual({ reason: "mfa_invalid" });
  });

  it("counts wrong codes in the sign-in throttle: past the free attempts even the right code waits", async () => {
    vi.useFakeTimers({ toFake: ["Date"], now: T0 + 40 * STEP });
    const { email, secret } = await enrolled("throttle");
    const free = env().CADRE_LOGIN_FREE_ATTEMPTS;
    for (let i = 0; i < free; i++) {
      expect(await outcome(verifyCredentials(email, PASSWORD, ip(), {}, wrongCode(secret, Date.now())))).toMatchObject({ ok: false, code: "UNAUTHORIZED" });
    }
    expect(await outcome(verifyCredentials(email, PASSWORD, ip(), {}, totpCodeAt(secret, Date.now())))).toMatchObject({ ok: false, code: "RATE_LIMITED" });
    const row = await db().loginThrottle.findUniqueOrThrow({ where: { key: `email:${email}` } });
    expect(row.failures).toBe(free);
  });

  it("a recovery code signs in too, once", async () => {
    const { user, email, recoveryCodes } = await enrolled("signin-recovery");
    expect(await verifyCredentials(email, PASSWORD, ip(), {}, recoveryCodes[3])).toMatchObject({ id: user.id });
    expect(await outcome(verifyCredentials(email, PASSWORD, ip(), {}, recoveryCodes[3]))).toMatchObject({ ok: false, code: "UNAUTHORIZED" });
  });
});

describe("disabling", () => {
  it("needs the current password or a valid code; then sign-in takes the password alone again", async () => {
    vi.useFakeTimers({ toFake: ["Date"], now: T0 + 60 * STEP });
    const { user, email, secret } = await enrolled("disable");
    const caller = callerFor({ id: user.id, email, name: user.name });
    expect(await outcome(caller.account.mfa.disable({ password: "Wrong-Horse-9" }))).toMatchObject({ ok: false, code: "UNPROCESSABLE_CONTENT" });
    expect(await outcome(caller.account.mfa.disable({ code: wrongCode(secret, Date.now()) }))).toMatchObject({ ok: false, code: "UNPROCESSABLE_CONTENT" });
    expect((await caller.account.mfa.status()).enabled).toBe(true);
    await caller.account.mfa.disable({ code: totpCodeAt(secret, Date.now()) });
    expect(await caller.account.mfa.status()).toMatchObject({ enabled: false, recoveryCodesRemaining: 0 });
    expect(await db().recoveryCode.count({ where: { userId: user.id } })).toBe(0);
    expect(await verifyCredentials(email, PASSWORD, ip())).toMatchObject({ id: user.id });
    expect(await db().authEvent.count({ where: { userId: user.id, action: "auth.mfa_disabled" } })).toBe(1);
  });
});
