import { createHmac, hkdfSync } from "node:crypto";
import { env } from "../env";

/** A sub-key derived from AUTH_SECRET for one purpose, so that one leaked use does not reveal another. */
function derivedKey(purpose: string): Buffer {
  const secret = env().AUTH_SECRET;
  if (!secret) throw new Error("AUTH_SECRET is not set: the launcher (npm start) provides one");
  return Buffer.from(hkdfSync("sha256", secret, "cadre", purpose, 32));
}

let apiKeyHmacKey: Buffer | undefined;

/** The keyed hash under which API keys are stored: HMAC-SHA256 with a key derived from AUTH_SECRET. */
export function hashApiKey(rawKey: string): string {
  apiKeyHmacKey ??= derivedKey("api-key-hmac");
  return createHmac("sha256", apiKeyHmacKey).update(rawKey).digest("hex");
}
