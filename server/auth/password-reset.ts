/**
 * Password reset by email: "Forgot your password?" mails a signed, expiring, single-use link; opening it sets a new
 * password and ends every session of the account. Without mail, an operator issues the link from the command line
 * (`npm run cadre -- users password-reset-link <email>`).
 *
 * - The token is stateless, like email verification's: `<userId>.<expiresMs>.<HMAC>`, the HMAC over the user id, the
 *   email, the expiry, the current password hash and the session version. A reset changes the hash and the session
 *   version, so a used link verifies no more (single use); so does any other password change or "sign out
 *   everywhere", and a change of email. One hour to use it.
 * - A request answers the same whether or not the address has an account (no account enumeration); at most one mail
 *   per account per minute and RESET_REQUESTS_PER_HOUR requests per client address per hour (AuthEvent rows are the
 *   counters). An account without a password (GitHub or Google only) gets one by a reset: the link proves the mailbox.
 * - A reset also marks the email verified (the mailbox is proven): whoever had pre-registered the address with a
 *   password of theirs loses the account to the mailbox's owner, and every session they had ends.
 */
import { db, NO_TENANT } from "@/server/db/client";
import { env } from "@/server/env";
import { AppError } from "@/lib/errors";
import { passwordProblem } from "@/lib/schemas/auth";
import { sendMail } from "@/server/mail/send";
import { signData, verifySignature } from "@/server/auth/secrets";
import { hashPassword } from "@/server/auth/passwords";
import { revokeAllSessions } from "@/server/auth/sessions";
import { clearFailures } from "@/server/auth/login-throttle";
import { recordAuthEvent } from "@/server/audit/auth-events";
import { logger } from "@/server/logger";

const PURPOSE = "password-reset";
export const RESET_TTL_MS = 60 * 60 * 1000;
/** a second mail to the same account within this window is not sent */
const RESEND_AFTER_MS = 60 * 1000;
export const RESET_REQUESTS_PER_HOUR = 10;

interface ResetSubject {
  id: string;
  email: string;
  passwordHash: string | null;
  sessionVersion: number;
}

function signed(user: ResetSubject, expires: number): string {
  return `${user.id}\n${user.email}\n${expires}\n${user.passwordHash ?? ""}\n${user.sessionVersion}`;
}

export function createResetToken(user: ResetSubject, now = Date.now()): string {
  const expires = now + RESET_TTL_MS;
  return `${user.id}.${expires}.${signData(PURPOSE, signed(user, expires))}`;
}

function parseToken(token: string): { userId: string; expires: number; signature: string } | null {
  const m = /^(usr_[a-z0-9]{1,40})\.(\d{10,16})\.([A-Za-z0-9_-]{20,100})$/.exec(token);
  return m ? { userId: m[1]!, expires: Number(m[2]), signature: m[3]! } : null;
}

/** The links Cadre mails never follow a client-supplied Host: reset mail needs SMTP and CADRE_PUBLIC_URL. */
export function resetMailEnabled(): boolean {
  return Boolean(env().SMTP_URL && env().CADRE_PUBLIC_URL);
}

/** The reset page's link for a token; relative when no public URL is configured (the operator's command). */
export function resetUrl(token: string): string {
  const base = env().CADRE_PUBLIC_URL?.replace(/\/$/, "") ?? "";
  return `${base}/reset-password?token=${encodeURIComponent(token)}`;
}

const subjectSelect = { id: true, email: true, passwordHash: true, sessionVersion: true } as const;

interface RequestMeta {
  clientIp?: string;
  userAgent?: string;
  requestId?: string;
}

/**
 * "Forgot your password?": mails a reset link when the address has an account and mail is configured. The answer
 * never says whether it has one. RATE_LIMITED when this client address asked too often in the last hour.
 */
export async function requestPasswordReset(email: string, meta: RequestMeta = {}, now = Date.now()): Promise<{ mailEnabled: boolean }> {
  const enabled = resetMailEnabled();
  if (meta.clientIp) {
    const recent = await db(NO_TENANT).authEvent.count({
      where: { action: "auth.password_reset_requested", clientIp: meta.clientIp, createdAt: { gt: new Date(now - 60 * 60 * 1000) } },
    });
    if (recent >= RESET_REQUESTS_PER_HOUR) {
      throw new AppError("RATE_LIMITED", "Too many password reset requests from your network. Try again in an hour.", { retryAfterSeconds: 3600 });
    }
  }
  const user = await db(NO_TENANT).user.findUnique({ where: { email }, select: subjectSelect });
  let mailed = false;
  if (user && enabled) {
    const last = await db(NO_TENANT).authEvent.findFirst({
      where: { action: "auth.password_reset_requested", userId: user.id, createdAt: { gt: new Date(now - RESEND_AFTER_MS) } },
      select: { id: true },
    });
    if (!last) {
      mailed = await sendMail({
        to: user.email,
        subject: "Reset your Cadre password",
        text:
          `Someone (hopefully you) asked to reset the password of the Cadre account of this address.\n\n` +
          `To choose a new password, open this link within an hour (it works once):\n${resetUrl(createResetToken(user, now))}\n\n` +
          `Resetting signs the account out everywhere. If you did not ask for it, ignore this message: nothing changes.`,
      });
    }
  }
  // one row per request (the address's counter), naming the account only when there is one (never shown to the requester)
  await recordAuthEvent({
    action: "auth.password_reset_requested",
    userId: user?.id ?? null,
    email,
    ip: meta.clientIp,
    userAgent: meta.userAgent,
    requestId: meta.requestId,
    metadata: { mailed },
  });
  return { mailEnabled: enabled };
}

/**
 * Sets a new password from a reset link: the token must be this account's, unexpired and unused; the password follows
 * the sign-up rules. Ends every session, clears the sign-in delays of the email, marks the email verified.
 */
export async function resetPassword(token: string, newPassword: string, meta: RequestMeta = {}, now = Date.now()): Promise<{ email: string }> {
  const invalid = new AppError("BAD_REQUEST", "This reset link is invalid, used or expired. Ask for a new one on the sign-in page.");
  const parsed = parseToken(token);
  if (!parsed || parsed.expires <= now) throw invalid;
  const user = await db(NO_TENANT).user.findUnique({ where: { id: parsed.userId }, select: subjectSelect });
  if (!user || !verifySignature(PURPOSE, signed(user, parsed.expires), parsed.signature)) throw invalid;
  const problem = passwordProblem(newPassword, user.email);
  if (problem) throw new AppError("VALIDATION_FAILED", problem, { issues: [{ path: "newPassword", message: problem }] });
  const passwordHash = await hashPassword(newPassword);
  const changed = await db(NO_TENANT).$transaction(async (tx) => {
    // the token's state, checked again as the write's condition: of two uses of one link, one wins
    const updated = await tx.user.updateMany({
      where: { id: user.id, passwordHash: user.passwordHash, sessionVersion: user.sessionVersion },
      data: { passwordHash, emailVerified: new Date(now) },
    });
    if (updated.count !== 1) return false;
    await revokeAllSessions(user.id, tx);
    return true;
  });
  if (!changed) throw invalid;
  await clearFailures("email", user.email);
  logger.info({ event: "auth.password_reset", userId: user.id, requestId: meta.requestId }, "password reset");
  await recordAuthEvent({
    action: "auth.password_reset",
    userId: user.id,
    email: user.email,
    ip: meta.clientIp,
    userAgent: meta.userAgent,
    requestId: meta.requestId,
  });
  return { email: user.email };
}

/** The operator's command: a reset link for the account with this email (NOT_FOUND when there is none). */
export async function issueResetLink(email: string, now = Date.now()): Promise<{ email: string; url: string; expiresAt: Date }> {
  const user = await db(NO_TENANT).user.findUnique({ where: { email: email.trim().toLowerCase() }, select: subjectSelect });
  if (!user) throw new AppError("NOT_FOUND", `No account with the email ${email.trim().toLowerCase()}`);
  await recordAuthEvent({ action: "auth.password_reset_requested", userId: user.id, email: user.email, metadata: { operator: true } });
  return { email: user.email, url: resetUrl(createResetToken(user, now)), expiresAt: new Date(now + RESET_TTL_MS) };
}
