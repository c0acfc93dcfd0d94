import { text } from "./schemas/text";

/**
 * Idempotency keys (IETF draft-ietf-httpapi-idempotency-key-header): what a key may be, shared by the REST header
 * parser, the tRPC inputs and the web app that makes them.
 */
export const IDEMPOTENCY_KEY_MAX_LENGTH = 255;
/** How long a key's first response is replayed (and the key cannot be used for another request). */
export const IDEMPOTENCY_WINDOW_HOURS = 24;
export const IDEMPOTENCY_HEADER = "Idempotency-Key";
/** Set on a replayed response. */
export const IDEMPOTENT_REPLAYED_HEADER = "Idempotent-Replayed";

const PRINTABLE_ASCII = /^[\x20-\x7e]+$/;

/** Why a key is invalid, or null when it is a valid one: 1 to 255 printable ASCII characters. */
export function idempotencyKeyProblem(key: string): string | null {
  if (key.trim().length === 0) return "The Idempotency-Key is empty";
  if (key.length > IDEMPOTENCY_KEY_MAX_LENGTH) return `The Idempotency-Key has at most ${IDEMPOTENCY_KEY_MAX_LENGTH} characters (a UUID is a good key)`;
  if (!PRINTABLE_ASCII.test(key)) return "The Idempotency-Key holds printable ASCII characters only (a UUID is a good key)";
  return null;
}

/** An idempotency key in a tRPC input. */
export const idempotencyKeySchema = text().superRefine((v, ctx) => {
  const problem = idempotencyKeyProblem(v);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});

/** A new random key (a UUID; getRandomValues also works in pages served over plain http, randomUUID does not). */
export function newIdempotencyKey(): string {
  const bytes = new Uint8Array(16);
  globalThis.crypto.getRandomValues(bytes);
  bytes[6] = (bytes[6]! & 0x0f) | 0x40;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
