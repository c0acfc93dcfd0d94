import { PASSKEY_ASSERTION_MAX_CHARS } from "./passkeys";
import { z } from "zod";
import { displayName, text } from "./text";
import { emailSchema } from "./common";

const COMMON_PASSWORDS = new Set([
  "password",
  "password1",
  "password123",
  "123456789",
  "1234567890",
  "qwertyuiop",
  "iloveyou1",
  "letmein123",
  "welcome123",
  "admin12345",
  "passw0rd123",
  "abc1234567",
  "qwerty1234",
]);

/** Why a password is weak, or null when it is acceptable. Shared by the sign-up form and the server. */
export function passwordProblem(password: string, email?: string): string | null {
  if (password.length < 10) return "Use at least 10 characters";
  if (password.length > 128) return "Use at most 128 characters";
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((r) => r.test(password)).length;
  if (classes < 2 && password.length < 16) return "Mix letters with digits or symbols, or use 16+ characters";
  if (COMMON_PASSWORDS.has(password.toLowerCase())) return "This password is too common";
  const local = email?.split("@")[0]?.toLowerCase();
  if (local && local.length >= 4 && password.toLowerCase().includes(local)) return "Do not use your email in the password";
  return null;
}

export const signUpInputSchema = z
  .strictObject({
    name: displayName().trim().min(1, "Enter your name").max(100),
    email: emailSchema,
    password: text().max(1_000),
  })
  .superRefine((value, ctx) => {
    const problem = passwordProblem(value.password, value.email);
    if (problem) ctx.addIssue({ code: "custom", path: ["password"], message: problem });
  });

export const signInInputSchema = z.object({
  email: emailSchema,
  password: text().min(1).max(128),
  /** the second factor of an enrolled user: a TOTP code or a recovery code (server/auth/credentials.ts) */
  code: text().max(64).optional(),
  /** or a passkey assertion, as JSON (server/auth/passkeys.ts) */
  webauthn: text().max(PASSKEY_ASSERTION_MAX_CHARS).optional(),
});

/** The signed-in user as the app sees them: never a password hash or other account internals. */
export const sessionUserSchema = z.object({ id: z.string(), email: z.string(), name: z.string().nullable() }).meta({ id: "User" });

/** Sign-up's answer, the same whether or not the email was registered. */
export const signUpResultSchema = z.object({ checkEmail: z.boolean() });

/** Account settings: the email's verification state and the connected sign-in methods. */
export const accountOverviewSchema = z.object({
  email: z.string(),
  name: z.string().nullable(),
  emailVerified: z.date().nullable(),
  hasPassword: z.boolean(),
  accounts: z.array(z.object({ provider: z.string(), createdAt: z.date() })),
  verificationMail: z.boolean(),
});

export const verifyEmailInputSchema = z.strictObject({ token: text().min(20).max(300) });

/** "Forgot your password?": the answer is the same whether or not the address has an account. */
export const requestPasswordResetInputSchema = z.strictObject({ email: emailSchema });
export const requestPasswordResetResultSchema = z.object({
  /** false: this Cadre has no mail configured (an operator issues reset links: `npm run cadre -- users password-reset-link`) */
  mailEnabled: z.boolean(),
});
/** The reset itself, from the mailed link: the token and the new password (the new password's rules as at sign-up). */
export const resetPasswordInputSchema = z.strictObject({ token: text().min(20).max(400), newPassword: text().max(128) });
export const resetPasswordResultSchema = z.object({ email: z.string() });
export const verifyEmailResultSchema = z.object({ email: z.string() });
export const resendVerificationResultSchema = z.object({ sent: z.boolean() });
