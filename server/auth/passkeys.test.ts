import { describe, expect, it } from "vitest";
import { testDb as db } from "@/test/db";
import { env } from "@/server/env";
import { signUp } from "@/server/users/service";
import { createCaller } from "@/server/api/root";
import { outcome, uniq } from "@/test/helpers";
import { SoftAuthenticator } from "@/test/webauthn-authenticator";
import { resetMfaCommand } from "@/server/users/cli";
import { verifyCredentials } from "./credentials";
import { hasActiveFactor, startMfaEnrolment, confirmMfaEnrolment } from "./mfa";
import { passkeyAuthenticationOptions, verifyPasskeyAssertion, WEBAUTHN_CHALLENGE_SECONDS } from "./passkeys";
import { relyingParty } from "./webauthn-rp";
import { totpCodeAt } from "./totp";
import type { SessionClaims } from "./sessions";

const PASSWORD = "Correct-Horse-9";
const ORIGIN = "http://localhost:3000";
const ip = () => `203.0.113.${uniq()}`;

function callerOf(user: { id: string; email: string; name: string | null }, signedInAt = Math.floor(Date.now() / 1000)) {
  const claims: SessionClaims = { userId: user.id, sessionId: `sid-${uniq()}`, version: 0, signedInAt };
  const caller = createCaller({ requestId: `req_${uniq()}`, user: { ...user, session: claims }, workspaceSlug: null, origin: ORIGIN });
  return { caller, claims };
}

async function person(label: string) {
  const email = `${label}-${uniq()}@example.test`;
  await signUp({ name: label, email, password: PASSWORD });
  const user = await db().user.findUniqueOrThrow({ where: { email }, select: { id: true, email: true, name: true } });
  return { user, email, ...callerOf(user) };
}

/** A person with one passkey registered through the account procedures (a fresh session: no step-up asked). */
async function withPasskey(label: string) {
  const p = await person(label);
  const key = new SoftAuthenticator(relyingParty(ORIGIN).origin);
  const options = await p.caller.account.passkeys.registrationOptions();
  const stored = await p.caller.account.passkeys.register({ name: "Laptop", response: key.register(options) });
  return { ...p, key, stored };
}

/** Signs in with the password and an assertion of `key`, the way the sign-in form does (options first). */
async function passkeySignIn(email: string, key: SoftAuthenticator, opts: { origin?: string; counter?: number } = {}) {
  const options = await createCaller({ requestId: `req_${uniq()}`, user: null, workspaceSlug: null, origin: ORIGIN }).auth.passkeySignInOptions({
    email,
    password: PASSWORD,
  });
  const assertion = key.assert(options, opts);
  return { assertion, result: verifyCredentials(email, PASSWORD, ip(), {}, { webauthn: JSON.stringify(assertion), siteOrigin: ORIGIN }) };
}

const reasonOf = (p: Promise<unknown>) =>
  p.then(
    () => "signed-in",
    (e: { details?: { reason?: string }; code?: string }) => e.details?.reason ?? e.code,
  );

describe("passkey registration", () => {
  it("verifies the attestation against the challenge issued, stores the key, and makes it a second factor", async () => {
    const { user, caller, stored, key } = await withPasskey("reg");
    expect(stored).toMatchObject({ name: "Laptop", lastUsedAt: null, transports: ["internal"] });
    const row = await db().passkey.findUniqueOrThrow({ where: { id: stored.id } });
    expect({ userId: row.userId, credentialId: row.credentialId, counter: row.counter }).toEqual({ userId: user.id, credentialId: key.id, counter: 0n });
    expect(await caller.account.passkeys.list()).toEqual([stored]);
    expect(await hasActiveFactor(user.id)).toBe(true);
    expect((await caller.account.mfa.status()).passkeys).toBe(1);
    expect(await db().authEvent.count({ where: { userId: user.id, action: "auth.passkey_added" } })).toBe(1);
    // the challenge was spent: the same response again is refused, and so is one signed for another origin
    const again = new SoftAuthenticator(ORIGIN);
    const options = await caller.account.passkeys.registrationOptions();
    const response = again.register(options);
    expect(
      await outcome(caller.account.passkeys.register({ name: "Evil", response: again.register(options, { origin: "https://evil.example" }) })),
    ).toMatchObject({
      ok: false,
      code: "UNPROCESSABLE_CONTENT",
    });
    expect(await outcome(caller.account.passkeys.register({ name: "Replay", response }))).toMatchObject({ ok: false, code: "UNPROCESSABLE_CONTENT" });
    expect(await db().passkey.count({ where: { userId: user.id } })).toBe(1);
  });

  it("registering and removing need a recent authentication; renaming does not", async () => {
    const { user, stored } = await withPasskey("stale");
    const { caller } = callerOf(user, Math.floor(Date.now() / 1000) - env().CADRE_STEP_UP_WINDOW_SECONDS - 60);
    expect(await outcome(caller.account.passkeys.registrationOptions())).toMatchObject({ ok: false, appCode: "STEP_UP_REQUIRED" });
    expect(await outcome(caller.account.passkeys.remove({ id: stored.id }))).toMatchObject({ ok: false, appCode: "STEP_UP_REQUIRED" });
    expect(await caller.account.passkeys.rename({ id: stored.id, name: "Work laptop" })).toMatchObject({ id: stored.id, name: "Work laptop" });
  });

  it("another person can neither rename nor remove someone's passkey (404), nor see it", async () => {
    const a = await withPasskey("owner");
    const b = await person("other");
    expect(await outcome(b.caller.account.passkeys.remove({ id: a.stored.id }))).toMatchObject({ ok: false, code: "NOT_FOUND" });
    expect(await outcome(b.caller.account.passkeys.rename({ id: a.stored.id, name: "Mine" }))).toMatchObject({ ok: false, code: "NOT_FOUND" });
    expect(await b.caller.account.passkeys.list()).toEqual([]);
    expect(await db().passkey.findUniqueOrThrow({ where: { id: a.stored.id } })).toMatchObject({ name: "Laptop" });
    // the owner removes it: the factor is gone
    expect(await a.caller.account.passkeys.remove({ id: a.stored.id })).toEqual({ removed: true });
    expect(await hasActiveFactor(a.user.id)).toBe(false);
    expect(await db().authEvent.count({ where: { userId: a.user.id, action: "auth.passkey_removed" } })).toBe(1);
  });
});

describe("passkey sign-in", () => {
  it("the password alone no longer signs in; with a passkey assertion it does, once", async () => {
    const { user, email, key } = await withPasskey("signin");
    expect(await reasonOf(verifyCredentials(email, PASSWORD, ip()))).toBe("mfa_required");
    const { assertion, result } = await passkeySignIn(email, key);
    expect(await result).toMatchObject({ id: user.id });
    const row = await db().passkey.findFirstOrThrow({ where: { userId: user.id } });
    expect(row.counter).toBe(1n);
    expect(row.lastUsedAt).not.toBeNull();
    expect(await db().authEvent.count({ where: { userId: user.id, action: "auth.passkey_used" } })).toBe(1);
    // the same assertion again: its challenge was spent
    const replay = verifyCredentials(email, PASSWORD, ip(), {}, { webauthn: JSON.stringify(assertion), siteOrigin: ORIGIN });
    expect(await reasonOf(replay)).toBe("mfa_invalid");
    // garbage is a wrong second factor too, not a crash
    expect(await reasonOf(verifyCredentials(email, PASSWORD, ip(), {}, { webauthn: "{not json", siteOrigin: ORIGIN }))).toBe("mfa_invalid");
  });

  it("the options are handed out only for the right password, with the sign-in's own answer otherwise", async () => {
    const { email } = await withPasskey("opts");
    const anon = createCaller({ requestId: `req_${uniq()}`, user: null, workspaceSlug: null, origin: ORIGIN });
    const wrong = await outcome(anon.auth.passkeySignInOptions({ email, password: "Wrong-Horse-9" }));
    const nobody = await outcome(anon.auth.passkeySignInOptions({ email: `nobody-${uniq()}@example.test`, password: PASSWORD }));
    expect(wrong).toMatchObject({ ok: false, code: "UNAUTHORIZED" });
    expect(nobody).toEqual(wrong);
    expect(await db().authEvent.count({ where: { email, action: "auth.sign_in_failed" } })).toBe(1);
  });

  it("an assertion signed for another origin, or with a counter that went backwards, is refused", async () => {
    const { user, email, key } = await withPasskey("forged");
    expect(await reasonOf((await passkeySignIn(email, key, { origin: "https://evil.example" })).result)).toBe("mfa_invalid");
    expect(await (await passkeySignIn(email, key, { counter: 10 })).result).toMatchObject({ id: user.id });
    // a clone of the key that is behind the original
    expect(await reasonOf((await passkeySignIn(email, key, { counter: 5 })).result)).toBe("mfa_invalid");
    expect(await reasonOf((await passkeySignIn(email, key, { counter: 10 })).result)).toBe("mfa_invalid");
    expect((await db().passkey.findFirstOrThrow({ where: { userId: user.id } })).counter).toBe(10n);
    expect(await db().authEvent.count({ where: { userId: user.id, action: "auth.mfa_failed" } })).toBe(3);
  });

  it("an expired challenge is refused", async () => {
    const { user, key } = await withPasskey("expired");
    const issued = Date.now();
    const options = await passkeyAuthenticationOptions(user.id, ORIGIN, issued);
    const late = issued + (WEBAUTHN_CHALLENGE_SECONDS + 1) * 1000;
    expect(await verifyPasskeyAssertion(user.id, key.assert(options), { context: "test", siteOrigin: ORIGIN }, late)).toBe(false);
  });
});

describe("step-up and operator reset", () => {
  it("a stale session steps up with a passkey", async () => {
    const { user, key } = await withPasskey("stepup");
    const { caller, claims } = callerOf(user, Math.floor(Date.now() / 1000) - env().CADRE_STEP_UP_WINDOW_SECONDS - 60);
    expect(await outcome(caller.account.passkeys.registrationOptions())).toMatchObject({ appCode: "STEP_UP_REQUIRED" });
    const refused = await outcome(
      caller.account.stepUp({ webauthn: key.assert(await caller.account.passkeys.authenticationOptions(), { origin: "https://evil.example" }) }),
    );
    expect(refused).toMatchObject({ ok: false, code: "UNPROCESSABLE_CONTENT" });
    await caller.account.stepUp({ webauthn: key.assert(await caller.account.passkeys.authenticationOptions()) });
    expect(await db().sessionStepUp.count({ where: { sessionId: claims.sessionId } })).toBe(1);
    const events = await db().authEvent.findMany({ where: { userId: user.id, action: "auth.step_up" }, select: { metadata: true } });
    expect(events).toEqual([{ metadata: { method: "passkey" } }]);
    expect(await caller.account.passkeys.registrationOptions()).toMatchObject({ rp: { id: "localhost" } });
  });

  it("users reset-mfa removes TOTP, recovery codes and passkeys, ends the sessions and records it", async () => {
    const { user, email, key } = await withPasskey("reset");
    const { secret } = await startMfaEnrolment(user);
    const now = Date.now();
    await confirmMfaEnrolment(user, totpCodeAt(secret, now), {}, now);
    const before = await db().user.findUniqueOrThrow({ where: { id: user.id }, select: { sessionVersion: true } });
    const lines: string[] = [];
    expect(await resetMfaCommand(email.toUpperCase(), { out: (l) => lines.push(l), err: (l) => lines.push(l) })).toBe(0);
    expect(lines[0]).toContain("the authenticator app, 10 recovery codes, 1 passkey");
    expect(await db().userMfa.count({ where: { userId: user.id } })).toBe(0);
    expect(await db().recoveryCode.count({ where: { userId: user.id } })).toBe(0);
    expect(await db().passkey.count({ where: { userId: user.id } })).toBe(0);
    const after = await db().user.findUniqueOrThrow({ where: { id: user.id }, select: { sessionVersion: true } });
    expect(after.sessionVersion).toBeGreaterThan(before.sessionVersion);
    const event = await db().authEvent.findFirstOrThrow({ where: { userId: user.id, action: "auth.mfa_reset" } });
    expect(event.metadata).toEqual({ by: "operator", totp: true, recoveryCodes: 10, webauthn: 1 });
    // the password alone signs in again; the old key is no factor any more
    expect(await verifyCredentials(email, PASSWORD, ip())).toMatchObject({ id: user.id });
    expect(key.id).toBeTruthy();
    const err: string[] = [];
    expect(await resetMfaCommand(`nobody-${uniq()}@example.test`, { out: () => undefined, err: (l) => err.push(l) })).toBe(1);
    expect(err[0]).toContain("No user with the email");
  });
});
