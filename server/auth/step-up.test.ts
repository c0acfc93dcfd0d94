import { describe, expect, it } from "vitest";
import { testDb as db } from "@/test/db";
import { env } from "@/server/env";
import { signUp } from "@/server/users/service";
import { appRouter, createCaller } from "@/server/api/root";
import { makeOrg } from "@/test/fixtures/orgs";
import { STEP_UP_PROCEDURES } from "@/server/api/step-up-procedures";
import { makeUser, makeWorkspace, outcome, procedureAt, uniq } from "@/test/helpers";
import type { SessionClaims } from "./sessions";
import { startMfaEnrolment, confirmMfaEnrolment } from "./mfa";
import { totpCodeAt } from "./totp";
import { requireRecentAuth } from "./step-up";

const PASSWORD = "Correct-Horse-9";
const stale = () => Math.floor(Date.now() / 1000) - env().CADRE_STEP_UP_WINDOW_SECONDS - 60;

function session(userId: string, signedInAt: number): SessionClaims {
  return { userId, sessionId: `sid-${uniq()}`, version: 0, signedInAt };
}

function callerWith(
  user: { id: string; email: string; name: string | null },
  claims: SessionClaims,
  workspaceSlug: string | null = null,
  orgSlug: string | null = null,
) {
  return createCaller({ requestId: `req_${uniq()}`, user: { ...user, session: claims }, workspaceSlug, orgSlug, origin: "http://localhost:3000" });
}

/** Whether a procedure is an organisation's (its caller names the organisation, not a workspace). */
const isOrgProcedure = (path: string) =>
  (appRouter._def.procedures as unknown as Record<string, { _def: { meta?: { org?: string } } }>)[path]?._def.meta?.org !== undefined;

describe("step-up", () => {
  it("the guard refuses a session signed in long ago, accepts a fresh one", async () => {
    const email = `guard-${uniq()}@example.test`;
    await signUp({ name: "Guard", email, password: PASSWORD });
    const user = await db().user.findUniqueOrThrow({ where: { email }, select: { id: true, email: true, name: true } });
    await expect(requireRecentAuth({ ...user, session: session(user.id, stale()) })).rejects.toMatchObject({ code: "STEP_UP_REQUIRED" });
    await expect(requireRecentAuth({ ...user, session: session(user.id, Math.floor(Date.now() / 1000)) })).resolves.toBeUndefined();
    // no session claims (not an interactive session): refused
    await expect(requireRecentAuth(user)).rejects.toMatchObject({ code: "STEP_UP_REQUIRED" });
  });

  it("a person with no password and no second factor is asked to sign in again (nothing to step up with here)", async () => {
    const user = await makeUser("sso-only");
    await expect(requireRecentAuth({ ...user, session: session(user.id, stale()) })).rejects.toMatchObject({
      code: "REAUTHENTICATION_REQUIRED",
      message: expect.stringContaining("Sign in again"),
    });
    await expect(requireRecentAuth({ ...user, session: session(user.id, Math.floor(Date.now() / 1000)) })).resolves.toBeUndefined();
  });

  it("a stale session is asked to step up for a sensitive mutation; after account.stepUp with the password it passes", async () => {
    const email = `step-${uniq()}@example.test`;
    await signUp({ name: "Step", email, password: PASSWORD });
    const user = await db().user.findUniqueOrThrow({ where: { email } });
    const claims = session(user.id, stale());
    const caller = callerWith(user, claims);
    const refused = await outcome(caller.account.changePassword({ currentPassword: PASSWORD, newPassword: "Battery-Staple-42" }));
    expect(refused).toMatchObject({ ok: false, code: "FORBIDDEN", appCode: "STEP_UP_REQUIRED" });
    expect(await outcome(caller.account.stepUp({ password: "Wrong-Horse-9" }))).toMatchObject({ ok: false, code: "UNPROCESSABLE_CONTENT" });
    await caller.account.stepUp({ password: PASSWORD });
    expect(await db().sessionStepUp.count({ where: { sessionId: claims.sessionId } })).toBe(1);
    // another stale session of the same user is still refused: the step-up belongs to one session
    expect(await outcome(callerWith(user, session(user.id, stale())).account.mfa.regenerateRecoveryCodes())).toMatchObject({ appCode: "STEP_UP_REQUIRED" });
    expect(await caller.account.changePassword({ currentPassword: PASSWORD, newPassword: "Battery-Staple-42" })).toEqual({ changed: true });
    expect(await db().authEvent.count({ where: { userId: user.id, action: "auth.step_up" } })).toBe(1);
  });

  it("an enrolled user steps up with a code alone, or with the password and a code (not the password alone)", async () => {
    const email = `step-mfa-${uniq()}@example.test`;
    await signUp({ name: "Step", email, password: PASSWORD });
    const user = await db().user.findUniqueOrThrow({ where: { email } });
    const { secret } = await startMfaEnrolment(user);
    const past = Date.now() - 10 * 60_000;
    const { recoveryCodes } = await confirmMfaEnrolment(user, totpCodeAt(secret, past), {}, past);
    const caller = callerWith(user, session(user.id, stale()));
    expect(await outcome(caller.account.stepUp({ password: PASSWORD }))).toMatchObject({ ok: false, code: "UNPROCESSABLE_CONTENT" });
    await caller.account.stepUp({ code: totpCodeAt(secret, Date.now()) });
    const other = callerWith(user, session(user.id, stale()));
    await other.account.stepUp({ password: PASSWORD, code: recoveryCodes[0]! });
    expect((await other.account.mfa.regenerateRecoveryCodes()).recoveryCodes).toHaveLength(10);
  });

  it("every procedure of STEP_UP_PROCEDURES exists and refuses a stale session of a member allowed to call it", async () => {
    const ws = await makeWorkspace("stepup");
    const owner = ws.users.owner;
    const caller = callerWith(owner, session(owner.id, stale()), ws.slug);
    const org = await makeOrg("stepup");
    const orgCaller = callerWith(org.users.owner, session(org.users.owner.id, stale()), null, org.slug);
    // people with a password (one without anything to step up with is asked to sign in again: the test above)
    await db().user.updateMany({ where: { id: { in: [owner.id, org.users.owner.id] } }, data: { passwordHash: "set" } });
    for (const path of STEP_UP_PROCEDURES) {
      const result = await outcome(procedureAt(isOrgProcedure(path) ? orgCaller : caller, path)({}));
      expect({ path, appCode: result.ok ? "ok" : result.appCode }).toEqual({ path, appCode: "STEP_UP_REQUIRED" });
    }
    // a role without the permission hears FORBIDDEN for the permission, not a step-up request
    const viewer = callerWith(ws.users.viewer, session(ws.users.viewer.id, stale()), ws.slug);
    const refused = await outcome(viewer.secrets.create({ name: "n", value: "v-12345678" }));
    expect(refused).toMatchObject({ ok: false, code: "FORBIDDEN" });
    expect(refused.ok === false && refused.appCode).not.toBe("STEP_UP_REQUIRED");
  });
});
