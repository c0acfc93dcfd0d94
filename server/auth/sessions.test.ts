/**
 * Sessions end on the server: through next-auth's real handlers (sign-in with a password, the session endpoint,
 * sign-out), a copy of the cookie stops working after sign-out; "sign out everywhere", a password change and the
 * operator's command end every session of the user; the membership check refuses an ended session in the same
 * statement; tokens from before this change (no claims) are refused.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { NextRequest } from "next/server";
import { testDb as db } from "@/test/db";
import { signUp } from "@/server/users/service";
import { callerFor, makeWorkspace, outcome, uniq } from "@/test/helpers";
import { claimsOf, endSession, newSessionClaims, SESSION_MAX_AGE_SECONDS, verifySession, type SessionClaims } from "./sessions";
import { resolveUserTenant } from "@/server/workspaces/tenant";
import { revokeSessionsByEmail, signOutEverywhere } from "@/server/users/account";
import { parseArgs, runCadre } from "@/scripts/cadre";
import { resetTestRequest } from "@/test/next-headers";
import { handlers, currentUser } from "./config";

const BASE = "http://localhost:3000/api/auth";
const PASSWORD = "Correct-Horse-42";

/** The cookies a response sets, as a Cookie header (name=value; ...), merged over `previous`. */
function mergeCookies(previous: string, res: Response): string {
  const jar = new Map(
    previous
      .split(/;\s*/)
      .filter(Boolean)
      .map((c) => [c.slice(0, c.indexOf("=")), c.slice(c.indexOf("=") + 1)]),
  );
  for (const line of res.headers.getSetCookie()) {
    const [pair] = line.split(";");
    const name = pair!.slice(0, pair!.indexOf("="));
    const value = pair!.slice(pair!.indexOf("=") + 1);
    if (value === "" || /max-age=0/i.test(line) || /expires=thu, 01 jan 1970/i.test(line)) jar.delete(name);
    else jar.set(name, value);
  }
  return [...jar].map(([n, v]) => `${n}=${v}`).join("; ");
}

async function csrf(cookie: string): Promise<{ token: string; cookie: string }> {
  const res = await handlers.GET(new NextRequest(`${BASE}/csrf`, { headers: { cookie } }));
  const { csrfToken } = (await res.json()) as { csrfToken: string };
  return { token: csrfToken, cookie: mergeCookies(cookie, res) };
}

/** Signs in with the password through next-auth's credentials callback; returns the browser's cookies. */
async function signIn(email: string, password = PASSWORD): Promise<string> {
  const c = await csrf("");
  const res = await handlers.POST(
    new NextRequest(`${BASE}/callback/credentials`, {
      method: "POST",
      headers: { cookie: c.cookie, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ email, password, csrfToken: c.token, callbackUrl: "http://localhost:3000/" }),
    }),
  );
  const cookie = mergeCookies(c.cookie, res);
  expect(cookie, "signed in").toMatch(/session-token=/);
  return cookie;
}

async function signOut(cookie: string): Promise<string> {
  const c = await csrf(cookie);
  const res = await handlers.POST(
    new NextRequest(`${BASE}/signout`, {
      method: "POST",
      headers: { cookie: c.cookie, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ csrfToken: c.token, callbackUrl: "http://localhost:3000/" }),
    }),
  );
  return mergeCookies(c.cookie, res);
}

/** Who the server thinks is signed in with these cookies: currentUser() reads them through next/headers. */
async function whoIs(cookie: string) {
  resetTestRequest({ headers: { cookie } });
  return currentUser();
}

let email: string;
beforeEach(async () => {
  email = `sess-${uniq()}@example.test`;
  await signUp({ name: "Sessions", email, password: PASSWORD });
});

describe("signing out ends the session on the server", () => {
  it("a copy of the cookie taken before sign-out no longer works; other sessions of the user do", async () => {
    const cookie = await signIn(email);
    const other = await signIn(email);
    expect((await whoIs(cookie))?.email).toBe(email);
    const copy = cookie;

    const after = await signOut(cookie);
    expect(after).not.toMatch(/session-token=/);
    expect(await whoIs(copy)).toBeNull();
    // the copy still decodes (next-auth alone would accept it): the server refuses it
    const res = await handlers.GET(new NextRequest(`${BASE}/session`, { headers: { cookie: copy } }));
    const claims = claimsOf(((await res.json()) as { cadre?: Record<string, unknown> }).cadre);
    expect(claims).not.toBeNull();
    expect(await db().endedSession.findUnique({ where: { id: claims!.sessionId } })).not.toBeNull();
    expect(await verifySession(claims)).toBeNull();
    // another browser's session is not affected
    expect((await whoIs(other))?.email).toBe(email);
  });

  it("a refreshed copy (re-issued by the session endpoint) is refused too: the session id survives re-issue", async () => {
    const cookie = await signIn(email);
    const refreshed = mergeCookies(cookie, await handlers.GET(new NextRequest(`${BASE}/session`, { headers: { cookie } })));
    await signOut(cookie);
    expect(await whoIs(refreshed)).toBeNull();
  });

  it("a session token without the claims (issued before them) is not a session", async () => {
    expect(claimsOf({ uid: "usr_x" })).toBeNull();
    expect(await verifySession(null)).toBeNull();
  });

  it("a session past its absolute lifetime (from sign-in) is refused", async () => {
    const user = await db().user.findUniqueOrThrow({ where: { email } });
    const raw = newSessionClaims(user);
    const old: SessionClaims = { userId: raw.uid, sessionId: raw.sid, version: raw.sv, signedInAt: raw.sat - SESSION_MAX_AGE_SECONDS - 1 };
    expect(await verifySession(old)).toBeNull();
    expect((await verifySession({ ...old, signedInAt: raw.sat }))?.id).toBe(user.id);
  });
});

describe("ending every session of a user", () => {
  it("sign out everywhere: every browser's session ends (this one too)", async () => {
    const one = await signIn(email);
    const two = await signIn(email);
    const me = (await whoIs(one))!;
    const result = await callerFor(me).account.signOutEverywhere();
    expect(result).toEqual({ signedOut: true });
    expect(await whoIs(one)).toBeNull();
    expect(await whoIs(two)).toBeNull();
    // signing in again works, with the new version
    expect((await whoIs(await signIn(email)))?.email).toBe(email);
  });

  it("a password change requires the current password, ends every session and the old password no longer signs in", async () => {
    const cookie = await signIn(email);
    const me = (await whoIs(cookie))!;
    const wrong = await outcome(callerFor(me).account.changePassword({ currentPassword: "Not-The-One-99", newPassword: "Brand-New-Pass-77" }));
    expect(wrong).toMatchObject({ ok: false, code: "UNPROCESSABLE_CONTENT", appCode: "VALIDATION_FAILED" });
    expect((await whoIs(cookie))?.email).toBe(email);
    const weak = await outcome(callerFor(me).account.changePassword({ currentPassword: PASSWORD, newPassword: "short" }));
    expect(weak).toMatchObject({ ok: false, code: "UNPROCESSABLE_CONTENT" });

    expect(await callerFor(me).account.changePassword({ currentPassword: PASSWORD, newPassword: "Brand-New-Pass-77" })).toEqual({ changed: true });
    expect(await whoIs(cookie)).toBeNull();
    const c = await csrf("");
    const refused = await handlers.POST(
      new NextRequest(`${BASE}/callback/credentials`, {
        method: "POST",
        headers: { cookie: c.cookie, "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ email, password: PASSWORD, csrfToken: c.token, callbackUrl: "http://localhost:3000/" }),
      }),
    );
    expect(mergeCookies(c.cookie, refused)).not.toMatch(/session-token=/);
    expect((await whoIs(await signIn(email, "Brand-New-Pass-77")))?.email).toBe(email);
  });

  it("an account without a password (OAuth only) cannot change one", async () => {
    const user = await db().user.create({ data: { id: `usr_${uniq()}oauth`, email: `oauth-${uniq()}@example.test` } });
    const result = await outcome(callerFor(user).account.changePassword({ currentPassword: "whatever-1234", newPassword: "Brand-New-Pass-77" }));
    expect(result).toMatchObject({ ok: false, code: "BAD_REQUEST" });
    expect(await callerFor(user).account.get()).toMatchObject({ hasPassword: false });
  });

  it("the operator's revocation ends every session; an unknown email is NOT_FOUND", async () => {
    const cookie = await signIn(email);
    await revokeSessionsByEmail(email.toUpperCase());
    expect(await whoIs(cookie)).toBeNull();
    await expect(revokeSessionsByEmail(`nobody-${uniq()}@example.test`)).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("the operator's command: npm run cadre -- users revoke-sessions <email>", async () => {
    expect(parseArgs(["users", "revoke-sessions", email])).toEqual({ command: "users revoke-sessions", email });
    expect(() => parseArgs(["users", "revoke-sessions"])).toThrow(/needs the user's email/);
    const cookie = await signIn(email);
    const lines: string[] = [];
    const io = { out: (l: string) => lines.push(l), err: (l: string) => lines.push(l) };
    expect(await runCadre(["users", "revoke-sessions", email], io)).toBe(0);
    expect(lines.join("\n")).toContain(`Ended every session of ${email}`);
    expect(await whoIs(cookie)).toBeNull();
    expect(await runCadre(["users", "revoke-sessions", `nobody-${uniq()}@example.test`], io)).toBe(1);
  });
});

describe("the membership check carries the session check", () => {
  it("an ended session resolves no workspace, in the same statement as the membership", async () => {
    const ws = await makeWorkspace("sess");
    const user = await db().user.findUniqueOrThrow({ where: { id: ws.users.member.id } });
    const raw = newSessionClaims(user);
    const session: SessionClaims = { userId: raw.uid, sessionId: raw.sid, version: raw.sv, signedInAt: raw.sat };
    const signedIn = { ...ws.users.member, session };
    expect((await resolveUserTenant(signedIn, ws.slug)).role).toBe("member");
    // through tRPC: a workspace procedure with that user
    expect((await callerFor(signedIn, ws.slug).workspaces.current()).role).toBe("member");

    await endSession(session);
    await expect(resolveUserTenant(signedIn, ws.slug)).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect(await outcome(callerFor(signedIn, ws.slug).workspaces.current())).toMatchObject({ ok: false, code: "NOT_FOUND" });

    const fresh = newSessionClaims(user);
    const second = { ...ws.users.member, session: { userId: fresh.uid, sessionId: fresh.sid, version: fresh.sv, signedInAt: fresh.sat } };
    expect((await resolveUserTenant(second, ws.slug)).role).toBe("member");
    await signOutEverywhere(user.id);
    await expect(resolveUserTenant(second, ws.slug)).rejects.toMatchObject({ code: "NOT_FOUND" });
  });
});
