/**
 * Where the vault's master key comes from. One resolution, shared by the launcher (`scripts/start.ts`), the
 * CLI (`scripts/cadre.ts`) and the app process:
 *
 * 1. `CADRE_MASTER_KEY` (32 bytes, base64) is the current key; `CADRE_MASTER_KEY_PREVIOUS` (comma-separated)
 *    lists earlier keys that stay readable while a rotation completes.
 * 2. Otherwise, in embedded mode (no `DATABASE_URL`), the key lives in `<CADRE_DATA_DIR>/master.key`
 *    (mode 0600), generated on first start; `master.key.previous` (one key per line) holds the keys a
 *    rotation in progress still needs.
 * 3. Otherwise (server mode without a key) there is no key: start-up refuses with instructions.
 *
 * Key material is never logged or put into an error message.
 */
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { env } from "../env";
import { KEY_BYTES, keyVersionOf, makeKeyring, type Keyring } from "./crypto";

export const MASTER_KEY_FILE = "master.key";
export const PREVIOUS_KEYS_FILE = "master.key.previous";

export const GENERATE_KEY_HINT =
  "Generate one with `openssl rand -base64 32` (or `node -e \"console.log(require('crypto').randomBytes(32).toString('base64'))\"`)";

export class MasterKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MasterKeyError";
  }
}

/**
 * Decodes a base64 (or base64url) master key and checks it is exactly 32 bytes. `label` names where it
 * came from in the error message; the key itself never appears there.
 */
export function parseMasterKey(encoded: string, label: string): Buffer {
  const text = encoded.trim();
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(text)) {
    throw new MasterKeyError(`${label} is not base64: it must be ${KEY_BYTES} random bytes encoded as base64. ${GENERATE_KEY_HINT}`);
  }
  const key = Buffer.from(text.replace(/-/g, "+").replace(/_/g, "/"), "base64");
  if (key.length !== KEY_BYTES) {
    throw new MasterKeyError(
      `${label} must be ${KEY_BYTES} bytes encoded as base64 (44 characters), but it decodes to ${key.length} bytes. ${GENERATE_KEY_HINT}`,
    );
  }
  return key;
}

/** Several keys separated by commas, whitespace or newlines (empty entries ignored). */
export function parseKeyList(encoded: string | undefined, label: string): Buffer[] {
  if (!encoded) return [];
  return encoded
    .split(/[\s,]+/)
    .filter((s) => s.length > 0)
    .map((s, i) => parseMasterKey(s, `${label} (entry ${i + 1})`));
}

export function generateMasterKey(): Buffer {
  return randomBytes(KEY_BYTES);
}

export function encodeKey(key: Buffer): string {
  return key.toString("base64");
}

/** Writes a file readable only by its owner, atomically (temp file + rename). */
function writePrivateFile(file: string, content: string): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, content, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);
}

export interface KeySources {
  /** CADRE_MASTER_KEY */
  masterKey?: string;
  /** CADRE_MASTER_KEY_PREVIOUS */
  previousKeys?: string;
  /** whether the database is embedded (no DATABASE_URL): only then may the key live in the data directory */
  embedded: boolean;
  dataDir: string;
}

export interface ResolvedKeyring {
  keyring: Keyring;
  current: Buffer;
  previous: Buffer[];
  source: "env" | "file";
  /** true when this call generated the key file */
  created: boolean;
  /** the key file, when the key lives in the data directory */
  file?: string;
}

function readPreviousFile(dataDir: string): Buffer[] {
  const file = path.join(dataDir, PREVIOUS_KEYS_FILE);
  if (!existsSync(file)) return [];
  return parseKeyList(readFileSync(file, "utf8"), file);
}

/**
 * The keyring from explicit sources. `generate` (the launcher) creates `master.key` in embedded mode when
 * there is none; everything else only reads it.
 */
export function resolveKeyring(sources: KeySources, options: { generate?: boolean } = {}): ResolvedKeyring {
  const envPrevious = parseKeyList(sources.previousKeys, "CADRE_MASTER_KEY_PREVIOUS");
  if (sources.masterKey) {
    // a key given in the environment is managed there, older keys included: the data directory is not read
    const current = parseMasterKey(sources.masterKey, "CADRE_MASTER_KEY");
    return { keyring: makeKeyring(current, envPrevious), current, previous: envPrevious, source: "env", created: false };
  }
  if (!sources.embedded) {
    throw new MasterKeyError(
      "CADRE_MASTER_KEY is not set. With a PostgreSQL server (DATABASE_URL), the vault's master key must be given " +
        "explicitly, and every app server must use the same key. " +
        GENERATE_KEY_HINT +
        ", keep it somewhere safe " +
        "(losing it makes every stored secret unreadable) and start Cadre with CADRE_MASTER_KEY set to it.",
    );
  }
  const file = path.join(sources.dataDir, MASTER_KEY_FILE);
  let created = false;
  let current: Buffer;
  if (existsSync(file)) {
    current = parseMasterKey(readFileSync(file, "utf8"), file);
  } else {
    if (!options.generate) {
      throw new MasterKeyError(
        `No vault master key: CADRE_MASTER_KEY is not set and ${file} does not exist. Start Cadre once with \`npm start\` to generate it, or set CADRE_MASTER_KEY.`,
      );
    }
    current = generateMasterKey();
    writePrivateFile(file, `${encodeKey(current)}\n`);
    created = true;
  }
  const previous = [...envPrevious, ...readPreviousFile(sources.dataDir)];
  return { keyring: makeKeyring(current, previous), current, previous, source: "file", created, file };
}

/**
 * What the launcher does with the key before it starts anything: resolve it (generating `master.key` on the
 * first embedded start; throwing MasterKeyError in server mode without a key), and return the variables to
 * pass to the Next child plus the lines to log. The lines never contain key material.
 */
export function launcherMasterKey(sources: KeySources): { env: { CADRE_MASTER_KEY?: string; CADRE_MASTER_KEY_PREVIOUS?: string }; messages: string[] } {
  const keys = resolveKeyring(sources, { generate: true });
  const version = keys.keyring.current.version;
  const messages: string[] = [];
  const childEnv: { CADRE_MASTER_KEY?: string; CADRE_MASTER_KEY_PREVIOUS?: string } = {};
  if (keys.source === "file") {
    // the app process reads the key from its environment, like a key given explicitly
    childEnv.CADRE_MASTER_KEY = encodeKey(keys.current);
    if (keys.previous.length > 0) childEnv.CADRE_MASTER_KEY_PREVIOUS = keys.previous.map(encodeKey).join(",");
    messages.push(
      keys.created
        ? `generated the vault master key in ${keys.file} (mode 0600, version ${version}). Back it up: without it the stored secrets cannot be decrypted. Set CADRE_MASTER_KEY to manage it yourself`
        : `vault master key: ${keys.file} (version ${version})`,
    );
  } else {
    messages.push(`vault master key: CADRE_MASTER_KEY (version ${version})${keys.previous.length ? `, ${keys.previous.length} previous key(s) readable` : ""}`);
  }
  if (keys.previous.length > 0) {
    messages.push(
      keys.source === "file"
        ? "vault: a master key rotation did not finish (master.key.previous exists): stop Cadre and run `npm run cadre -- vault rotate --finish`"
        : "vault: older master keys are readable (CADRE_MASTER_KEY_PREVIOUS): once `npm run cadre -- vault status` shows no secret under them, remove them",
    );
  }
  return { env: childEnv, messages };
}

/** The sources as this process's environment gives them. */
export function keySourcesFromEnv(): KeySources {
  const e = env();
  return {
    masterKey: e.CADRE_MASTER_KEY,
    previousKeys: e.CADRE_MASTER_KEY_PREVIOUS,
    embedded: !e.DATABASE_URL || e.CADRE_DATABASE_MODE === "embedded",
    dataDir: path.resolve(e.CADRE_DATA_DIR),
  };
}

// ---------------------------------------------------------------------------------------------------
// Key files of a rotation in embedded mode

/**
 * Before re-wrapping starts: remember every key the data may still be wrapped under in `master.key.previous`,
 * then make the new key current in `master.key`. Both writes happen before the first row changes, so an
 * interrupted rotation leaves every row readable (the resolution reads both files).
 */
export function beginFileRotation(dataDir: string, oldKeys: readonly Buffer[], newKey: Buffer): void {
  const newVersion = keyVersionOf(newKey);
  const seen = new Set<string>([newVersion]);
  const keep: Buffer[] = [];
  for (const key of [...oldKeys, ...readPreviousFile(dataDir)]) {
    const v = keyVersionOf(key);
    if (seen.has(v)) continue;
    seen.add(v);
    keep.push(key);
  }
  if (keep.length > 0) writePrivateFile(path.join(dataDir, PREVIOUS_KEYS_FILE), `${keep.map(encodeKey).join("\n")}\n`);
  writePrivateFile(path.join(dataDir, MASTER_KEY_FILE), `${encodeKey(newKey)}\n`);
}

/** After every row is wrapped under the current key: the older keys are no longer needed. */
export function finishFileRotation(dataDir: string): void {
  rmSync(path.join(dataDir, PREVIOUS_KEYS_FILE), { force: true });
}

// ---------------------------------------------------------------------------------------------------
// The app process's keyring

let cachedKeyring: Keyring | undefined;

/** The keyring of this process (resolved once from the environment, or the data directory in embedded mode). */
export function vaultKeyring(): Keyring {
  cachedKeyring ??= resolveKeyring(keySourcesFromEnv()).keyring;
  return cachedKeyring;
}

/** For the CLI and tests: use this keyring from now on (undefined: resolve from the environment again). */
export function setVaultKeyring(keyring: Keyring | undefined): void {
  cachedKeyring = keyring;
}
