import { createHash, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { decryptSecret, encryptSecret, keyVersionOf, makeKeyring, rewrapDataKey, VaultCryptoError, type Bytes, type SealedSecret } from "./crypto";

const keyA = randomBytes(32);
const keyB = randomBytes(32);
const ring = makeKeyring(keyA);
const here = { workspaceId: "ws_aaaaaaaaaaaaaaaaaaaa", secretId: "sec_aaaaaaaaaaaaaaaaaaaa" };

function flip(bytes: Bytes, index = 0): Bytes {
  const copy = new Uint8Array(bytes);
  copy[index] = copy[index]! ^ 0x01;
  return copy;
}

function failure(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(VaultCryptoError);
    return (error as VaultCryptoError).reason;
  }
  throw new Error("expected a VaultCryptoError");
}

describe("vault crypto: envelope encryption", () => {
  it("round-trips values of every shape (empty-ish, unicode, 16 KiB)", () => {
    for (const value of ["x", "sk-test-1234567890abcdef", "pässwörd 🔑 with emoji", "a".repeat(16_384), "line1\nline2\n"]) {
      const sealed = encryptSecret(ring, here, value);
      expect(decryptSecret(ring, here, sealed)).toBe(value);
    }
  });

  it("uses a fresh data key and nonce per value: the same value twice gives unrelated ciphertexts", () => {
    const one = encryptSecret(ring, here, "same value");
    const two = encryptSecret(ring, here, "same value");
    expect(Buffer.from(one.iv).equals(Buffer.from(two.iv))).toBe(false);
    expect(Buffer.from(one.ciphertext).equals(Buffer.from(two.ciphertext))).toBe(false);
    expect(Buffer.from(one.wrappedKey).equals(Buffer.from(two.wrappedKey))).toBe(false);
    // layout: nonce 12 | sealed data key 32 | tag 16
    expect(one.iv.length).toBe(12);
    expect(one.authTag.length).toBe(16);
    expect(one.wrappedKey.length).toBe(60);
    expect(one.ciphertext.length).toBe(Buffer.byteLength("same value"));
  });

  it("stores the master key's version: a 16-hex fingerprint, stable per key, different per key", () => {
    const sealed = encryptSecret(ring, here, "v");
    expect(sealed.keyVersion).toMatch(/^[0-9a-f]{16}$/);
    expect(sealed.keyVersion).toBe(keyVersionOf(keyA));
    expect(keyVersionOf(Buffer.from(keyA))).toBe(keyVersionOf(keyA));
    expect(keyVersionOf(keyB)).not.toBe(keyVersionOf(keyA));
    // not a plain hash of the key
    expect(sealed.keyVersion).not.toBe(createHash("sha256").update(keyA).digest("hex").slice(0, 16));
  });

  it("never leaves the value or the master key in the sealed record", () => {
    const value = "sk-live-RECOGNISABLE-0123456789";
    const sealed = encryptSecret(ring, here, value);
    const all = Buffer.concat([sealed.ciphertext, sealed.iv, sealed.authTag, sealed.wrappedKey]);
    expect(all.includes(Buffer.from(value))).toBe(false);
    expect(all.includes(keyA)).toBe(false);
  });

  describe("tampering fails authentication", () => {
    const sealed = encryptSecret(ring, here, "sk-tamper-test-value-0000");
    const cases: [string, SealedSecret][] = [
      ["a ciphertext bit", { ...sealed, ciphertext: flip(sealed.ciphertext) }],
      ["the last ciphertext byte", { ...sealed, ciphertext: flip(sealed.ciphertext, sealed.ciphertext.length - 1) }],
      ["the value's tag", { ...sealed, authTag: flip(sealed.authTag) }],
      ["the value's nonce", { ...sealed, iv: flip(sealed.iv) }],
      ["the wrapped key's nonce", { ...sealed, wrappedKey: flip(sealed.wrappedKey, 0) }],
      ["the wrapped data key", { ...sealed, wrappedKey: flip(sealed.wrappedKey, 20) }],
      ["the wrapped key's tag", { ...sealed, wrappedKey: flip(sealed.wrappedKey, 59) }],
      ["a truncated ciphertext", { ...sealed, ciphertext: sealed.ciphertext.slice(0, -1) }],
    ];
    it.each(cases)("%s", (_label, tampered) => {
      expect(failure(() => decryptSecret(ring, here, tampered))).toBe("authentication_failed");
    });

    it("a malformed wrapped key or tag is refused before any crypto", () => {
      expect(failure(() => decryptSecret(ring, here, { ...sealed, wrappedKey: sealed.wrappedKey.slice(0, 59) }))).toBe("malformed");
      expect(failure(() => decryptSecret(ring, here, { ...sealed, authTag: sealed.authTag.slice(0, 12) }))).toBe("malformed");
      expect(failure(() => decryptSecret(ring, here, { ...sealed, iv: new Uint8Array(16) }))).toBe("malformed");
    });

    it("the untouched record still opens", () => {
      expect(decryptSecret(ring, here, sealed)).toBe("sk-tamper-test-value-0000");
    });
  });

  it("binds workspace and secret id on both layers: another row or workspace cannot open it", () => {
    const sealed = encryptSecret(ring, here, "bound");
    expect(failure(() => decryptSecret(ring, { ...here, secretId: "sec_bbbbbbbbbbbbbbbbbbbb" }, sealed))).toBe("authentication_failed");
    expect(failure(() => decryptSecret(ring, { ...here, workspaceId: "ws_bbbbbbbbbbbbbbbbbbbb" }, sealed))).toBe("authentication_failed");
    // the data key of another row, with this row's value: refused too (the value layer binds the row as well)
    const other = encryptSecret(ring, { ...here, secretId: "sec_cccccccccccccccccccc" }, "other");
    expect(failure(() => decryptSecret(ring, here, { ...sealed, wrappedKey: other.wrappedKey }))).toBe("authentication_failed");
  });

  it("needs the right master key: an unknown version, or the wrong key under a known version, fails", () => {
    const sealed = encryptSecret(ring, here, "keyed");
    expect(failure(() => decryptSecret(makeKeyring(keyB), here, sealed))).toBe("unknown_key_version");
    // a keyring claiming A's version with B's key (a corrupted keyring) still cannot open it
    const liar = {
      current: { version: keyVersionOf(keyA), key: keyB },
      byVersion: new Map([[keyVersionOf(keyA), { version: keyVersionOf(keyA), key: keyB }]]),
    };
    expect(failure(() => decryptSecret(liar, here, sealed))).toBe("authentication_failed");
  });

  it("error messages carry no key or value material", () => {
    const sealed = encryptSecret(ring, here, "secret-in-error?");
    try {
      decryptSecret(ring, { ...here, secretId: "sec_zzzzzzzzzzzzzzzzzzzz" }, sealed);
    } catch (error) {
      const text = `${(error as Error).message} ${JSON.stringify(error)}`;
      expect(text).not.toContain("secret-in-error?");
      expect(text).not.toContain(keyA.toString("base64"));
      expect(text).not.toContain(keyA.toString("hex"));
    }
  });

  describe("re-wrapping", () => {
    it("moves the data key under the new master key without touching the value's ciphertext", () => {
      const sealed = encryptSecret(ring, here, "rewrap me");
      const rotated = makeKeyring(keyB, [keyA]);
      const next = rewrapDataKey(rotated, here, sealed);
      expect(next.keyVersion).toBe(keyVersionOf(keyB));
      expect(Buffer.from(next.wrappedKey).equals(Buffer.from(sealed.wrappedKey))).toBe(false);
      const moved = { ...sealed, ...next };
      // readable with the new key alone: the old key is no longer needed
      expect(decryptSecret(makeKeyring(keyB), here, moved)).toBe("rewrap me");
      expect(failure(() => decryptSecret(makeKeyring(keyA), here, moved))).toBe("unknown_key_version");
    });

    it("keeps the row binding: a re-wrapped key still only opens for its own row", () => {
      const sealed = encryptSecret(ring, here, "bound after rewrap");
      const next = rewrapDataKey(makeKeyring(keyB, [keyA]), here, sealed);
      expect(failure(() => decryptSecret(makeKeyring(keyB), { ...here, secretId: "sec_dddddddddddddddddddd" }, { ...sealed, ...next }))).toBe(
        "authentication_failed",
      );
      expect(failure(() => rewrapDataKey(makeKeyring(keyB, [keyA]), { ...here, workspaceId: "ws_dddddddddddddddddddd" }, sealed))).toBe(
        "authentication_failed",
      );
    });

    it("a keyring reads every version it holds; new values go under the current key", () => {
      const old = encryptSecret(makeKeyring(keyA), here, "old");
      const both = makeKeyring(keyB, [keyA, keyA, keyB]);
      expect(both.byVersion.size).toBe(2);
      const fresh = encryptSecret(both, here, "new");
      expect(fresh.keyVersion).toBe(keyVersionOf(keyB));
      expect(decryptSecret(both, here, old)).toBe("old");
      expect(decryptSecret(both, here, fresh)).toBe("new");
    });
  });

  it("refuses master keys that are not 32 bytes", () => {
    expect(() => makeKeyring(randomBytes(16))).toThrow(/32 bytes/);
    expect(() => makeKeyring(keyA, [randomBytes(31)])).toThrow(/32 bytes/);
  });
});
