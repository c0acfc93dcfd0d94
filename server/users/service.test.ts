import { describe, expect, it } from "vitest";
import { testDb as db } from "@/test/db";
import { env } from "@/server/env";
import { signUp, verifyCredentials } from "@/server/users/service";
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

  it("stores a lower-cased email and an argon2id hash, never the password", async () => {
    const address = email("erin");
    const user = await signUp({ name: "Erin", email: `  ${address.toUpperCase()} `, password: PASSWORD });
    expect(user.email).toBe(address);
    const row = await db().user.findUniqueOrThrow({ where: { id: user.id } });
    expect(row.passwordHash).toMatch(/^\$argon2id\$/);
    expect(row.passwordHash).not.toContain(PASSWORD);
  });

  it("refuses a taken email, whatever its case, with CONFLICT", async () => {
    const address = email("frank");
    await signUp({ name: "Frank", email: address, password: PASSWORD });
    const again = await outcome(signUp({ name: "Frank 2", email: address.toUpperCase(), password: "Another-pass-77" }));
    expect(again).toMatchObject({ ok: false, code: "CONFLICT" });
    expect(await db().user.count({ where: { email: address } })).toBe(1);
  });

  it("is reachable over tRPC without a session", async () => {
    const address = email("gina");
    expect(await callerFor(null).auth.signUp({ name: "Gina", email: address, password: PASSWORD })).toMatchObject({ email: address, name: "Gina" });
    expect(await outcome(callerFor(null).auth.signUp({ name: "Gina", email: email("gina"), password: "weak" }))).toMatchObject({ ok: false, code: "BAD_REQUEST" });
  });
});

describe("verifyCredentials", () => {
  it("accepts the right password (email in any case), refuses a wrong one and an unknown email alike", async () => {
    const address = email("hank");
    const user = await signUp({ name: "Hank", email: address, password: PASSWORD });
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

  it(`after CADRE_LOGIN_MAX_ATTEMPTS failures for an email, refuses with RATE_LIMITED even with the right password`, async () => {
    const max = env().CADRE_LOGIN_MAX_ATTEMPTS;
    const address = email("ivan");
    await signUp({ name: "Ivan", email: address, password: PASSWORD });
    for (let i = 0; i < max; i++) {
      expect(await outcome(verifyCredentials(address, `Wrong-${i}-password`, ip()))).toMatchObject({ ok: false, code: "UNAUTHORIZED" });
    }
    // from any address: the count is per email
    expect(await outcome(verifyCredentials(address, PASSWORD, ip()))).toMatchObject({ ok: false, code: "RATE_LIMITED" });
    expect(await outcome(verifyCredentials(address.toUpperCase(), PASSWORD, ip()))).toMatchObject({ ok: false, code: "RATE_LIMITED" });
    // the count lives in the database, shared by every process
    const row = await db().rateLimiterFlexible.findFirst({ where: { key: { endsWith: `email:${address}` } } });
    expect(row?.points).toBe(max);
  });

  it("counts failures per client address too, across emails, with a wider allowance than one account", async () => {
    const max = env().CADRE_LOGIN_MAX_ATTEMPTS;
    const address = email("judy");
    await signUp({ name: "Judy", email: address, password: PASSWORD });
    const attacker = ip();
    let failures = 0;
    let last = await outcome(verifyCredentials(email("spray"), PASSWORD, attacker));
    while (!last.ok && last.code === "UNAUTHORIZED" && failures < 10 * max) {
      failures++;
      // an office behind one address is not locked out by a single account's limit
      if (failures === max) expect(await verifyCredentials(address, PASSWORD, attacker)).toMatchObject({ email: address });
      last = await outcome(verifyCredentials(email("spray"), PASSWORD, attacker));
    }
    expect(last).toMatchObject({ ok: false, code: "RATE_LIMITED" });
    expect(failures).toBeGreaterThan(max);
    // now the address is refused even for the right password of an untouched account...
    expect(await outcome(verifyCredentials(address, PASSWORD, attacker))).toMatchObject({ ok: false, code: "RATE_LIMITED" });
    // ...while the victim can still sign in from elsewhere
    expect(await verifyCredentials(address, PASSWORD, ip())).toMatchObject({ email: address });
  });

  it("does not count failures against an unknown client address (that would lock everybody out)", async () => {
    const max = env().CADRE_LOGIN_MAX_ATTEMPTS;
    const address = email("lee");
    await signUp({ name: "Lee", email: address, password: PASSWORD });
    for (let i = 0; i < max; i++) await outcome(verifyCredentials(email("spray"), PASSWORD, "unknown"));
    for (let i = 0; i < max; i++) await outcome(verifyCredentials(email("spray"), PASSWORD));
    expect(await verifyCredentials(address, PASSWORD, "unknown")).toMatchObject({ email: address });
    expect(await verifyCredentials(address, PASSWORD)).toMatchObject({ email: address });
  });

  it("a successful sign-in resets the email's failure count", async () => {
    const max = env().CADRE_LOGIN_MAX_ATTEMPTS;
    const address = email("kim");
    await signUp({ name: "Kim", email: address, password: PASSWORD });
    for (let i = 0; i < max - 1; i++) await outcome(verifyCredentials(address, "Wrong-password-1", ip()));
    await verifyCredentials(address, PASSWORD, ip());
    for (let i = 0; i < max - 1; i++) await outcome(verifyCredentials(address, "Wrong-password-1", ip()));
    expect(await verifyCredentials(address, PASSWORD, ip())).toMatchObject({ email: address });
  });
});
