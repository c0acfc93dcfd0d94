import { afterEach, describe, expect, it } from "vitest";
import { testDb as db } from "@/test/db";
import { setEnv } from "@/server/env";
import { signUp } from "@/server/users/service";
import { verifyCredentials } from "@/server/auth/credentials";
import { callerFor, outcome, uniq } from "@/test/helpers";
import { mailCaptureForFile } from "@/test/mail-capture";
import { passwordResetLinkCommand } from "@/server/users/cli";
import { createResetToken, RESET_REQUESTS_PER_HOUR, RESET_TTL_MS, requestPasswordReset, resetPassword } from "./password-reset";

// the app's real mail path (nodemailer) delivers to an SMTP server of the test's own; SMTP_URL names it only when
// a test configures mail (withMail)
const mail = mailCaptureForFile();
const { sent } = mail;

const PASSWORD = "Correct-Horse-9";
const NEW_PASSWORD = "Battery-Staple-42";
const email = (label: string) => `${label}-${uniq()}@example.test`;
const linkIn = (text: string) => /https:\/\/cadre\.example\.test\/reset-password\?token=(\S+)/.exec(text)?.[1];

afterEach(() => {
  setEnv("SMTP_URL", "");
  setEnv("CADRE_PUBLIC_URL", "");
});

function withMail() {
  setEnv("SMTP_URL", mail.url);
  setEnv("CADRE_PUBLIC_URL", "https://cadre.example.test");
}

async function account(label: string) {
  const address = email(label);
  await signUp({ name: label, email: address, password: PASSWORD });
  return db().user.findUniqueOrThrow({ where: { email: address } });
}

describe("password reset by email", () => {
  it("mails a link; it sets the new password once, ends every session and verifies the email; the old password stops working", async () => {
    const user = await account("reset");
    withMail();
    const ip = `198.51.100.${Math.floor(Math.random() * 200) + 1}`;
    // over tRPC, signed out: the same answer as for an unknown address
    expect(await callerFor(null).auth.requestPasswordReset({ email: user.email })).toEqual({ mailEnabled: true });
    expect(await callerFor(null).auth.requestPasswordReset({ email: email("nobody") })).toEqual({ mailEnabled: true });
    expect(sent()).toHaveLength(1);
    expect(sent()[0]).toMatchObject({ to: user.email, subject: "Reset your Cadre password" });
    const token = decodeURIComponent(linkIn(sent()[0]!.text)!);

    const done = await callerFor(null).auth.resetPassword({ token, newPassword: NEW_PASSWORD });
    expect(done).toEqual({ email: user.email });
    const after = await db().user.findUniqueOrThrow({ where: { id: user.id } });
    expect(after.sessionVersion).toBe(user.sessionVersion + 1);
    expect(after.emailVerified).toBeInstanceOf(Date);
    await expect(verifyCredentials(user.email, NEW_PASSWORD, ip)).resolves.toMatchObject({ id: user.id });
    await expect(verifyCredentials(user.email, PASSWORD, ip)).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    // single use: the same link again is refused, and changes nothing
    expect(await outcome(resetPassword(token, "Another-Pass-77"))).toMatchObject({ ok: false, code: "BAD_REQUEST" });
    expect((await db().user.findUniqueOrThrow({ where: { id: user.id } })).passwordHash).toBe(after.passwordHash);
    const events = await db().authEvent.findMany({ where: { userId: user.id, action: { in: ["auth.password_reset_requested", "auth.password_reset"] } } });
    expect(events.map((e) => e.action).sort()).toEqual(["auth.password_reset", "auth.password_reset_requested"]);
    expect(JSON.stringify(events)).not.toContain(token);
  });

  it("refuses an expired, tampered or foreign token and a weak password; mails an account at most once a minute", async () => {
    const user = await account("refusals");
    const now = Date.now();
    const expired = createResetToken(user, now - RESET_TTL_MS - 1);
    expect(await outcome(resetPassword(expired, NEW_PASSWORD))).toMatchObject({ ok: false, code: "BAD_REQUEST" });
    const good = createResetToken(user, now);
    const tampered = `${good.slice(0, -3)}${good.endsWith("aaa") ? "bbb" : "aaa"}`;
    expect(await outcome(resetPassword(tampered, NEW_PASSWORD))).toMatchObject({ ok: false, code: "BAD_REQUEST" });
    const other = await account("other");
    const foreign = `${other.id}${good.slice(user.id.length)}`;
    expect(await outcome(resetPassword(foreign, NEW_PASSWORD))).toMatchObject({ ok: false, code: "BAD_REQUEST" });
    expect(await outcome(resetPassword(good, "password"))).toMatchObject({ ok: false, code: "VALIDATION_FAILED" });
    // a password change since the link was made (here: a sign-out everywhere) kills the link
    await db().user.update({ where: { id: user.id }, data: { sessionVersion: { increment: 1 } } });
    expect(await outcome(resetPassword(good, NEW_PASSWORD))).toMatchObject({ ok: false, code: "BAD_REQUEST" });

    withMail();
    await requestPasswordReset(user.email, { clientIp: "203.0.113.7" });
    await requestPasswordReset(user.email, { clientIp: "203.0.113.7" });
    expect(sent().filter((m) => m.to === user.email)).toHaveLength(1);
  });

  it("limits the requests of one client address per hour", async () => {
    const ip = `192.0.2.${(uniq().charCodeAt(0) % 200) + 1}`;
    await db().authEvent.deleteMany({ where: { clientIp: ip } });
    for (let i = 0; i < RESET_REQUESTS_PER_HOUR; i++) await requestPasswordReset(email("spray"), { clientIp: ip });
    expect(await outcome(requestPasswordReset(email("spray"), { clientIp: ip }))).toMatchObject({ ok: false, code: "RATE_LIMITED" });
  });

  it("without mail, says so, and the operator's command prints a working link", async () => {
    const user = await account("operator");
    expect(await requestPasswordReset(user.email)).toEqual({ mailEnabled: false });
    expect(sent()).toHaveLength(0);
    const lines: string[] = [];
    const errors: string[] = [];
    const io = { out: (l: string) => lines.push(l), err: (l: string) => errors.push(l) };
    expect(await passwordResetLinkCommand(user.email, io)).toBe(0);
    const url = lines.find((l) => l.startsWith("/reset-password?token="))!;
    const token = decodeURIComponent(url.slice("/reset-password?token=".length));
    expect(await resetPassword(token, NEW_PASSWORD)).toEqual({ email: user.email });
    expect(await passwordResetLinkCommand(email("ghost"), io)).toBe(1);
    expect(errors[0]).toMatch(/No account/);
  });
});
