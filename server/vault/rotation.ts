/**
 * Master key rotation: every Secret's data key is re-wrapped under a new master key, across all workspaces.
 * Values are never decrypted (only the 32-byte data keys are unwrapped, in memory, and zeroed at once), and
 * only `wrappedKey` and `keyVersion` change. Rows are read in batches and each one is written with its own
 * conditional UPDATE (its own short transaction), so a rotation never holds the database and can be
 * interrupted and resumed at any point: until it completes, the keyring still holds the older keys.
 */
import { systemDb } from "@/server/db/client";
import { logger } from "@/server/logger";
import { makeKeyring, orgSecretBinding, rewrapDataKey, VaultCryptoError, type Bytes, type Keyring } from "./crypto";
import { vaultKeyring } from "./master-key";
import { inWorkspace } from "@/server/db/in-workspace";

export interface RotationFailure {
  secretId: string;
  workspaceId: string;
  keyVersion: string;
  reason: string;
}

export interface RotationResult {
  /** the version (fingerprint) of the new current key */
  newVersion: string;
  /** secrets in the database when the rotation started */
  total: number;
  /** re-wrapped by this run */
  rewrapped: number;
  /** already wrapped under the new key (a resumed rotation, or rows written under it meanwhile) */
  alreadyCurrent: number;
  /** deleted while the rotation ran */
  vanished: number;
  /** organisations' SSO client secrets re-wrapped by this run (outside `total`: they are not workspace secrets) */
  orgSecretsRewrapped: number;
  /** could not be unwrapped by any key of the keyring (ids only: never key material) */
  failed: RotationFailure[];
  /** the keyring to use from now on: the new key current, the older ones still readable */
  keyring: Keyring;
}

export interface RotationOptions {
  /** the keyring the data is wrapped under now (default: this process's) */
  keyring?: Keyring;
  /** rows read per batch (default 100) */
  batchSize?: number;
  /** called after each batch, e.g. to report progress */
  onBatch?: (progress: { processed: number; rewrapped: number; failed: number }) => void | Promise<void>;
}

const MAX_ATTEMPTS = 3;

/**
 * Re-wraps every data key under `newKey` (which may be the current key: then only rows still under an
 * older key are re-wrapped, which is how an interrupted rotation is finished). Returns the counts.
 */
export async function rotateMasterKey(newKey: Buffer, options: RotationOptions = {}): Promise<RotationResult> {
  const old = options.keyring ?? vaultKeyring();
  const keyring = makeKeyring(
    newKey,
    [...old.byVersion.values()].map((k) => k.key),
  );
  const newVersion = keyring.current.version;
  const batchSize = Math.max(1, Math.min(options.batchSize ?? 100, 1000));

  const total = await systemDb("vault-rotation").secret.count();
  const alreadyCurrent = await systemDb("vault-rotation").secret.count({ where: { keyVersion: newVersion } });
  logger.info({ newVersion, total, alreadyCurrent }, "vault: master key rotation started");

  let rewrapped = 0;
  let vanished = 0;
  let processed = 0;
  const failed: RotationFailure[] = [];
  let cursor: string | undefined;

  for (;;) {
    const batch = await systemDb("vault-rotation").secret.findMany({
      where: { keyVersion: { not: newVersion }, ...(cursor ? { id: { gt: cursor } } : {}) },
      select: { id: true, workspaceId: true, wrappedKey: true, keyVersion: true, updatedAt: true },
      orderBy: { id: "asc" },
      take: batchSize,
    });
    if (batch.length === 0) break;
    cursor = batch[batch.length - 1]!.id;

    for (const first of batch) {
      processed++;
      let row: typeof first | null = first;
      for (let attempt = 1; row; attempt++) {
        if (row.keyVersion === newVersion) break; // rewritten under the new key meanwhile
        let next: { wrappedKey: Bytes; keyVersion: string };
        try {
          next = rewrapDataKey(keyring, { workspaceId: row.workspaceId, secretId: row.id }, row);
        } catch (error) {
          const reason = error instanceof VaultCryptoError ? error.reason : "rewrap_failed";
          failed.push({ secretId: row.id, workspaceId: row.workspaceId, keyVersion: row.keyVersion, reason });
          logger.error({ secretId: row.id, workspaceId: row.workspaceId, keyVersion: row.keyVersion, reason }, "vault: could not re-wrap a secret's data key");
          break;
        }
        // only if nobody changed the row since it was read (a new value has a new data key); updatedAt is kept
        const { count } = await systemDb("vault-rotation").secret.updateMany({
          where: { ...inWorkspace(row, row.id), keyVersion: row.keyVersion, wrappedKey: { equals: row.wrappedKey } },
          data: { wrappedKey: next.wrappedKey, keyVersion: next.keyVersion, updatedAt: row.updatedAt },
        });
        if (count === 1) {
          rewrapped++;
          break;
        }
        if (attempt >= MAX_ATTEMPTS) {
          failed.push({ secretId: row.id, workspaceId: row.workspaceId, keyVersion: row.keyVersion, reason: "changed_concurrently" });
          break;
        }
        row = await systemDb("vault-rotation").secret.findUnique({
          where: { id: row.id },
          select: { id: true, workspaceId: true, wrappedKey: true, keyVersion: true, updatedAt: true },
        });
        if (!row) vanished++;
      }
    }
    await options.onBatch?.({ processed, rewrapped, failed: failed.length });
  }

  const orgSecretsRewrapped = await rewrapOrgSecrets(keyring, failed);

  logger.info({ newVersion, total, rewrapped, alreadyCurrent, vanished, orgSecretsRewrapped, failed: failed.length }, "vault: master key rotation finished");
  return { newVersion, total, rewrapped, alreadyCurrent, vanished, orgSecretsRewrapped, failed, keyring };
}

/**
 * The organisations' SSO client secrets (SsoConnection, one row per organisation at most): re-wrapped the same way,
 * only if the row did not change since it was read (a changed row has a new data key already).
 */
async function rewrapOrgSecrets(keyring: Keyring, failed: RotationFailure[]): Promise<number> {
  const rows = await systemDb("vault-rotation").ssoConnection.findMany({
    where: { secretKeyVersion: { not: keyring.current.version } },
    select: { id: true, organizationId: true, secretWrappedKey: true, secretKeyVersion: true, updatedAt: true },
  });
  let rewrapped = 0;
  for (const row of rows) {
    if (!row.secretWrappedKey || !row.secretKeyVersion) continue;
    const binding = orgSecretBinding(row.organizationId, row.id);
    try {
      const next = rewrapDataKey(keyring, binding, { wrappedKey: row.secretWrappedKey, keyVersion: row.secretKeyVersion });
      const { count } = await systemDb("vault-rotation").ssoConnection.updateMany({
        where: { id: row.id, secretKeyVersion: row.secretKeyVersion, secretWrappedKey: { equals: row.secretWrappedKey } },
        data: { secretWrappedKey: next.wrappedKey, secretKeyVersion: next.keyVersion, updatedAt: row.updatedAt },
      });
      if (count === 1) rewrapped++;
    } catch (error) {
      const reason = error instanceof VaultCryptoError ? error.reason : "rewrap_failed";
      failed.push({ secretId: row.id, workspaceId: binding.workspaceId, keyVersion: row.secretKeyVersion, reason });
      logger.error(
        { ssoConnectionId: row.id, organizationId: row.organizationId, keyVersion: row.secretKeyVersion, reason },
        "vault: could not re-wrap an SSO client secret",
      );
    }
  }
  return rewrapped;
}

export interface KeyVersionCount {
  keyVersion: string;
  count: number;
  status: "current" | "previous" | "unknown";
}

/** How many secrets are wrapped under each master key version, and whether the keyring can read them. */
export async function vaultKeyStatus(keyring?: Keyring): Promise<KeyVersionCount[]> {
  const groups = await systemDb("vault-rotation").secret.groupBy({ by: ["keyVersion"], _count: { _all: true }, orderBy: { keyVersion: "asc" } });
  return groups.map((g) => ({
    keyVersion: g.keyVersion,
    count: g._count._all,
    status: !keyring ? "unknown" : g.keyVersion === keyring.current.version ? "current" : keyring.byVersion.has(g.keyVersion) ? "previous" : "unknown",
  }));
}
