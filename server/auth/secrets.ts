import { createHmac, hkdfSync, timingSafeEqual } from "node:crypto";
import { env } from "../env";

/**
 * AUTH_SECRET and the earlier secrets of a rotation (AUTH_SECRET_PREVIOUS, comma-separated): the current one
 * signs and hashes; all of them verify.
 */
export function authSecrets(): string[] {
  const e = env();
  if (!e.AUTH_SECRET) throw new Error("AUTH_SECRET is not set: the launcher (npm start) provides one in embedded mode");
  const previous = (e.AUTH_SECRET_PREVIOUS ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  return [e.AUTH_SECRET, ...previous.filter((s) => s !== e.AUTH_SECRET)];
}

const derived = new Map<string, Buffer>();

/** A sub-key derived from one secret for one purpose, so that one leaked use does not reveal another. */
function derivedKey(secret: string, purpose: string): Buffer {
  const id = `${purpose}\u0000${secret}`;
  let key = derived.get(id);
  if (!key) {
    key = Buffer.from(hkdfSync("sha256", secret, "cadre", purpose, 32));
    derived.set(id, key);
  }
  return key;
}

function hmacHex(secret: string, purpose: string, data: string): string {
  return createHmac("sha256", derivedKey(secret, purpose)).update(data).digest("hex");
}

/** The keyed hash under which API keys are stored: HMAC-SHA256 with a key derived from the current AUTH_SECRET. */
export function hashApiKey(rawKey: string): string {
  return hmacHex(authSecrets()[0]!, "api-key-hmac", rawKey);
}

/** The key's hash under every secret of the keyring, current first (lookups accept any; a match not first is re-hashed). */
export function apiKeyHashes(rawKey: string): string[] {
  return authSecrets().map((secret) => hmacHex(secret, "api-key-hmac", rawKey));
}

/** An HMAC of `data` for `purpose` under the current secret (base64url). */
export function signData(purpose: string, data: string): string {
  return Buffer.from(hmacHex(authSecrets()[0]!, purpose, data), "hex").toString("base64url");
}

/** Whether `signature` is signData(purpose, data) under any secret of the keyring (constant time per secret). */
export function verifySignature(purpose: string, data: string, signature: string): boolean {
  const given = Buffer.from(signature, "base64url");
  return authSecrets().some((secret) => {
    const expected = Buffer.from(hmacHex(secret, purpose, data), "hex");
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}

/** The keyed hash under which MCP OAuth codes and tokens are stored (server/mcp-auth): like API keys, another sub-key. */
export function hashMcpToken(raw: string): string {
  return hmacHex(authSecrets()[0]!, "mcp-token-hmac", raw);
}

/** The token's hash under every secret of the keyring, current first (a token outlives a rotation of AUTH_SECRET). */
export function mcpTokenHashes(raw: string): string[] {
  return authSecrets().map((secret) => hmacHex(secret, "mcp-token-hmac", raw));
}
