/**
 * `npm run cadre -- vault rotate | status`: the commands themselves, with the database already available
 * (scripts/cadre.ts starts the embedded one when there is no DATABASE_URL). Exported for tests.
 *
 * Output never contains a key, except the one line that shows a newly generated master key in server mode,
 * once, because the operator has to put it into CADRE_MASTER_KEY.
 */
import { makeKeyring, sameKey } from "./crypto";
import {
  beginFileRotation,
  encodeKey,
  finishFileRotation,
  generateMasterKey,
  MasterKeyError,
  parseMasterKey,
  resolveKeyring,
  setVaultKeyring,
  type KeySources,
} from "./master-key";
import { rotateMasterKey, vaultKeyStatus, type RotationResult } from "./rotation";
import type { CliIo } from "@/server/cli-io";

export interface VaultRotateOptions {
  sources: KeySources;
  /** the new master key (base64); generated when absent */
  newKey?: string;
  /** re-wrap only what is not yet under the current key (finishes an interrupted rotation); no new key */
  finish?: boolean;
  batchSize?: number;
  io: CliIo;
}

export interface VaultRotateOutcome {
  exitCode: number;
  result?: RotationResult;
  /** where the key lives: "file" (embedded, .data/master.key) or "env" (CADRE_MASTER_KEY) */
  source?: "file" | "env";
}

export async function vaultRotate(options: VaultRotateOptions): Promise<VaultRotateOutcome> {
  const { io } = options;
  let resolved: ReturnType<typeof resolveKeyring>;
  try {
    resolved = resolveKeyring(options.sources);
  } catch (error) {
    if (error instanceof MasterKeyError) {
      io.err(error.message);
      return { exitCode: 2 };
    }
    throw error;
  }
  const oldKeys = [resolved.current, ...resolved.previous];

  let newKey: Buffer;
  let generated = false;
  if (options.finish) {
    if (options.newKey) {
      io.err("Give either --finish or --new-key, not both");
      return { exitCode: 2 };
    }
    newKey = resolved.current;
  } else if (options.newKey) {
    try {
      newKey = parseMasterKey(options.newKey, "--new-key");
    } catch (error) {
      io.err((error as Error).message);
      return { exitCode: 2 };
    }
  } else {
    newKey = generateMasterKey();
    generated = true;
  }
  const toCurrent = sameKey(newKey, resolved.current);
  const newVersion = makeKeyring(newKey).current.version;

  // the versions in the database that no key of the keyring (old or new) can read
  const readable = makeKeyring(newKey, oldKeys);
  const unknown = (await vaultKeyStatus(readable)).filter((v) => v.status === "unknown");
  for (const v of unknown) {
    io.err(
      `warning: ${v.count} secret(s) are wrapped under key version ${v.keyVersion}, which is not in the keyring: they cannot be re-wrapped (add that key to CADRE_MASTER_KEY_PREVIOUS)`,
    );
  }

  // Persist (file mode) or show (env mode) the new key BEFORE the first row is re-wrapped under it, so that
  // an interrupted rotation never leaves rows under a key nobody has.
  if (resolved.source === "file" && !toCurrent) {
    beginFileRotation(options.sources.dataDir, oldKeys, newKey);
    io.out(
      `vault: new master key ${newVersion} written to ${resolved.file} (mode 0600); the previous key(s) stay in master.key.previous until the rotation completes`,
    );
  } else if (resolved.source === "env" && !toCurrent) {
    io.out(`vault: rotating from key version ${resolved.keyring.current.version} to ${newVersion}`);
    if (generated) {
      io.out("");
      io.out("New master key (shown once, store it now — without it the secrets cannot be decrypted):");
      io.out(`  CADRE_MASTER_KEY=${encodeKey(newKey)}`);
      io.out("");
    }
  } else {
    io.out(`vault: re-wrapping the secrets still under an older key with the current key ${newVersion}`);
  }

  const result = await rotateMasterKey(newKey, {
    keyring: resolved.keyring,
    batchSize: options.batchSize,
    onBatch: (p) => io.out(`vault: ${p.processed} processed, ${p.rewrapped} re-wrapped, ${p.failed} failed`),
  });
  setVaultKeyring(result.keyring);

  io.out(
    `vault: ${result.total} secret(s): ${result.rewrapped} re-wrapped, ${result.alreadyCurrent} already under ${newVersion}, ${result.failed.length} failed${result.vanished ? `, ${result.vanished} deleted meanwhile` : ""}`,
  );
  if (result.failed.length > 0) {
    for (const f of result.failed) io.err(`  not re-wrapped: secret ${f.secretId} (workspace ${f.workspaceId}, key version ${f.keyVersion}): ${f.reason}`);
    io.err(
      resolved.source === "file"
        ? "The rotation is NOT complete: master.key.previous is kept so that these secrets stay readable. Fix the cause and run `npm run cadre -- vault rotate --finish`."
        : "The rotation is NOT complete: keep the old key(s) in CADRE_MASTER_KEY_PREVIOUS. Fix the cause and run `npm run cadre -- vault rotate --finish` with CADRE_MASTER_KEY set to the new key.",
    );
    return { exitCode: 1, result, source: resolved.source };
  }

  if (resolved.source === "file") {
    finishFileRotation(options.sources.dataDir);
    io.out("vault: rotation complete; the previous key is no longer needed and master.key.previous was removed");
  } else if (!toCurrent) {
    io.out("vault: every secret is now wrapped under the new key. Next:");
    io.out(`  1. Set CADRE_MASTER_KEY to the new key${generated ? " (printed above)" : ""} on every app server.`);
    io.out(`  2. Put the old key into CADRE_MASTER_KEY_PREVIOUS (comma-separated if there are several) until every server has restarted with the new key.`);
    io.out("  3. Then run `npm run cadre -- vault rotate --finish` (re-wraps what servers still on the old key wrote meanwhile),");
    io.out("     check `npm run cadre -- vault status`, and remove the old key from CADRE_MASTER_KEY_PREVIOUS.");
  } else {
    io.out("vault: every secret is wrapped under the current key; older keys can be removed from CADRE_MASTER_KEY_PREVIOUS");
  }
  return { exitCode: 0, result, source: resolved.source };
}

/** Counts of secrets per master key version, and which of them the keyring can read. */
export async function vaultStatus(options: { sources: KeySources; io: CliIo }): Promise<number> {
  const { io } = options;
  let keyring: ReturnType<typeof resolveKeyring>["keyring"] | undefined;
  try {
    const resolved = resolveKeyring(options.sources);
    keyring = resolved.keyring;
    io.out(
      `vault: current master key version ${keyring.current.version} (from ${resolved.source === "file" ? resolved.file : "CADRE_MASTER_KEY"})${resolved.previous.length ? `, ${resolved.previous.length} previous key(s) readable` : ""}`,
    );
  } catch (error) {
    if (!(error instanceof MasterKeyError)) throw error;
    io.err(`warning: ${error.message}`);
  }
  const versions = await vaultKeyStatus(keyring);
  const total = versions.reduce((sum, v) => sum + v.count, 0);
  if (versions.length === 0) io.out("vault: no secrets stored");
  for (const v of versions) {
    const label =
      v.status === "current"
        ? "current"
        : v.status === "previous"
          ? "previous key, readable: run `vault rotate --finish`"
          : "NO KEY in the keyring: unreadable";
    io.out(`  ${v.keyVersion}  ${String(v.count).padStart(6)}  ${label}`);
  }
  io.out(`vault: ${total} secret(s) in ${versions.length} key version(s)`);
  return versions.some((v) => v.status === "unknown") ? 1 : 0;
}
