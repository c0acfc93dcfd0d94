/**
 * Cadre signs every listing version it builds (issue 16): the digest is the SHA-256 of the version's package and
 * permission manifest together (`signedContent`) as canonical JSON (RFC 8785, the `canonicalize` library), the
 * signature an Ed25519 signature of that digest by the platform key. An installer verifies both before installing,
 * so a package or a manifest changed in the database after publishing (a permission hidden from the consent screen)
 * is refused.
 *
 * The platform key: `CADRE_MARKETPLACE_SIGNING_KEY` (a 32-byte Ed25519 seed, base64) when set; otherwise derived
 * from the vault's master key (HKDF, its own label), so an embedded instance signs without another secret. Keys
 * derived from the previous master keys still verify while a rotation completes. The key id is the first 16 hex
 * characters of the SHA-256 of the public key.
 */
import { createHash, createPrivateKey, createPublicKey, hkdfSync, sign, verify, type KeyObject } from "node:crypto";
import canonicalize from "canonicalize";
import { env } from "@/server/env";
import { parseMasterKey, vaultKeyring } from "@/server/vault/master-key";

export interface PackageSignature {
  digest: string;
  signature: string;
  keyId: string;
}

interface SigningKey {
  keyId: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

// PKCS#8 DER prefix of an Ed25519 private key: the 32-byte seed follows
const ED25519_PKCS8_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");

function keyFromSeed(seed: Buffer): SigningKey {
  const privateKey = createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]), format: "der", type: "pkcs8" });
  const publicKey = createPublicKey(privateKey);
  const raw = publicKey.export({ format: "der", type: "spki" });
  return { keyId: createHash("sha256").update(raw).digest("hex").slice(0, 16), privateKey, publicKey };
}

const derivedSeed = (masterKey: Buffer) => Buffer.from(hkdfSync("sha256", masterKey, Buffer.alloc(0), "cadre marketplace signing v1", 32));

let cached: { current: SigningKey; all: Map<string, SigningKey> } | undefined;

function keys(): { current: SigningKey; all: Map<string, SigningKey> } {
  if (cached) return cached;
  const configured = env().CADRE_MARKETPLACE_SIGNING_KEY;
  const ring = vaultKeyring();
  const derived = [ring.current, ...[...ring.byVersion.values()].filter((k) => k !== ring.current)].map((k) => keyFromSeed(derivedSeed(k.key)));
  const current = configured ? keyFromSeed(parseMasterKey(configured, "CADRE_MARKETPLACE_SIGNING_KEY")) : derived[0]!;
  const all = new Map<string, SigningKey>([[current.keyId, current]]);
  for (const key of derived) if (!all.has(key.keyId)) all.set(key.keyId, key);
  cached = { current, all };
  return cached;
}

/** For tests: resolve the keys from the environment and the vault keyring again. */
export function resetSigningKeys(): void {
  cached = undefined;
}

/** What a listing version's signature covers: its package and its manifest. */
export function signedContent(pkg: unknown, manifest: unknown): { package: unknown; manifest: unknown } {
  return { package: pkg, manifest };
}

/** The package as canonical JSON (RFC 8785): the bytes that are digested and signed. */
export function canonicalJson(value: unknown): string {
  const out = canonicalize(value);
  if (out === undefined) throw new Error("canonicalJson: the value has no JSON form");
  return out;
}

export function digestOf(value: unknown): string {
  return createHash("sha256").update(canonicalJson(value), "utf8").digest("hex");
}

export function signPackage(pkg: unknown): PackageSignature {
  const { current } = keys();
  const digest = digestOf(pkg);
  const signature = sign(null, Buffer.from(digest, "utf8"), current.privateKey).toString("base64url");
  return { digest, signature, keyId: current.keyId };
}

/** Whether the package still has the digest it was signed with, and the signature is the platform's over it. */
export function verifyPackage(pkg: unknown, stored: PackageSignature): boolean {
  const key = keys().all.get(stored.keyId);
  if (!key) return false;
  if (digestOf(pkg) !== stored.digest) return false;
  try {
    return verify(null, Buffer.from(stored.digest, "utf8"), key.publicKey, Buffer.from(stored.signature, "base64url"));
  } catch {
    return false;
  }
}

/** The platform's current public key (PEM) and its id, for anyone who wants to verify a listing outside Cadre. */
export function platformPublicKey(): { keyId: string; pem: string } {
  const { current } = keys();
  return { keyId: current.keyId, pem: current.publicKey.export({ format: "pem", type: "spki" }).toString() };
}
