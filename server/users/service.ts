import { db, NO_TENANT } from "@/server/db/client";
import { newId } from "@/lib/ids";
import { AppError } from "@/lib/errors";
import { signUpInputSchema } from "@/lib/schemas/auth";
import { hashPassword } from "@/server/auth/passwords";
import { signupAllowed } from "@/server/auth/signup-policy";
import { recordAuthEvent } from "@/server/auth/events";
import { sendAlreadyRegisteredMail, sendVerificationMail, verificationMailEnabled } from "@/server/auth/email-verification";
import type { SessionUser } from "@/server/auth/sessions";
import type { z } from "zod";
import { prismaCode } from "@/server/db/errors";

/** What sign-up answers, whether or not the email already had an account. */
export interface SignUpResult {
  /** a mail went to the address (verification link, or "you already have an account"): the form says "check your email" */
  checkEmail: boolean;
}

/**
 * Creates a password account. The answer is the same for a new and a registered email (no enumeration): an
 * existing account is left untouched and, with mail configured, its owner is told. A new account's email is
 * unverified: with mail configured a verification link is sent; until it is opened in the account's own session,
 * no OAuth identity is linked to the account by email. CADRE_SIGNUP can close sign-up or limit it to domains.
 */
export async function signUp(
  input: z.input<typeof signUpInputSchema>,
  meta: { clientAddress?: string | null; userAgent?: string; requestId?: string } = {},
): Promise<SignUpResult> {
  const origin = { clientAddress: meta.clientAddress ?? undefined, userAgent: meta.userAgent, requestId: meta.requestId };
  const parsed = signUpInputSchema.safeParse(input);
  if (!parsed.success) {
    throw new AppError("VALIDATION_FAILED", parsed.error.issues[0]?.message ?? "Invalid sign-up details", {
      issues: parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })),
    });
  }
  const { email, name, password } = parsed.data;
  if (!(await signupAllowed(email))) {
    recordAuthEvent({ action: "auth.sign_up", email, method: "password", outcome: "refused", ...origin });
    throw new AppError("FORBIDDEN", "Sign-up is not open to this email address on this server. Ask an administrator for an invitation.");
  }
  // hashed either way, so that a registered email does not answer faster
  const passwordHash = await hashPassword(password);
  const checkEmail = verificationMailEnabled();
  const existing = await db(NO_TENANT).user.findUnique({ where: { email } });
  if (existing) {
    recordAuthEvent({ action: "auth.sign_up", userId: existing.id, email, method: "password", outcome: "exists", ...origin });
    if (checkEmail) await sendAlreadyRegisteredMail(email);
    return { checkEmail };
  }
  try {
    const user = await db(NO_TENANT).user.create({ data: { id: newId("usr"), email, name, passwordHash } });
    recordAuthEvent({ action: "auth.sign_up", userId: user.id, email, method: "password", outcome: "created", ...origin });
    if (checkEmail) await sendVerificationMail(user);
  } catch (error) {
    // a concurrent sign-up of the same email: the same answer
    if (prismaCode(error) !== "P2002") throw error;
  }
  return { checkEmail };
}

export async function getUser(userId: string): Promise<SessionUser | null> {
  const user = await db(NO_TENANT).user.findUnique({ where: { id: userId } });
  return user ? { id: user.id, email: user.email, name: user.name } : null;
}

/** Account settings: the email's verification state and the connected identities. */
export async function accountOverview(userId: string) {
  const user = await db(NO_TENANT).user.findUnique({
    where: { id: userId },
    include: { accounts: { select: { provider: true, createdAt: true }, orderBy: { createdAt: "asc" } } },
  });
  if (!user) throw new AppError("NOT_FOUND", "User not found");
  return {
    email: user.email,
    name: user.name,
    emailVerified: user.emailVerified,
    hasPassword: user.passwordHash !== null,
    accounts: user.accounts,
  };
}
