/**
 * Envelope encryption for the vault (node:crypto only).
 *
 * - Each secret value is sealed with AES-256-GCM under its own fresh 32-byte data key and 12-byte nonce.
 * - The data key is sealed (AES-256-GCM, its own nonce) under the current master key and stored as
 *   `nonce (12) | ciphertext (32) | tag (16)` together with the master key's version (its fingerprint).
 * - Both layers bind `${workspaceId}:${secretId}` as additional authenticated data: a ciphertext or a
 *   wrapped key copied to another row or another workspace fails to decrypt.
 *
 * Nothing here logs, and no error message carries key or value material.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes, timingSafeEqual } from "node:crypto";

const ALGORITHM = "aes-256-gcm";
export const KEY_BYTES = 32;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const WRAPPED_KEY_BYTES = NONCE_BYTES + KEY_BYTES + TAG_BYTES;

/** A master key and its version: the first 16 hex characters of a domain-separated SHA-256 of the key. */
export interface MasterKey {
  readonly version: string;
  readonly key: Buffer;
}

/** The current master key (new wraps) plus earlier ones that stay readable while a rotation completes. */
export interface Keyring {
  readonly current: MasterKey;
  /** every readable key by version, the current one included */
  readonly byVersion: ReadonlyMap<string, MasterKey>;
}

/** Where a secret lives: bound into both layers as additional authenticated data. */
export interface SecretBinding {
  workspaceId: string;
  secretId: string;
}

/**
 * The binding of a secret an organisation owns outside any workspace (its SSO connection's client secret): the
 * organisation and the row, so a ciphertext copied to another organisation or row fails to decrypt.
 */
export function orgSecretBinding(organizationId: string, rowId: string): SecretBinding {
  return { workspaceId: `org:${organizationId}`, secretId: rowId };
}

/** Bytes as Prisma reads and writes them. */
export type Bytes = Uint8Array<ArrayBuffer>;

/** The encrypted columns of a Secret row. */
export interface SealedSecret {
  ciphertext: Bytes;
  iv: Bytes;
  authTag: Bytes;
  wrappedKey: Bytes;
  keyVersion: string;
}

export type VaultCryptoFailure = "unknown_key_version" | "malformed" | "authentication_failed";

/** A decrypt that failed. Carries only a reason and the key version: never key, nonce or value material. */
export class VaultCryptoError extends Error {
  readonly reason: VaultCryptoFailure;
  readonly keyVersion: string;
  constructor(reason: VaultCryptoFailure, keyVersion: string) {
    super(`vault decrypt failed: ${reason} (key version ${keyVersion})`);
    this.name = "VaultCryptoError";
    this.reason = reason;
    this.keyVersion = keyVersion;
  }
}

export function keyVersionOf(key: Buffer): string {
  return createHash("sha256").update("cadre/vault/master-key-version\0").update(key).digest("hex").slice(0, 16);
}

export function masterKey(key: Buffer): MasterKey {
  if (key.length !== KEY_BYTES) throw new Error(`A master key is ${KEY_BYTES} bytes (got ${key.length})`);
  return { version: keyVersionOf(key), key: Buffer.from(key) };
}

/** A keyring with `current` for new wraps and `previous` still readable. Duplicates are ignored. */
export function makeKeyring(current: Buffer, previous: readonly Buffer[] = []): Keyring {
  const cur = masterKey(current);
  const byVersion = new Map<string, MasterKey>([[cur.version, cur]]);
  for (const key of previous) {
    const k = masterKey(key);
    if (!byVersion.has(k.version)) byVersion.set(k.version, k);
  }
  return { current: cur, byVersion };
}

/** The additional authenticated data of both layers. */
export function aadOf(binding: SecretBinding): Buffer {
  return Buffer.from(`${binding.workspaceId}:${binding.secretId}`, "utf8");
}

function seal(key: Buffer, plaintext: Buffer, aad: Buffer): { iv: Buffer; ciphertext: Buffer; tag: Buffer } {
  const iv = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { iv, ciphertext, tag: cipher.getAuthTag() };
}

/** Opens a GCM box; any tampering (ciphertext, nonce, tag or AAD) is an authentication failure. */
function open(key: Buffer, iv: Uint8Array, ciphertext: Uint8Array, tag: Uint8Array, aad: Buffer, keyVersion: string): Buffer {
  if (iv.length !== NONCE_BYTES || tag.length !== TAG_BYTES) throw new VaultCryptoError("malformed", keyVersion);
  try {
    const decipher = createDecipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(aad);
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  } catch {
    throw new VaultCryptoError("authentication_failed", keyVersion);
  }
}

function wrapDataKey(master: MasterKey, dataKey: Buffer, aad: Buffer): Buffer {
  const { iv, ciphertext, tag } = seal(master.key, dataKey, aad);
  return Buffer.concat([iv, ciphertext, tag]);
}

/** Unwraps a data key with the master key of its version. The caller zeroes the result after use. */
function unwrapDataKey(keyring: Keyring, wrappedKey: Uint8Array, keyVersion: string, aad: Buffer): Buffer {
  const master = keyring.byVersion.get(keyVersion);
  if (!master) throw new VaultCryptoError("unknown_key_version", keyVersion);
  if (wrappedKey.length !== WRAPPED_KEY_BYTES) throw new VaultCryptoError("malformed", keyVersion);
  const w = Buffer.from(wrappedKey);
  const dataKey = open(
    master.key,
    w.subarray(0, NONCE_BYTES),
    w.subarray(NONCE_BYTES, NONCE_BYTES + KEY_BYTES),
    w.subarray(NONCE_BYTES + KEY_BYTES),
    aad,
    keyVersion,
  );
  if (dataKey.length !== KEY_BYTES) {
    dataKey.fill(0);
    throw new VaultCryptoError("malformed", keyVersion);
  }
  return dataKey;
}

/** Seals a value under a fresh data key and nonce; the data key is wrapped by the keyring's current master key. */
export function encryptSecret(keyring: Keyring, binding: SecretBinding, value: string): SealedSecret {
  const aad = aadOf(binding);
  const dataKey = randomBytes(KEY_BYTES);
  const plaintext = Buffer.from(value, "utf8");
  try {
    const { iv, ciphertext, tag } = seal(dataKey, plaintext, aad);
    return {
      ciphertext: new Uint8Array(ciphertext),
      iv: new Uint8Array(iv),
      authTag: new Uint8Array(tag),
      wrappedKey: new Uint8Array(wrapDataKey(keyring.current, dataKey, aad)),
      keyVersion: keyring.current.version,
    };
  } finally {
    dataKey.fill(0);
    plaintext.fill(0);
  }
}

/** Opens a sealed value. Throws VaultCryptoError when the key version is unknown or anything was tampered with. */
export function decryptSecret(keyring: Keyring, binding: SecretBinding, sealed: SealedSecret): string {
  const aad = aadOf(binding);
  const dataKey = unwrapDataKey(keyring, sealed.wrappedKey, sealed.keyVersion, aad);
  try {
    const plaintext = open(dataKey, sealed.iv, sealed.ciphertext, sealed.authTag, aad, sealed.keyVersion);
    const value = plaintext.toString("utf8");
    plaintext.fill(0);
    return value;
  } finally {
    dataKey.fill(0);
  }
}

/**
 * Re-wraps a data key under the keyring's current master key (fresh nonce). The value itself is never
 * decrypted: only the 32-byte data key is unwrapped, in memory, and zeroed right after.
 */
export function rewrapDataKey(
  keyring: Keyring,
  binding: SecretBinding,
  sealed: Pick<SealedSecret, "wrappedKey" | "keyVersion">,
): { wrappedKey: Bytes; keyVersion: string } {
  const aad = aadOf(binding);
  const dataKey = unwrapDataKey(keyring, sealed.wrappedKey, sealed.keyVersion, aad);
  try {
    return { wrappedKey: new Uint8Array(wrapDataKey(keyring.current, dataKey, aad)), keyVersion: keyring.current.version };
  } finally {
    dataKey.fill(0);
  }
}

/** Constant-time comparison of two keys (used to tell whether a "new" key is the current one). */
export function sameKey(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
