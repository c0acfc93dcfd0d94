import { describe, expect, it, vi } from "vitest";
import { testDb as db } from "@/test/db";
import { signUp } from "@/server/users/service";
import { callerFor, makeUser, outcome, uniq } from "@/test/helpers";
import { changeEmail } from "./email-change";

vi.mock("@/server/mail/send", () => ({ sendMail: vi.fn(async () => true) }));

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
    expect(await outcome(caller.account.changeEmail({ newEmail, currentPassword: "Wrong-Horse-9" }))).toMatchObject({ ok: false, code: "BAD_REQUEST" });
    expect((await db().user.findUniqueOrThrow({ where: { id: user.id } })).email).toBe(user.email);
    const result = await caller.account.changeEmail({ newEmail: newEmail.toUpperCase(), currentPassword: PASSWORD });
    expect(result).toMatchObject({ changed: true, email: newEmail });
    const after = await db().user.findUniqueOrThrow({ where: { id: user.id } });
    expect(after).toMatchObject({ email: newEmail, emailVerified: null, sessionVersion: user.sessionVersion + 1 });
    const event = await db().authEvent.findFirstOrThrow({ where: { userId: user.id, action: "auth.email_changed" } });
    expect(event.metadata).toMatchObject({ previousEmail: user.email, proof: "password" });
  });

  it("refuses an email another account uses, and a user without a password (unless a fresh authentication vouches)", async () => {
    const user = await account("taken");
    const other = await account("other");
    expect(await outcome(callerFor(user).account.changeEmail({ newEmail: other.email, currentPassword: PASSWORD }))).toMatchObject({
      ok: false,
      code: "CONFLICT",
    });
    const oauthOnly = await makeUser("oauth");
    const refused = await outcome(callerFor(oauthOnly).account.changeEmail({ newEmail: `x-${uniq()}@example.test`, currentPassword: "anything" }));
    expect(refused).toMatchObject({ ok: false, code: "BAD_REQUEST" });
    expect(refused.ok === false && refused.message).toMatch(/no password/);
    const fresh = `sso-${uniq()}@example.test`;
    expect(await changeEmail(oauthOnly, { newEmail: fresh }, {}, "fresh_auth")).toMatchObject({ email: fresh });
  });
});
