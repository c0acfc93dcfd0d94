import { afterEach, describe, expect, it } from "vitest";
import { testDb as db } from "@/test/db";
import { setEnv } from "@/server/env";
import { newId } from "@/lib/ids";
import { signUp } from "@/server/users/service";
import { createVerificationToken, VERIFICATION_TTL_MS, verifyEmailToken } from "@/server/auth/email-verification";
import { callerFor, outcome, uniq } from "@/test/helpers";
import { mailCaptureForFile } from "@/test/mail-capture";

// the app's real mail path (nodemailer) delivers to an SMTP server of the test's own; SMTP_URL names it only when
// a test configures mail (withMail)
const mail = mailCaptureForFile();
const { sent } = mail;

const PASSWORD = "Correct-Horse-9";
const email = (label: string) => `${label}-${uniq()}@example.test`;
const linkIn = (text: string) => /https:\/\/cadre\.example\.test\/verify-email\?token=(\S+)/.exec(text)?.[1];

afterEach(() => {
  setEnv("SMTP_URL", "");
  setEnv("CADRE_PUBLIC_URL", "");
  setEnv("AUTH_SECRET_PREVIOUS", "");
});

function withMail() {
  setEnv("SMTP_URL", mail.url);
  setEnv("CADRE_PUBLIC_URL", "https://cadre.example.test");
}

describe("sign-up with mail configured", () => {
  it("mails a signed link; opened in the account's own session it verifies the email", async () => {
    withMail();
    const address = email("mailer");
    expect(await signUp({ name: "Mailer", email: address, password: PASSWORD })).toEqual({ checkEmail: true });
    expect(sent()).toHaveLength(1);
    expect(sent()[0]).toMatchObject({ to: address, subject: expect.stringContaining("Confirm") });
    const token = decodeURIComponent(linkIn(sent()[0]!.text)!);
    const user = await db().user.findUniqueOrThrow({ where: { email: address } });
    expect(user.emailVerified).toBeNull();

    // over tRPC, signed out: refused; signed in as the account: verified
    expect(await outcome(callerFor(null).auth.verifyEmail({ token }))).toMatchObject({ ok: false, code: "UNAUTHORIZED" });
    expect(await callerFor(user).auth.verifyEmail({ token })).toEqual({ email: address });
    expect((await db().user.findUniqueOrThrow({ where: { id: user.id } })).emailVerified).toBeInstanceOf(Date);
  });

  it("a registered email gets the same answer, a 'you already have an account' mail, and no link", async () => {
    withMail();
    const address = email("twice");
    const first = await signUp({ name: "Twice", email: address, password: PASSWORD });
    mail.clear();
    const second = await signUp({ name: "Intruder", email: address, password: "Other-password-42" });
    expect(second).toEqual(first);
    expect(sent()).toHaveLength(1);
    expect(sent()[0]).toMatchObject({ to: address, subject: "You already have a Cadre account" });
    expect(linkIn(sent()[0]!.text)).toBeUndefined();
  });

  it("without CADRE_PUBLIC_URL no verification link is mailed (a client-chosen Host would receive the token)", async () => {
    setEnv("SMTP_URL", mail.url);
    const address = email("nopublic");
    expect(await signUp({ name: "No public", email: address, password: PASSWORD })).toEqual({ checkEmail: false });
    expect(sent()).toHaveLength(0);
  });

  it("without SMTP a password sign-up stays unverified and nothing is mailed", async () => {
    const address = email("nomail");
    expect(await signUp({ name: "No mail", email: address, password: PASSWORD })).toEqual({ checkEmail: false });
    expect(sent()).toHaveLength(0);
    expect((await db().user.findUniqueOrThrow({ where: { email: address } })).emailVerified).toBeNull();
  });
});

describe("verification tokens", () => {
  async function user() {
    return db().user.create({ data: { id: newId("usr"), email: email("tok"), name: "Tok" } });
  }

  it("expire, die with an email change, refuse tampering, and belong to one account", async () => {
    const u = await user();
    const other = await user();
    const expired = createVerificationToken(u, Date.now() - VERIFICATION_TTL_MS - 1);
    expect(await outcome(verifyEmailToken(expired, u.id))).toMatchObject({ ok: false, code: "BAD_REQUEST" });
    const token = createVerificationToken(u);
    expect(await outcome(verifyEmailToken(`${token.slice(0, -3)}xyz`, u.id))).toMatchObject({ ok: false, code: "BAD_REQUEST" });
    expect(await outcome(verifyEmailToken(token, other.id))).toMatchObject({ ok: false, code: "FORBIDDEN" });
    await db().user.update({ where: { id: u.id }, data: { email: email("changed") } });
    expect(await outcome(verifyEmailToken(token, u.id))).toMatchObject({ ok: false, code: "BAD_REQUEST" });
    expect((await db().user.findUniqueOrThrow({ where: { id: u.id } })).emailVerified).toBeNull();
  });

  it("signed under a previous AUTH_SECRET, still verify while it is in AUTH_SECRET_PREVIOUS", async () => {
    const u = await user();
    const token = createVerificationToken(u);
    const old = process.env.AUTH_SECRET!;
    try {
      setEnv("AUTH_SECRET", "rotated-secret-for-the-test-0123456789abcd");
      expect(await outcome(verifyEmailToken(token, u.id))).toMatchObject({ ok: false, code: "BAD_REQUEST" });
      setEnv("AUTH_SECRET_PREVIOUS", old);
      expect(await verifyEmailToken(token, u.id)).toEqual({ email: u.email });
    } finally {
      setEnv("AUTH_SECRET", old);
    }
  });
});

describe("account settings over tRPC", () => {
  it("shows the verification state and connected providers; resends a link at most once a minute", async () => {
    withMail();
    const address = email("settings");
    await signUp({ name: "Settings", email: address, password: PASSWORD });
    const user = await db().user.findUniqueOrThrow({ where: { email: address } });
    await db().account.create({ data: { id: newId("acc"), userId: user.id, provider: "github", providerAccountId: uniq() } });
    const caller = callerFor(user);
    expect(await caller.auth.account()).toMatchObject({
      email: address,
      emailVerified: null,
      hasPassword: true,
      verificationMail: true,
      accounts: [{ provider: "github" }],
    });
    mail.clear();
    expect(await caller.auth.resendVerification()).toEqual({ sent: true });
    expect(sent().map((m) => m.to)).toEqual([address]);
    expect(await outcome(caller.auth.resendVerification())).toMatchObject({ ok: false, code: "TOO_MANY_REQUESTS" });
    expect(await outcome(callerFor(null).auth.account())).toMatchObject({ ok: false, code: "UNAUTHORIZED" });
  });
});
