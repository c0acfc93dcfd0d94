import { describe, expect, it } from "vitest";
import { testDb as db } from "@/test/db";
import { signUp } from "@/server/users/service";
import { callerFor, makeUser, outcome, uniq, withFreshSession } from "@/test/helpers";
import { makeOrg } from "@/test/fixtures/orgs";
import { addDomain, confirmDomainAsOperator } from "@/server/orgs/domains";

const PASSWORD = "Correct-Horse-9";

async function account(label: string) {
  const email = `${label}-${uniq()}@example.test`;
  await signUp({ name: label, email, password: PASSWORD });
  return db().user.update({ where: { email }, data: { emailVerified: new Date() } });
}

describe("account.changeEmail", () => {
  it("requires the current password, then sets the new email unverified, ends every session and records the event", async () => {
    const user = await account("mail");
    const caller = callerFor(user);
    const newEmail = `new-${uniq()}@example.test`;
    expect(await outcome(caller.account.changeEmail({ newEmail, currentPassword: "Wrong-Horse-9" }))).toMatchObject({
      ok: false,
      code: "UNPROCESSABLE_CONTENT",
    });
    expect((await db().user.findUniqueOrThrow({ where: { id: user.id } })).email).toBe(user.email);
    const result = await caller.account.changeEmail({ newEmail: newEmail.toUpperCase(), currentPassword: PASSWORD });
    expect(result).toMatchObject({ changed: true, email: newEmail });
    const after = await db().user.findUniqueOrThrow({ where: { id: user.id } });
    expect(after).toMatchObject({ email: newEmail, emailVerified: null, sessionVersion: user.sessionVersion + 1 });
    const event = await db().authEvent.findFirstOrThrow({ where: { userId: user.id, action: "auth.email_changed" } });
    expect(event.metadata).toMatchObject({ previousEmail: user.email, proof: "password" });
  });

  it("refuses an email another account uses", async () => {
    const user = await account("taken");
    const other = await account("other");
    expect(await outcome(callerFor(user).account.changeEmail({ newEmail: other.email, currentPassword: PASSWORD }))).toMatchObject({
      ok: false,
      code: "CONFLICT",
    });
  });

  it("a person with a password must give it; without one, this session must have signed in recently", async () => {
    const user = await account("nopw");
    expect(await outcome(callerFor(user).account.changeEmail({ newEmail: `x-${uniq()}@example.test` }))).toMatchObject({
      ok: false,
      code: "UNPROCESSABLE_CONTENT",
      message: "Enter your current password",
    });
    const oauthOnly = await makeUser("oauth");
    const stale = {
      ...oauthOnly,
      session: { userId: oauthOnly.id, sessionId: `test-${uniq()}`, version: 0, signedInAt: Math.floor(Date.now() / 1000) - 86_400 },
    };
    const refused = await outcome(callerFor(stale).account.changeEmail({ newEmail: `x-${uniq()}@example.test` }));
    expect(refused).toMatchObject({ ok: false, code: "FORBIDDEN" });
    expect(refused.ok === false && refused.message).toMatch(/Sign in again/);
    expect((await db().user.findUniqueOrThrow({ where: { id: oauthOnly.id } })).email).toBe(oauthOnly.email);
    const fresh = `sso-${uniq()}@example.test`;
    expect(await callerFor(withFreshSession(oauthOnly)).account.changeEmail({ newEmail: fresh })).toMatchObject({ email: fresh });
    const event = await db().authEvent.findFirstOrThrow({ where: { userId: oauthOnly.id, action: "auth.email_changed" } });
    expect(event.metadata).toMatchObject({ proof: "fresh_auth" });
  });

  it("an address in an organisation's verified domain is the organisation's: its owner cannot change it", async () => {
    const org = await makeOrg("managed-mail");
    const domain = `managed-${uniq()}.example`;
    await addDomain(org.ctx("admin"), { domain });
    await confirmDomainAsOperator(org.slug, domain);
    const email = `person-${uniq()}@${domain}`;
    await signUp({ name: "Managed", email, password: PASSWORD });
    const user = await db().user.findUniqueOrThrow({ where: { email } });
    const refused = await outcome(callerFor(user).account.changeEmail({ newEmail: `away-${uniq()}@example.test`, currentPassword: PASSWORD }));
    expect(refused).toMatchObject({ ok: false, code: "FORBIDDEN" });
    expect(refused.ok === false && refused.message).toContain("managed by");
    expect((await db().user.findUniqueOrThrow({ where: { id: user.id } })).email).toBe(email);
  });
});
