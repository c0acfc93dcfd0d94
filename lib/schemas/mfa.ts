import { z } from "zod";
import { text } from "./text";
import { emailSchema } from "./common";
import { passkeyAssertionSchema } from "./passkeys";

/** A TOTP code (6 digits) or a recovery code (xxxx-xxxx-xxxx-xxxx), as typed. */
export const secondFactorCodeSchema = text().trim().min(6, "Enter the 6-digit code or a recovery code").max(64);

export const mfaStatusOutSchema = z.object({
  enabled: z.boolean(),
  enabledAt: z.date().nullable(),
  recoveryCodesRemaining: z.number().int(),
  /** an organisation requires a second factor of this person (server/auth/mfa-policy.ts) */
  required: z.boolean(),
  /** how many passkeys the person has registered (each also a second factor: server/auth/passkeys.ts) */
  passkeys: z.number().int(),
});

/** The secret of an enrolment awaiting its first code: shown once, never again. */
export const mfaEnrolmentOutSchema = z.object({ secret: z.string(), otpauthUri: z.string(), qrSvg: z.string() });

export const mfaConfirmInputSchema = z.strictObject({
  code: text()
    .trim()
    .regex(/^\d{6}$/, "Enter the 6-digit code of your app"),
});
export const recoveryCodesOutSchema = z.object({ recoveryCodes: z.array(z.string()) });

/** Disabling the factor: the current password or a valid code. */
export const mfaDisableInputSchema = z.union([
  z.strictObject({ password: text().min(1, "Enter your password").max(128) }),
  z.strictObject({ code: secondFactorCodeSchema }),
]);

/** Re-authenticating this session (step-up): the password (with a code when enrolled), a code alone, or a passkey. */
/**
 * The password (with a code when enrolled), a code alone, or a passkey alone. One object rather than a union, so that
 * a refusal names its field.
 */
export const stepUpInputSchema = z
  .strictObject({
    password: text().min(1, "Enter your password").max(128).optional(),
    code: secondFactorCodeSchema.optional(),
    webauthn: passkeyAssertionSchema.optional(),
  })
  .superRefine((v, ctx) => {
    if (v.webauthn && (v.password !== undefined || v.code !== undefined))
      ctx.addIssue({ code: "custom", path: ["webauthn"], message: "A passkey alone, without a password or a code" });
    if (!v.webauthn && v.password === undefined && v.code === undefined)
      ctx.addIssue({ code: "custom", path: ["password"], message: "Enter your password or a code" });
  })
  .transform((v) =>
    v.webauthn
      ? { webauthn: v.webauthn }
      : v.password !== undefined
        ? { password: v.password, ...(v.code !== undefined ? { code: v.code } : {}) }
        : { code: v.code! },
  );
export const stepUpOutSchema = z.object({ at: z.date() });

export const changeEmailInputSchema = z.strictObject({
  newEmail: emailSchema,
  /** required when the account has a password; a person without one proves it by a recent sign-in */
  currentPassword: text().min(1, "Enter your current password").max(128).optional(),
});
export const emailChangedOutSchema = z.object({ changed: z.literal(true), email: z.string(), verificationSent: z.boolean() });
