import { z } from "zod";
import type { StartAuthenticationOpts, StartRegistrationOpts } from "@simplewebauthn/browser";
import { displayName, text } from "./text";
import { emailSchema } from "./common";

/** base64url as WebAuthn's JSON encodings send it (ids, client data, authenticator data, signatures). */
const b64url = (max: number) =>
  text()
    .max(max)
    .regex(/^[A-Za-z0-9_-]*$/, "Not base64url");

// the extension outputs are not used: any object is accepted and dropped (an empty one goes to the library)
const extensionResults = z
  .custom<object>((v) => typeof v === "object" && v !== null && !Array.isArray(v))
  .optional()
  .transform(() => ({}));

/** What the browser's `navigator.credentials.create()` returns, as @simplewebauthn/browser serialises it. */
export const passkeyRegistrationResponseSchema = z.object({
  id: b64url(1400).min(16),
  rawId: b64url(1400).min(16),
  type: z.literal("public-key"),
  authenticatorAttachment: z.enum(["platform", "cross-platform"]).optional(),
  clientExtensionResults: extensionResults,
  response: z.object({
    clientDataJSON: b64url(4096),
    attestationObject: b64url(16384),
    authenticatorData: b64url(16384).optional(),
    transports: z.array(text().max(32)).max(10).optional(),
    publicKeyAlgorithm: z.number().int().optional(),
    publicKey: b64url(4096).optional(),
  }),
});

/** What `navigator.credentials.get()` returns (an assertion), serialised the same way. */
export const passkeyAssertionSchema = z.object({
  id: b64url(1400).min(16),
  rawId: b64url(1400).min(16),
  type: z.literal("public-key"),
  authenticatorAttachment: z.enum(["platform", "cross-platform"]).optional(),
  clientExtensionResults: extensionResults,
  response: z.object({
    clientDataJSON: b64url(4096),
    authenticatorData: b64url(4096),
    signature: b64url(1024),
    userHandle: b64url(1024).optional(),
  }),
});
export type PasskeyAssertion = z.infer<typeof passkeyAssertionSchema>;

/** An assertion as one string (the sign-in form posts it as the credentials provider's `webauthn` field). */
export const PASSKEY_ASSERTION_MAX_CHARS = 16_384;

export const passkeyNameSchema = displayName().trim().min(1, "Name the passkey").max(64);

export const passkeyOutSchema = z.object({
  id: z.string(),
  name: z.string(),
  createdAt: z.date(),
  lastUsedAt: z.date().nullable(),
  transports: z.array(z.string()),
});
export const passkeyListOutSchema = z.array(passkeyOutSchema);

export const registerPasskeyInputSchema = z.strictObject({ name: passkeyNameSchema, response: passkeyRegistrationResponseSchema });
export const renamePasskeyInputSchema = z.strictObject({ id: text().max(64), name: passkeyNameSchema });
export const removePasskeyInputSchema = z.strictObject({ id: text().max(64) });

const isOptions = (v: unknown) => typeof v === "object" && v !== null && typeof (v as { challenge?: unknown }).challenge === "string";
/** The options handed to @simplewebauthn/browser (`optionsJSON`): passed through as @simplewebauthn/server built them. */
export const registrationOptionsOutSchema = z.custom<StartRegistrationOpts["optionsJSON"]>(isOptions);
export const authenticationOptionsOutSchema = z.custom<StartAuthenticationOpts["optionsJSON"]>(isOptions);

/** "Use a passkey" at sign-in: the same email and password the form holds, checked first (server/auth/passkeys.ts). */
export const passkeySignInOptionsInputSchema = z.strictObject({ email: emailSchema, password: text().min(1).max(128) });

/** The challenge purposes (WebAuthnChallenge.purpose; the migration's CHECK lists the same). */
export const WEBAUTHN_CHALLENGE_PURPOSES = ["register", "authenticate"] as const;
export type WebAuthnChallengePurpose = (typeof WEBAUTHN_CHALLENGE_PURPOSES)[number];
