import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { keyVersionOf } from "./crypto";
import { claimEmbeddedLock, embeddedLockHolder, EMBEDDED_LOCK_FILE } from "@/server/db/embedded-lock";
import {
  beginFileRotation,
  encodeKey,
  finishFileRotation,
  launcherMasterKey,
  MasterKeyError,
  parseKeyList,
  parseMasterKey,
  resolveKeyring,
  MASTER_KEY_FILE,
  PREVIOUS_KEYS_FILE,
} from "./master-key";

const made: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(path.join(tmpdir(), "cadre-vault-"));
  made.push(dir);
  return dir;
};
afterAll(() => made.forEach((dir) => rmSync(dir, { recursive: true, force: true })));
const b64 = (key: Buffer) => key.toString("base64");

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected a throw");
}

describe("master key parsing", () => {
  it("accepts 32 bytes as base64 (padded, url-safe, surrounded by whitespace)", () => {
    const key = randomBytes(32);
    expect(parseMasterKey(b64(key), "K").equals(key)).toBe(true);
    expect(parseMasterKey(`  ${b64(key)}\n`, "K").equals(key)).toBe(true);
    expect(parseMasterKey(key.toString("base64url"), "K").equals(key)).toBe(true);
  });

  it("refuses anything else with a clear message that never echoes the input", () => {
    const short = b64(randomBytes(16));
    const e1 = thrown(() => parseMasterKey(short, "CADRE_MASTER_KEY"));
    expect(e1).toBeInstanceOf(MasterKeyError);
    expect(e1.message).toMatch(/CADRE_MASTER_KEY must be 32 bytes .*decodes to 16 bytes/);
    expect(e1.message).toContain("openssl rand -base64 32");
    expect(e1.message).not.toContain(short);
    const e2 = thrown(() => parseMasterKey("not base64 at all!", "CADRE_MASTER_KEY"));
    expect(e2.message).toMatch(/is not base64/);
    expect(e2.message).not.toContain("not base64 at all!");
    expect(() => parseMasterKey(b64(randomBytes(33)), "K")).toThrow(/decodes to 33 bytes/);
  });

  it("reads comma- or newline-separated key lists, naming the bad entry", () => {
    const [a, b] = [randomBytes(32), randomBytes(32)];
    expect(parseKeyList(`${b64(a)}, ${b64(b)}`, "P").map(b64)).toEqual([b64(a), b64(b)]);
    expect(parseKeyList(`${b64(a)}\n${b64(b)}\n`, "P")).toHaveLength(2);
    expect(parseKeyList(undefined, "P")).toEqual([]);
    expect(() => parseKeyList(`${b64(a)},abc`, "CADRE_MASTER_KEY_PREVIOUS")).toThrow(/CADRE_MASTER_KEY_PREVIOUS \(entry 2\)/);
  });
});

describe("keyring resolution (launcher, CLI and app share it)", () => {
  it("CADRE_MASTER_KEY wins; CADRE_MASTER_KEY_PREVIOUS stays readable; the data directory is not touched", () => {
    const dir = tempDir();
    const [cur, old] = [randomBytes(32), randomBytes(32)];
    for (const embedded of [true, false]) {
      const r = resolveKeyring({ masterKey: b64(cur), previousKeys: b64(old), embedded, dataDir: dir }, { generate: true });
      expect(r.source).toBe("env");
      expect(r.keyring.current.version).toBe(keyVersionOf(cur));
      expect([...r.keyring.byVersion.keys()].sort()).toEqual([keyVersionOf(cur), keyVersionOf(old)].sort());
    }
    expect(existsSync(path.join(dir, MASTER_KEY_FILE))).toBe(false);
  });

  it("server mode without a key refuses, telling how to generate one", () => {
    const error = thrown(() => resolveKeyring({ embedded: false, dataDir: tempDir() }, { generate: true }));
    expect(error).toBeInstanceOf(MasterKeyError);
    expect(error.message).toContain("CADRE_MASTER_KEY is not set");
    expect(error.message).toContain("openssl rand -base64 32");
  });

  it("embedded mode generates master.key once (mode 0600) and reads it back afterwards", () => {
    const dir = tempDir();
    const first = resolveKeyring({ embedded: true, dataDir: dir }, { generate: true });
    expect(first).toMatchObject({ source: "file", created: true, file: path.join(dir, MASTER_KEY_FILE) });
    expect(statSync(first.file!).mode & 0o777).toBe(0o600);
    expect(parseMasterKey(readFileSync(first.file!, "utf8"), "file").equals(first.current)).toBe(true);
    const again = resolveKeyring({ embedded: true, dataDir: dir }, { generate: true });
    expect(again.created).toBe(false);
    expect(again.keyring.current.version).toBe(first.keyring.current.version);
    // only the launcher generates: the app and the CLI just read
    expect(() => resolveKeyring({ embedded: true, dataDir: tempDir() })).toThrow(/npm start/);
  });

  it("a broken master.key is refused (not silently replaced)", () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, MASTER_KEY_FILE), "short\n");
    expect(() => resolveKeyring({ embedded: true, dataDir: dir }, { generate: true })).toThrow(/master\.key must be 32 bytes|is not base64/);
    expect(readFileSync(path.join(dir, MASTER_KEY_FILE), "utf8")).toBe("short\n");
  });

  it("file rotation: the new key is current and the old ones readable until it finishes", () => {
    const dir = tempDir();
    const initial = resolveKeyring({ embedded: true, dataDir: dir }, { generate: true });
    const next = randomBytes(32);
    beginFileRotation(dir, [initial.current], next);
    expect(statSync(path.join(dir, MASTER_KEY_FILE)).mode & 0o777).toBe(0o600);
    expect(statSync(path.join(dir, PREVIOUS_KEYS_FILE)).mode & 0o777).toBe(0o600);
    const mid = resolveKeyring({ embedded: true, dataDir: dir });
    expect(mid.keyring.current.version).toBe(keyVersionOf(next));
    expect(mid.keyring.byVersion.has(initial.keyring.current.version)).toBe(true);

    // an interrupted rotation followed by another one keeps every older key
    const third = randomBytes(32);
    beginFileRotation(dir, [mid.current, ...mid.previous], third);
    const mid2 = resolveKeyring({ embedded: true, dataDir: dir });
    expect(mid2.keyring.current.version).toBe(keyVersionOf(third));
    expect(mid2.keyring.byVersion.size).toBe(3);

    finishFileRotation(dir);
    const done = resolveKeyring({ embedded: true, dataDir: dir });
    expect(done.keyring.byVersion.size).toBe(1);
    expect(existsSync(path.join(dir, PREVIOUS_KEYS_FILE))).toBe(false);
    expect(encodeKey(done.current)).toBe(b64(third));
  });
});

describe("launcher (npm start)", () => {
  it("embedded, first start: generates master.key, hands it to the app via env, logs that it did without the key", () => {
    const dir = tempDir();
    const first = launcherMasterKey({ embedded: true, dataDir: dir });
    const key = readFileSync(path.join(dir, MASTER_KEY_FILE), "utf8").trim();
    expect(first.env).toEqual({ CADRE_MASTER_KEY: key });
    expect(first.messages[0]).toMatch(/^generated the vault master key in .*master\.key \(mode 0600, version [0-9a-f]{16}\)/);
    expect(first.messages.join("\n")).not.toContain(key);
    const second = launcherMasterKey({ embedded: true, dataDir: dir });
    expect(second.env).toEqual({ CADRE_MASTER_KEY: key });
    expect(second.messages[0]).toMatch(/^vault master key: .*master\.key/);
  });

  it("embedded during an unfinished rotation: passes the previous keys too and says so", () => {
    const dir = tempDir();
    const { current } = resolveKeyring({ embedded: true, dataDir: dir }, { generate: true });
    const next = randomBytes(32);
    beginFileRotation(dir, [current], next);
    const started = launcherMasterKey({ embedded: true, dataDir: dir });
    expect(started.env).toEqual({ CADRE_MASTER_KEY: b64(next), CADRE_MASTER_KEY_PREVIOUS: b64(current) });
    expect(started.messages.join("\n")).toMatch(/rotation did not finish/);
  });

  it("server mode without a key refuses to start; with one, nothing is written and nothing printed but the version", () => {
    const dir = tempDir();
    expect(() => launcherMasterKey({ embedded: false, dataDir: dir })).toThrow(/CADRE_MASTER_KEY is not set.*openssl rand -base64 32/s);
    const key = randomBytes(32);
    const started = launcherMasterKey({ masterKey: b64(key), embedded: false, dataDir: dir });
    expect(started.env).toEqual({});
    expect(started.messages).toEqual([`vault master key: CADRE_MASTER_KEY (version ${keyVersionOf(key)})`]);
    expect(existsSync(path.join(dir, MASTER_KEY_FILE))).toBe(false);
    expect(() => launcherMasterKey({ masterKey: "too-short", embedded: true, dataDir: dir })).toThrow(MasterKeyError);
  });
});

describe("embedded database lock (launcher and CLI never open the same data directory at once)", () => {
  it("refuses while another live process holds it, ignores a stale lock, releases its own", async () => {
    const dir = tempDir();
    // a live process that is not us: our parent
    writeFileSync(path.join(dir, EMBEDDED_LOCK_FILE), `${process.ppid}\n`);
    expect(embeddedLockHolder(dir)).toBe(process.ppid);
    await expect(claimEmbeddedLock(dir, "testing")).rejects.toThrow(new RegExp(`in use by another process \\(pid ${process.ppid}\\): stop it before testing`));
    // a dead pid is stale
    writeFileSync(path.join(dir, EMBEDDED_LOCK_FILE), "999999999\n");
    expect(embeddedLockHolder(dir)).toBeUndefined();
    const release = await claimEmbeddedLock(dir, "testing");
    expect(readFileSync(path.join(dir, EMBEDDED_LOCK_FILE), "utf8").trim().split(" ")[0]).toBe(String(process.pid));
    release();
    expect(existsSync(path.join(dir, EMBEDDED_LOCK_FILE))).toBe(false);
  });
});
