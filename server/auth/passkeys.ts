/**
 * Passkeys (WebAuthn credentials) as a second factor, with @simplewebauthn/server. A ceremony's challenge is a row
 * of WebAuthnChallenge (random, single use: deleted by the statement that accepts it, refused once expired); the
 * relying party is the app's public origin (server/auth/webauthn-rp.ts). Attestation is not asked for ("none"):
 * Cadre trusts the person who registers the key, not a vendor. User verification is preferred, not required (a
 * security key without a PIN still proves possession, which is what a second factor is). A signature counter that
 * does not grow (when the authenticator keeps one) is refused: a cloned key. Every row is read and written in the
 * person's user scope (row-level security on app.user_id).
 */
import { randomFillSync } from "node:crypto";
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type RegistrationResponseJSON,
} from "@simplewebauthn/server";
import { db, userScope } from "@/server/db/client";
import { AppError } from "@/lib/errors";
import { newId } from "@/lib/ids";
import { logger } from "@/server/logger";
import { recordAuthEvent } from "@/server/audit/auth-events";
import { PASSKEY_ASSERTION_MAX_CHARS, passkeyAssertionSchema, type PasskeyAssertion, type WebAuthnChallengePurpose } from "@/lib/schemas/passkeys";
import type { MfaMeta } from "./mfa";
import { relyingParty } from "./webauthn-rp";

/** How long a ceremony may take (the browser's timeout is the same). */
export const WEBAUTHN_CHALLENGE_SECONDS = 300;
export const MAX_PASSKEYS = 20;

const event = (
  action: "auth.passkey_added" | "auth.passkey_removed" | "auth.passkey_used" | "auth.mfa_failed",
  userId: string,
  meta: MfaMeta,
  metadata: Record<string, unknown>,
) => recordAuthEvent({ action, userId, ip: meta.clientIp, userAgent: meta.userAgent, requestId: meta.requestId, metadata });

const publicFields = { id: true, name: true, createdAt: true, lastUsedAt: true, transports: true } as const;

export async function listPasskeys(userId: string) {
  return db(userScope(userId)).passkey.findMany({ where: { userId }, select: publicFields, orderBy: [{ createdAt: "asc" }, { id: "asc" }] });
}

export async function hasPasskey(userId: string): Promise<boolean> {
  return (await db(userScope(userId)).passkey.count({ where: { userId } })) > 0;
}

/** 32 random bytes; the row keeps them as base64url, which is how the client data names them. */
async function newChallenge(userId: string, purpose: WebAuthnChallengePurpose, now: number): Promise<Uint8Array<ArrayBuffer>> {
  const bytes = randomFillSync(new Uint8Array(32));
  const challenge = Buffer.from(bytes).toString("base64url");
  const scoped = db(userScope(userId));
  // expired challenges of the person go with each new one (no sweeper needed: they are few and only theirs)
  await scoped.webAuthnChallenge.deleteMany({ where: { userId, expiresAt: { lt: new Date(now) } } });
  await scoped.webAuthnChallenge.create({
    data: { id: newId("wac"), userId, purpose, challenge, expiresAt: new Date(now + WEBAUTHN_CHALLENGE_SECONDS * 1000) },
  });
  return bytes;
}

/** The challenge a response's client data names, if it decodes (the signature over it is checked afterwards). */
function challengeOf(clientDataJSON: string): string | null {
  try {
    const parsed = JSON.parse(Buffer.from(clientDataJSON, "base64url").toString("utf8")) as { challenge?: unknown };
    return typeof parsed.challenge === "string" && parsed.challenge.length <= 512 ? parsed.challenge : null;
  } catch {
    return null;
  }
}

/** Spends the challenge once: of two requests with one response only one gets true. */
async function consumeChallenge(userId: string, purpose: WebAuthnChallengePurpose, challenge: string | null, now: number): Promise<boolean> {
  if (!challenge) return false;
  const spent = await db(userScope(userId)).webAuthnChallenge.deleteMany({ where: { userId, purpose, challenge, expiresAt: { gt: new Date(now) } } });
  return spent.count === 1;
}

/** Options for `navigator.credentials.create()`: the person's existing keys are excluded (no double registration). */
export async function passkeyRegistrationOptions(user: { id: string; email: string; name?: string | null }, siteOrigin?: string, now = Date.now()) {
  const rp = relyingParty(siteOrigin);
  const existing = await db(userScope(user.id)).passkey.findMany({ where: { userId: user.id }, select: { credentialId: true, transports: true } });
  if (existing.length >= MAX_PASSKEYS) throw new AppError("CONFLICT", `At most ${MAX_PASSKEYS} passkeys: remove one first`);
  const challenge = await newChallenge(user.id, "register", now);
  return generateRegistrationOptions({
    rpName: rp.name,
    rpID: rp.id,
    userName: user.email,
    userDisplayName: user.name ?? user.email,
    userID: new TextEncoder().encode(user.id),
    challenge,
    timeout: WEBAUTHN_CHALLENGE_SECONDS * 1000,
    attestationType: "none",
    excludeCredentials: existing.map((c) => ({ id: c.credentialId, transports: c.transports })),
    authenticatorSelection: { residentKey: "preferred", userVerification: "preferred" },
  });
}

const refusedRegistration = () =>
  new AppError("VALIDATION_FAILED", "This passkey could not be registered: start again", { issues: [{ path: "response", message: "Not accepted" }] });

/** Verifies the browser's registration response against a challenge issued to this person, and stores the key. */
export async function registerPasskey(
  user: { id: string },
  input: { name: string; response: RegistrationResponseJSON },
  meta: MfaMeta & { siteOrigin?: string } = {},
  now = Date.now(),
) {
  if (!(await consumeChallenge(user.id, "register", challengeOf(input.response.response.clientDataJSON), now))) throw refusedRegistration();
  const rp = relyingParty(meta.siteOrigin);
  let verified: Awaited<ReturnType<typeof verifyRegistrationResponse>>;
  try {
    verified = await verifyRegistrationResponse({
      response: input.response,
      expectedChallenge: () => true, // the challenge was matched and spent above
      expectedOrigin: rp.origin,
      expectedRPID: rp.id,
      requireUserVerification: false,
    });
  } catch (error) {
    logger.info({ err: { message: (error as Error).message }, userId: user.id }, "passkey registration refused");
    throw refusedRegistration();
  }
  if (!verified.verified) throw refusedRegistration();
  const { credential } = verified.registrationInfo;
  const scoped = db(userScope(user.id));
  const row = await scoped.passkey
    .create({
      data: {
        id: newId("pkey"),
        userId: user.id,
        credentialId: credential.id,
        publicKey: new Uint8Array(credential.publicKey),
        counter: BigInt(credential.counter),
        transports: (credential.transports ?? []).slice(0, 10),
        name: input.name,
      },
      select: publicFields,
    })
    .catch((error: unknown) => {
      if ((error as { code?: string }).code === "P2002") throw new AppError("CONFLICT", "This passkey is already registered");
      throw error;
    });
  await event("auth.passkey_added", user.id, meta, { id: row.id, name: row.name });
  return row;
}

export async function renamePasskey(user: { id: string }, id: string, name: string) {
  const updated = await db(userScope(user.id)).passkey.updateMany({ where: { id, userId: user.id }, data: { name } });
  if (updated.count !== 1) throw new AppError("NOT_FOUND", "No such passkey");
  return db(userScope(user.id)).passkey.findUniqueOrThrow({ where: { id }, select: publicFields });
}

export async function removePasskey(user: { id: string }, id: string, meta: MfaMeta = {}) {
  const removed = await db(userScope(user.id)).passkey.deleteMany({ where: { id, userId: user.id } });
  if (removed.count !== 1) throw new AppError("NOT_FOUND", "No such passkey");
  await event("auth.passkey_removed", user.id, meta, { id });
  return { removed: true as const };
}

/** Options for `navigator.credentials.get()` naming the person's keys (sign-in's code step, step-up). */
export async function passkeyAuthenticationOptions(userId: string, siteOrigin?: string, now = Date.now()) {
  const keys = await db(userScope(userId)).passkey.findMany({ where: { userId }, select: { credentialId: true, transports: true } });
  if (keys.length === 0) throw new AppError("BAD_REQUEST", "No passkey is registered for this account");
  const challenge = await newChallenge(userId, "authenticate", now);
  return generateAuthenticationOptions({
    rpID: relyingParty(siteOrigin).id,
    challenge,
    timeout: WEBAUTHN_CHALLENGE_SECONDS * 1000,
    userVerification: "preferred",
    allowCredentials: keys.map((k) => ({ id: k.credentialId, transports: k.transports })),
  });
}

/** An assertion as the sign-in form posts it (a JSON string), or null when it does not parse. */
export function parseAssertion(raw: string | null | undefined): PasskeyAssertion | null {
  if (!raw || raw.length > PASSKEY_ASSERTION_MAX_CHARS) return null;
  try {
    const parsed = passkeyAssertionSchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/**
 * Checks a passkey assertion of this person: a challenge issued to them for authentication (spent here, even when
 * the signature then fails), one of their keys, the signature, origin and RP id, and a counter that grows. On
 * success the key's counter and last use are updated (conditionally on the counter read, so that two requests with
 * one assertion cannot both pass). A failure is recorded (`auth.mfa_failed`); the caller counts it in its throttle.
 */
export async function verifyPasskeyAssertion(
  userId: string,
  assertion: PasskeyAssertion | null,
  meta: MfaMeta & { context: string; siteOrigin?: string },
  now = Date.now(),
): Promise<boolean> {
  const ok = assertion ? await checkAssertion(userId, assertion, meta, now) : null;
  if (!ok) {
    await event("auth.mfa_failed", userId, meta, { context: meta.context, method: "passkey" });
    return false;
  }
  await event("auth.passkey_used", userId, meta, { context: meta.context, id: ok });
  return true;
}

/** The id of the passkey that signed, or null. */
async function checkAssertion(userId: string, assertion: PasskeyAssertion, meta: { siteOrigin?: string }, now: number): Promise<string | null> {
  if (!(await consumeChallenge(userId, "authenticate", challengeOf(assertion.response.clientDataJSON), now))) return null;
  const scoped = db(userScope(userId));
  const key = await scoped.passkey.findFirst({ where: { userId, credentialId: assertion.id } });
  if (!key) return null;
  const rp = relyingParty(meta.siteOrigin);
  try {
    const result = await verifyAuthenticationResponse({
      response: assertion as AuthenticationResponseJSON,
      expectedChallenge: () => true, // matched and spent above
      expectedOrigin: rp.origin,
      expectedRPID: rp.id,
      credential: { id: key.credentialId, publicKey: new Uint8Array(key.publicKey), counter: Number(key.counter), transports: key.transports },
      requireUserVerification: false,
    });
    if (!result.verified) return null;
    const updated = await scoped.passkey.updateMany({
      where: { id: key.id, counter: key.counter },
      data: { counter: BigInt(result.authenticationInfo.newCounter), lastUsedAt: new Date(now) },
    });
    return updated.count === 1 ? key.id : null;
  } catch (error) {
    logger.info({ err: { message: (error as Error).message }, userId }, "passkey assertion refused");
    return null;
  }
}
