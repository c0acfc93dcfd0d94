import { describe, expect, it, vi } from "vitest";
import { testDb as db } from "@/test/db";
import { env } from "@/server/env";
import { signUp } from "@/server/users/service";
import { verifyCredentials } from "@/server/auth/credentials";
import { callerFor, outcome, uniq } from "@/test/helpers";

const PASSWORD = "Correct-Horse-9";
const ip = () => `203.0.113.${uniq()}`; // the per-address counter is shared: every test uses its own address
const email = (label: string) => `${label}-${uniq()}@example.test`;

describe("signUp", () => {
  it.each([
    ["short", () => "Ab1!", "at least 10 characters"],
    ["one class only", () => "abcdefghijkl", "Mix letters with digits or symbols"],
    ["common", () => "Password123", "too common"],
    ["contains the email", (local: string) => `X9!${local.toUpperCase()}`, "Do not use your email"],
  ])("rejects a weak password (%s) with VALIDATION_FAILED and says why", async (_label, passwordFor, message) => {
    const local = `carol-${uniq()}`;
    const address = `${local}@example.test`;
    const password = passwordFor(local);
    const result = await outcome(signUp({ name: "Carol", email: address, password }));
    expect(result).toMatchObject({ ok: false, code: "VALIDATION_FAILED" });
    expect(result.ok === false && result.message).toContain(message);
    expect(await db().user.findUnique({ where: { email: address } })).toBeNull();
  });

  it("reports the field of a validation failure", async () => {
    await expect(signUp({ name: "Dan", email: email("dan"), password: "short" })).rejects.toMatchObject({
      code: "VALIDATION_FAILED",
      details: { issues: [{ path: "password", message: expect.stringContaining("10 characters") }] },
    });
    await expect(signUp({ name: "Dan", email: "not-an-email", password: PASSWORD })).rejects.toMatchObject({ code: "VALIDATION_FAILED" });
  });

  it("stores a lower-cased email, unverified, and an argon2id hash, never the password", async () => {
    const address = email("erin");
    expect(await signUp({ name: "Erin", email: `  ${address.toUpperCase()} `, password: PASSWORD })).toEqual({ checkEmail: false });
    const row = await db().user.findUniqueOrThrow({ where: { email: address } });
    expect(row.emailVerified).toBeNull();
    expect(row.passwordHash).toMatch(/^\$argon2id\$/);
    expect(row.passwordHash).not.toContain(PASSWORD);
  });

  it("answers a taken email (whatever its case) exactly like a new one, and leaves the account untouched", async () => {
    const address = email("frank");
    const first = await signUp({ name: "Frank", email: address, password: PASSWORD });
    const before = await db().user.findUniqueOrThrow({ where: { email: address } });
    const again = await outcome(signUp({ name: "Frank 2", email: address.toUpperCase(), password: "Another-pass-77" }));
    expect(again).toEqual({ ok: true, value: first });
    expect(await db().user.count({ where: { email: address } })).toBe(1);
    const after = await db().user.findUniqueOrThrow({ where: { email: address } });
    expect(after).toEqual(before);
    // the original password still opens it, the second one does not
    expect(await verifyCredentials(address, PASSWORD, ip())).toMatchObject({ email: address, name: "Frank" });
    expect(await outcome(verifyCredentials(address, "Another-pass-77", ip()))).toMatchObject({ ok: false, code: "UNAUTHORIZED" });
  });

  it("is reachable over tRPC without a session", async () => {
    const address = email("gina");
    expect(await callerFor(null).auth.signUp({ name: "Gina", email: address, password: PASSWORD })).toEqual({ checkEmail: false });
    expect(await db().user.findUnique({ where: { email: address } })).toMatchObject({ name: "Gina" });
    expect(await outcome(callerFor(null).auth.signUp({ name: "Gina", email: email("gina"), password: "weak" }))).toMatchObject({
      ok: false,
      code: "UNPROCESSABLE_CONTENT",
    });
  });
});

describe("verifyCredentials", () => {
  it("accepts the right password (email in any case), refuses a wrong one and an unknown email alike", async () => {
    const address = email("hank");
    await signUp({ name: "Hank", email: address, password: PASSWORD });
    const user = await db().user.findUniqueOrThrow({ where: { email: address } });
    expect(await verifyCredentials(` ${address.toUpperCase()} `, PASSWORD, ip())).toEqual({ id: user.id, email: address, name: "Hank", sessionVersion: 0 });

    const wrong = await outcome(verifyCredentials(address, "Wrong-password-1", ip()));
    const unknown = await outcome(verifyCredentials(email("nobody"), PASSWORD, ip()));
    expect(wrong).toMatchObject({ ok: false, code: "UNAUTHORIZED" });
    expect(unknown).toMatchObject({ ok: false, code: "UNAUTHORIZED" });
    // the same message either way: sign-in does not tell which emails have accounts
    expect(wrong.ok === false && wrong.message).toBe(unknown.ok === false && unknown.message);
  });

  it("a user without a password (OAuth only) cannot sign in with one", async () => {
    const address = email("oauth");
    await db().user.create({ data: { id: `usr_${uniq()}${uniq()}`, email: address, name: "OAuth" } });
    expect(await outcome(verifyCredentials(address, PASSWORD, ip()))).toMatchObject({ ok: false, code: "UNAUTHORIZED" });
  });

  it("after the free attempts, delays an email progressively (never a lock): refused during the delay, the right password passes after it", async () => {
    const free = env().CADRE_LOGIN_FREE_ATTEMPTS;
    const address = email("ivan");
    await signUp({ name: "Ivan", email: address, password: PASSWORD });
    vi.useFakeTimers({ toFake: ["Date"], now: new Date("2026-12-04T06:00:00Z") });
    try {
      for (let i = 0; i < free - 1; i++) {
        expect(await outcome(verifyCredentials(address, `Wrong-${i}-password`, ip()))).toMatchObject({ ok: false, code: "UNAUTHORIZED" });
      }
      // the free-th failure starts the first delay (1 s by default), from any address: the count is per email
      expect(await outcome(verifyCredentials(address, "Wrong-x-password", ip()))).toMatchObject({ ok: false, code: "UNAUTHORIZED" });
      const during = await outcome(verifyCredentials(address.toUpperCase(), PASSWORD, ip()));
      expect(during).toMatchObject({ ok: false, code: "RATE_LIMITED" });
      expect(during.ok === false && during.message).toMatch(/Try again in 1 second/);
      // attempts refused during a delay are not counted
      const row = await db().loginThrottle.findUniqueOrThrow({ where: { key: `email:${address}` } });
      expect(row.failures).toBe(free);
      // each further failure doubles the delay
      vi.setSystemTime(Date.now() + 1_100);
      expect(await outcome(verifyCredentials(address, "Wrong-y-password", ip()))).toMatchObject({ ok: false, code: "UNAUTHORIZED" });
      const doubled = await outcome(verifyCredentials(address, PASSWORD, ip()));
      expect(doubled.ok === false && doubled.message).toMatch(/Try again in 2 second/);
      // once the delay has passed, the right password signs in and the count is cleared
      vi.setSystemTime(Date.now() + 2_100);
      expect(await verifyCredentials(address, PASSWORD, ip())).toMatchObject({ email: address });
      expect(await db().loginThrottle.findUnique({ where: { key: `email:${address}` } })).toBeNull();
    } finally {
      vi.useRealTimers();
    }
  });

  it("caps the delay at CADRE_LOGIN_MAX_DELAY_SECONDS and forgets failures after the window", async () => {
    const address = email("capped");
    vi.useFakeTimers({ toFake: ["Date"], now: new Date("2026-12-05T06:00:00Z") });
    try {
      // 30 failures, each after the previous delay
      for (let i = 0; i < 30; i++) {
        const row = await db().loginThrottle.findUnique({ where: { key: `email:${address}` } });
        if (row) vi.setSystemTime(row.blockedUntil.getTime() + 1);
        await outcome(verifyCredentials(address, "Wrong-password-1"));
      }
      const row = await db().loginThrottle.findUniqueOrThrow({ where: { key: `email:${address}` } });
      expect(row.failures).toBe(30);
      expect(row.blockedUntil.getTime() - Date.now()).toBe(env().CADRE_LOGIN_MAX_DELAY_SECONDS * 1000);
      vi.setSystemTime(Date.now() + env().CADRE_LOGIN_WINDOW_SECONDS * 1000 + 1000);
      await outcome(verifyCredentials(address, "Wrong-password-1"));
      expect((await db().loginThrottle.findUniqueOrThrow({ where: { key: `email:${address}` } })).failures).toBe(1);
    } finally {
      vi.useRealTimers();
    }
  });

  it("delays a client address that sprays many emails (wider allowance), while the victim can still sign in from elsewhere", async () => {
    const free = env().CADRE_LOGIN_ADDRESS_FREE_ATTEMPTS;
    const address = email("judy");
    await signUp({ name: "Judy", email: address, password: PASSWORD });
    const attacker = ip();
    for (let i = 0; i < free; i++) {
      expect(await outcome(verifyCredentials(email("spray"), PASSWORD, attacker))).toMatchObject({ ok: false, code: "UNAUTHORIZED" });
    }
    // now the address waits, even for the right password of an untouched account...
    const refused = await outcome(verifyCredentials(address, PASSWORD, attacker));
    expect(refused).toMatchObject({ ok: false, code: "RATE_LIMITED" });
    expect(refused.ok === false && refused.message).toContain("from your network");
    // ...while the victim signs in from elsewhere
    expect(await verifyCredentials(address, PASSWORD, ip())).toMatchObject({ email: address });
  });

  it("without a known client address only the per-email count applies", async () => {
    const free = env().CADRE_LOGIN_FREE_ATTEMPTS;
    const address = email("lee");
    await signUp({ name: "Lee", email: address, password: PASSWORD });
    for (let i = 0; i < free * 3; i++) await outcome(verifyCredentials(email("spray"), PASSWORD, null));
    expect(await verifyCredentials(address, PASSWORD, null)).toMatchObject({ email: address });
    expect(await db().loginThrottle.count({ where: { key: { startsWith: "addr:" }, failures: { gt: 1000 } } })).toBe(0);
  });

  it("a successful sign-in resets the email's failure count", async () => {
    const free = env().CADRE_LOGIN_FREE_ATTEMPTS;
    const address = email("kim");
    await signUp({ name: "Kim", email: address, password: PASSWORD });
    for (let i = 0; i < free - 1; i++) await outcome(verifyCredentials(address, "Wrong-password-1", ip()));
    await verifyCredentials(address, PASSWORD, ip());
    for (let i = 0; i < free - 1; i++) await outcome(verifyCredentials(address, "Wrong-password-1", ip()));
    expect(await verifyCredentials(address, PASSWORD, ip())).toMatchObject({ email: address });
  });
});
