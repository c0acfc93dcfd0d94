import { db, NO_TENANT } from "@/server/db/client";
import { env } from "@/server/env";
import { AppError } from "@/lib/errors";
import { sendMail } from "@/server/mail/send";
import { logger } from "@/server/logger";
import { signData, verifySignature } from "@/server/auth/secrets";
import { recordAuthEvent } from "@/server/auth/events";

const PURPOSE = "email-verification";
export const VERIFICATION_TTL_MS = 24 * 60 * 60 * 1000;

/**
 * A stateless, signed, expiring token: `<userId>.<expiresMs>.<HMAC(userId, email, expiresMs)>`. The email is
 * signed but not carried, so a token dies when the address changes; the HMAC key is derived from AUTH_SECRET
 * (any secret of the keyring verifies).
 */
export function createVerificationToken(user: { id: string; email: string }, now = Date.now()): string {
  const expires = now + VERIFICATION_TTL_MS;
  return `${user.id}.${expires}.${signData(PURPOSE, `${user.id}\n${user.email}\n${expires}`)}`;
}

function parseToken(token: string): { userId: string; expires: number; signature: string } | null {
  const m = /^(usr_[a-z0-9]{1,40})\.(\d{10,16})\.([A-Za-z0-9_-]{20,100})$/.exec(token);
  return m ? { userId: m[1]!, expires: Number(m[2]), signature: m[3]! } : null;
}

/** The links Cadre mails must not follow a client-supplied Host: email verification needs CADRE_PUBLIC_URL. */
export function verificationMailEnabled(): boolean {
  return Boolean(env().SMTP_URL && env().CADRE_PUBLIC_URL);
}

export function verificationUrl(token: string): string {
  return `${env().CADRE_PUBLIC_URL!.replace(/\/$/, "")}/verify-email?token=${encodeURIComponent(token)}`;
}

/** Mails a verification link to a user whose email is not verified yet. Returns whether a mail went out. */
export async function sendVerificationMail(user: { id: string; email: string }, reason: "sign_up" | "email_change" = "sign_up"): Promise<boolean> {
  if (!verificationMailEnabled()) return false;
  const url = verificationUrl(createVerificationToken(user));
  return sendMail({
    to: user.email,
    subject: "Confirm your email address for Cadre",
    text:
      (reason === "email_change"
        ? `Someone (hopefully you) changed the email of a Cadre account to this address.\n\n`
        : `Someone (hopefully you) created a Cadre account with this address.\n\n`) +
      `To confirm it, sign in to that account and open this link within 24 hours:\n${url}\n\n` +
      `If you did not create it, ignore this message: the account stays unconfirmed.`,
  });
}

/** The sign-up of an email that already has an account: the owner hears of it, the requester learns nothing. */
export async function sendAlreadyRegisteredMail(email: string): Promise<boolean> {
  if (!env().SMTP_URL) return false;
  const signIn = env().CADRE_PUBLIC_URL ? `\n\nSign in: ${env().CADRE_PUBLIC_URL!.replace(/\/$/, "")}/sign-in` : "";
  return sendMail({
    to: email,
    subject: "You already have a Cadre account",
    text: `Someone tried to create a Cadre account with this address, which already has one. If it was you, sign in instead.${signIn}\n\nIf it was not you, you can ignore this message.`,
  });
}

/**
 * Verifies a token for the signed-in user. Both halves are needed: the link proves the mailbox, the session proves
 * the account (its password or linked identity). A link clicked by the mailbox's owner while signed out, or into
 * someone else's session, verifies nothing: otherwise whoever pre-registered an address could have its owner
 * confirm it with one click, and the owner's later OAuth sign-in would be linked to that account.
 */
export async function verifyEmailToken(token: string, signedInUserId: string, now = Date.now()): Promise<{ email: string }> {
  const invalid = new AppError("BAD_REQUEST", "This verification link is invalid or has expired. Request a new one from your account settings.");
  const parsed = parseToken(token);
  if (!parsed || parsed.expires <= now) throw invalid;
  if (parsed.userId !== signedInUserId) {
    throw new AppError("FORBIDDEN", "This verification link belongs to another account. Sign in to the account it was sent for, then open it again.");
  }
  const user = await db(NO_TENANT).user.findUnique({ where: { id: parsed.userId } });
  if (!user || !verifySignature(PURPOSE, `${user.id}\n${user.email}\n${parsed.expires}`, parsed.signature)) throw invalid;
  if (!user.emailVerified) {
    await db(NO_TENANT).user.update({ where: { id: user.id }, data: { emailVerified: new Date(now) } });
    recordAuthEvent({ action: "auth.email_verified", userId: user.id });
  }
  return { email: user.email };
}

/** Account settings: send the link again (at most once a minute per user, counted in memory is enough here). */
const lastResend = new Map<string, number>();
export async function resendVerificationMail(userId: string): Promise<{ sent: boolean }> {
  const user = await db(NO_TENANT).user.findUnique({ where: { id: userId } });
  if (!user) throw new AppError("NOT_FOUND", "User not found");
  if (user.emailVerified) return { sent: false };
  if (!verificationMailEnabled())
    throw new AppError("BAD_REQUEST", "Email verification is not available: the server has no mail (SMTP_URL and CADRE_PUBLIC_URL) configured.");
  const last = lastResend.get(userId) ?? 0;
  if (Date.now() - last < 60_000) throw new AppError("RATE_LIMITED", "A verification email was sent less than a minute ago.");
  lastResend.set(userId, Date.now());
  const sent = await sendVerificationMail(user);
  if (!sent) logger.warn({ userId }, "verification email not sent");
  return { sent };
}
