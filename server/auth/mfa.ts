/**
 * The second factor: a TOTP secret (sealed at rest with the vault's envelope encryption, bound to the user's id) and
 * ten one-time recovery codes (stored as SHA-256 hashes of 80 random bits). Enrolment is two steps: `startMfaEnrolment`
 * shows the secret once (QR code and manual key) and `confirmMfaEnrolment` activates it with a first valid code, which
 * also hands out the recovery codes, once. A TOTP step is accepted once per user (`lastUsedStep`): a replayed code is
 * refused. Every row is read and written in the person's user scope (row-level security on app.user_id).
 */
import { createHash, randomBytes } from "node:crypto";
import { renderSVG } from "uqr";
import { db, userScope } from "@/server/db/client";
import { AppError } from "@/lib/errors";
import { newId } from "@/lib/ids";
import { decryptSecret, encryptSecret } from "@/server/vault/crypto";
import { vaultKeyring } from "@/server/vault/master-key";
import { recordAuthEvent } from "@/server/audit/auth-events";
import { matchTotp, newTotpSecret, totpUri } from "./totp";
import { mfaRequiredFor } from "./mfa-policy";

export const RECOVERY_CODE_COUNT = 10;

export interface MfaMeta {
  requestId?: string;
  clientIp?: string | null;
  userAgent?: string;
}

/** The vault binding of a user's TOTP secret: a sealed secret copied to another user's row does not open. */
const bindingOf = (userId: string) => ({ workspaceId: "user-mfa", secretId: userId });

const event = (action: Parameters<typeof recordAuthEvent>[0]["action"], userId: string, meta: MfaMeta, metadata?: Record<string, unknown>) =>
  recordAuthEvent({ action, userId, ip: meta.clientIp, userAgent: meta.userAgent, requestId: meta.requestId, metadata });

/** 80 random bits as four groups of four base32 letters (no 0/1/8/9 confusion: RFC 4648's alphabet). */
function newRecoveryCode(): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyz234567";
  const bytes = randomBytes(16);
  let out = "";
  for (let i = 0; i < 16; i++) out += alphabet[bytes[i]! & 31];
  return out.match(/.{4}/g)!.join("-");
}

const normaliseRecoveryCode = (code: string) => code.toLowerCase().replace(/[^a-z2-7]/g, "");
const hashRecoveryCode = (code: string) => createHash("sha256").update(normaliseRecoveryCode(code)).digest("hex");

export async function mfaStatus(userId: string) {
  const scoped = db(userScope(userId));
  const [row, remaining, required, passkeys] = await Promise.all([
    scoped.userMfa.findUnique({ where: { userId }, select: { enabledAt: true } }),
    scoped.recoveryCode.count({ where: { userId, usedAt: null } }),
    mfaRequiredFor(userId),
    scoped.passkey.count({ where: { userId } }),
  ]);
  return { enabled: Boolean(row?.enabledAt), enabledAt: row?.enabledAt ?? null, recoveryCodesRemaining: row?.enabledAt ? remaining : 0, required, passkeys };
}

/** Whether the user has an active second factor, a confirmed TOTP secret or a passkey (sign-in then needs one). */
export async function hasActiveFactor(userId: string): Promise<boolean> {
  const scoped = db(userScope(userId));
  const [row, passkeys] = await Promise.all([
    scoped.userMfa.findUnique({ where: { userId }, select: { enabledAt: true } }),
    scoped.passkey.count({ where: { userId } }),
  ]);
  return Boolean(row?.enabledAt) || passkeys > 0;
}

/** A new secret awaiting confirmation (replacing an unconfirmed one). Refused while a factor is active. */
export async function startMfaEnrolment(user: { id: string; email: string }) {
  const scoped = db(userScope(user.id));
  const existing = await scoped.userMfa.findUnique({ where: { userId: user.id }, select: { enabledAt: true } });
  if (existing?.enabledAt) throw new AppError("CONFLICT", "A second factor is already active: disable it first to enrol another one");
  const secret = newTotpSecret();
  const sealed = encryptSecret(vaultKeyring(), bindingOf(user.id), secret);
  await scoped.userMfa.upsert({
    where: { userId: user.id },
    create: { userId: user.id, ...sealed },
    update: { ...sealed, enabledAt: null, lastUsedStep: 0 },
  });
  const uri = totpUri(secret, user.email);
  return { secret, otpauthUri: uri, qrSvg: renderSVG(uri, { border: 1 }) };
}

async function secretOf(userId: string, row: { ciphertext: Uint8Array; iv: Uint8Array; authTag: Uint8Array; wrappedKey: Uint8Array; keyVersion: string }) {
  return decryptSecret(vaultKeyring(), bindingOf(userId), {
    ciphertext: new Uint8Array(row.ciphertext),
    iv: new Uint8Array(row.iv),
    authTag: new Uint8Array(row.authTag),
    wrappedKey: new Uint8Array(row.wrappedKey),
    keyVersion: row.keyVersion,
  });
}

/**
 * Accepts a TOTP code once: the step it matches must be later than the last accepted one (a conditional update, so
 * of two requests with one code only one wins). `pending`: the code confirms an enrolment instead.
 */
async function acceptTotp(userId: string, code: string, pending: boolean, now: number): Promise<boolean> {
  const scoped = db(userScope(userId));
  const row = await scoped.userMfa.findUnique({ where: { userId } });
  if (!row || Boolean(row.enabledAt) === pending) return false;
  const step = matchTotp(await secretOf(userId, row), code.trim(), now);
  if (step === null) return false;
  const updated = await scoped.userMfa.updateMany({
    where: { userId, lastUsedStep: { lt: BigInt(step) }, enabledAt: pending ? null : { not: null } },
    data: { lastUsedStep: BigInt(step), ...(pending ? { enabledAt: new Date(now) } : {}) },
  });
  return updated.count === 1;
}

async function replaceRecoveryCodes(userId: string): Promise<string[]> {
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
  await db(userScope(userId)).$transaction(async (tx) => {
    await tx.recoveryCode.deleteMany({ where: { userId } });
    await tx.recoveryCode.createMany({ data: codes.map((c) => ({ id: newId("rcv"), userId, codeHash: hashRecoveryCode(c) })) });
  });
  return codes;
}

/** Activates the pending secret with its first code; returns the recovery codes (shown once, never again). */
export async function confirmMfaEnrolment(user: { id: string }, code: string, meta: MfaMeta = {}, now = Date.now()) {
  if (!(await acceptTotp(user.id, code, true, now))) {
    const pending = await db(userScope(user.id)).userMfa.findUnique({ where: { userId: user.id }, select: { enabledAt: true } });
    if (!pending || pending.enabledAt) throw new AppError("BAD_REQUEST", "Start the enrolment first");
    throw new AppError("VALIDATION_FAILED", "This code is not right: check your device's clock and try the next one", {
      issues: [{ path: "code", message: "This code is not right" }],
    });
  }
  const recoveryCodes = await replaceRecoveryCodes(user.id);
  await event("auth.mfa_enrolled", user.id, meta, { method: "totp" });
  return { enabled: true as const, recoveryCodes };
}

export type SecondFactor = "totp" | "recovery";

/**
 * Checks a second-factor code of an enrolled user: a TOTP code (6 digits, single use) or an unused recovery code
 * (then spent). A failure is recorded (`auth.mfa_failed`); the caller counts it in its throttle.
 */
export async function verifySecondFactor(userId: string, codeRaw: string, meta: MfaMeta & { context: string }, now = Date.now()): Promise<SecondFactor | null> {
  const code = codeRaw.trim();
  let factor: SecondFactor | null = null;
  if (/^\d{6}$/.test(code)) {
    if (await acceptTotp(userId, code, false, now)) factor = "totp";
  } else if (normaliseRecoveryCode(code).length === 16 && (await hasActiveFactor(userId))) {
    const spent = await db(userScope(userId)).recoveryCode.updateMany({
      where: { userId, codeHash: hashRecoveryCode(code), usedAt: null },
      data: { usedAt: new Date(now) },
    });
    if (spent.count === 1) {
      factor = "recovery";
      const remaining = await db(userScope(userId)).recoveryCode.count({ where: { userId, usedAt: null } });
      await event("auth.mfa_recovery_used", userId, meta, { context: meta.context, remaining });
    }
  }
  if (!factor) await event("auth.mfa_failed", userId, meta, { context: meta.context });
  return factor;
}

/** A new set of recovery codes (the old ones stop working); shown once. */
export async function regenerateRecoveryCodes(user: { id: string }, meta: MfaMeta = {}) {
  if (!(await hasActiveFactor(user.id))) throw new AppError("BAD_REQUEST", "Enrol a second factor first");
  const recoveryCodes = await replaceRecoveryCodes(user.id);
  await event("auth.mfa_recovery_regenerated", user.id, meta);
  return { recoveryCodes };
}

/** Removes the factor and its recovery codes (the caller has checked the password or a code). */
export async function removeMfa(user: { id: string }, meta: MfaMeta = {}) {
  const scoped = db(userScope(user.id));
  const removed = await scoped.$transaction(async (tx) => {
    await tx.recoveryCode.deleteMany({ where: { userId: user.id } });
    return tx.userMfa.deleteMany({ where: { userId: user.id } });
  });
  if (removed.count > 0) await event("auth.mfa_disabled", user.id, meta);
  return { disabled: true as const };
}
