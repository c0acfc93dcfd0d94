import { randomBytes } from "node:crypto";
import { annotateRequest } from "@/server/http/observe";
import { db, SYSTEM } from "@/server/db/client";
import { inWorkspace } from "@/server/db/in-workspace";
import { execute } from "@/server/db/execute";
import { sql } from "@/server/db/sql";
import type { Prisma } from "@/server/db/generated/client";
import { newId } from "@/lib/ids";
import { addressAllowed } from "@/lib/ip-allowlist";
import { AppError } from "@/lib/errors";
import type { TenantContext } from "@/server/context";
import { recordAudit } from "@/server/audit/service";
import { apiKeyHashes, hashApiKey } from "@/server/auth/secrets";
import { createApiKeyInputSchema } from "@/lib/schemas/api-keys";
import { cancelRunsOfEndedAccess } from "@/server/runs/service";
import { ACCESS_ENDED } from "@/server/jobs/run-access";
import { isPermission, permissionsOf, type Permission, type Role } from "@/lib/permissions";
import type { z } from "zod";

export const API_KEY_PREFIX = "cadre_";
const PREFIX_SHOWN = 12;

type KeyRow = {
  id: string;
  name: string;
  prefix: string;
  last4: string;
  scopes: string[];
  createdAt: Date;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  createdBy?: { email: string } | null;
};

function toApiKey(k: KeyRow) {
  return {
    id: k.id,
    name: k.name,
    prefix: k.prefix,
    last4: k.last4,
    scopes: k.scopes,
    createdBy: k.createdBy?.email ?? null,
    createdAt: k.createdAt,
    expiresAt: k.expiresAt,
    lastUsedAt: k.lastUsedAt,
    revokedAt: k.revokedAt,
  };
}

export function generateRawApiKey(): string {
  return API_KEY_PREFIX + randomBytes(32).toString("base64url");
}

/** Stores a key (only its keyed hash, a short prefix and the last 4 characters). */
export async function storeApiKey(
  data: { workspaceId: string; createdById: string; name: string; scopes: string[]; expiresAt?: Date | null },
  rawKey: string,
  tx: Prisma.TransactionClient = db({ workspaceId: data.workspaceId }),
) {
  return tx.apiKey.create({
    data: {
      id: newId("key"),
      workspaceId: data.workspaceId,
      createdById: data.createdById,
      name: data.name,
      scopes: data.scopes,
      keyHash: hashApiKey(rawKey),
      prefix: rawKey.slice(0, PREFIX_SHOWN),
      last4: rawKey.slice(-4),
      expiresAt: data.expiresAt ?? null,
    },
    include: { createdBy: true },
  });
}

export async function createApiKey(ctx: TenantContext, input: z.input<typeof createApiKeyInputSchema>) {
  const { name, scopes, expiresAt } = createApiKeyInputSchema.parse(input);
  // a person grants at most their role's powers; a key grants at most its own (scopes within its creator's role)
  const beyond = scopes.filter((s) => !ctx.permissions.has(s));
  if (beyond.length > 0) {
    throw new AppError("FORBIDDEN", `You cannot grant scopes you do not hold: ${beyond.join(", ")}`);
  }
  const rawKey = generateRawApiKey();
  const key = await db(ctx).$transaction(async (tx) => {
    const created = await storeApiKey(
      { workspaceId: ctx.workspaceId, createdById: ctx.actor.userId, name, scopes: [...new Set(scopes)], expiresAt },
      rawKey,
      tx,
    );
    await recordAudit(
      ctx,
      { action: "api_key.create", targetType: "api_key", targetId: created.id, metadata: { name, scopes, expiresAt: expiresAt ?? null } },
      tx,
    );
    return created;
  });
  return { ...toApiKey(key), key: rawKey };
}

export async function listApiKeys(ctx: TenantContext) {
  const rows = await db(ctx).apiKey.findMany({ where: { workspaceId: ctx.workspaceId }, include: { createdBy: true }, orderBy: { createdAt: "desc" } });
  return rows.map(toApiKey);
}

/**
 * Revoking your own key needs api_keys:revoke; someone else's needs api_keys:manage. The key's queued and running
 * runs are cancelled with it (they would otherwise go on with its powers).
 */
export async function revokeApiKey(ctx: TenantContext, keyId: string) {
  const key = await db(ctx).apiKey.findFirst({ where: { id: keyId, workspaceId: ctx.workspaceId } });
  if (!key) throw new AppError("NOT_FOUND", "API key not found");
  if (key.createdById !== ctx.actor.userId && !ctx.permissions.has("api_keys:manage")) {
    throw new AppError("FORBIDDEN", "You can only revoke your own API keys");
  }
  if (key.revokedAt) return { revoked: true as const };
  const cancelled = await db(ctx).$transaction(async (tx) => {
    await tx.apiKey.update({ where: inWorkspace(ctx, key.id), data: { revokedAt: new Date() } });
    const runs = await cancelRunsOfEndedAccess(tx, ctx, { keyIds: [key.id] }, ACCESS_ENDED.keyRevoked);
    await recordAudit(
      ctx,
      { action: "api_key.revoke", targetType: "api_key", targetId: key.id, metadata: { name: key.name, cancelledRuns: runs.runIds.length } },
      tx,
    );
    return runs;
  });
  await cancelled.afterCommit();
  return { revoked: true as const };
}

const LAST_USED_GRANULARITY_MS = 60_000;

/** A key hashed under a previous AUTH_SECRET is stored again under the current one on its first use after a rotation. */
export async function rehashApiKey(key: { id: string; workspaceId: string }, oldHash: string, newHash: string): Promise<void> {
  await db({ workspaceId: key.workspaceId }).apiKey.updateMany({
    where: { id: key.id, workspaceId: key.workspaceId, keyHash: oldHash },
    data: { keyHash: newHash },
  });
}

/**
 * Resolves a bearer key to its tenant context. Its power is its scopes intersected with its creator's
 * current role; a key whose creator left the workspace, or whose account is deactivated (SCIM), is dead. Every
 * failure is the same 401.
 */
export async function authenticateApiKey(rawKey: string, requestId?: string, clientAddress?: string | null): Promise<TenantContext> {
  const invalid = new AppError("UNAUTHORIZED", "Invalid, expired or revoked API key");
  if (rawKey.length < 32 || rawKey.length > 256) throw invalid;
  // the hash under the current AUTH_SECRET first, then under each previous one (AUTH_SECRET_PREVIOUS)
  const hashes = apiKeyHashes(rawKey);
  // the key, its workspace (not deleted) and its creator's membership role in one statement (on every API request);
  // times as epoch ms
  // the workspace is not known before the key is found: a privileged path (docs/security.md)
  const { rows } = await execute<{
    id: string;
    name: string;
    workspaceId: string;
    createdById: string;
    scopes: string[];
    slug: string;
    role: string | null;
    revoked: boolean;
    expiresMs: number | null;
    lastUsedMs: number | null;
    keyHash: string;
    ipAllowlist: string[];
  }>(
    SYSTEM("api-key-lookup"),
    // a function (migration 20261212_200_api_key_lookup) so that its plan is kept per connection
    sql`SELECT * FROM cadre_api_key_lookup(${sql.array(hashes, "text")})`,
  );
  const key = rows[0];
  if (!key || key.revoked || (key.expiresMs !== null && key.expiresMs <= Date.now())) throw invalid;
  if (!key.role) throw invalid;
  // the organisation's IP allowlist (docs/organizations.md): a valid key from elsewhere is refused, and says why
  if (!addressAllowed(clientAddress, key.ipAllowlist))
    throw new AppError("FORBIDDEN", "This workspace's organisation accepts its API keys only from its allowed addresses");
  if (key.keyHash !== hashes[0]) await rehashApiKey(key, key.keyHash, hashes[0]!);
  const role = key.role as Role;
  const rolePerms = new Set(permissionsOf(role));
  const permissions = new Set<Permission>(key.scopes.filter(isPermission).filter((s) => rolePerms.has(s)));
  if (key.lastUsedMs === null || Date.now() - key.lastUsedMs > LAST_USED_GRANULARITY_MS) {
    await execute(key, sql`UPDATE "ApiKey" SET "lastUsedAt" = ${new Date()} WHERE id = ${key.id}`);
  }
  annotateRequest({ workspaceId: key.workspaceId, workspaceSlug: key.slug });
  return {
    workspaceId: key.workspaceId,
    workspaceSlug: key.slug,
    actor: { type: "api_key", keyId: key.id, userId: key.createdById, name: key.name },
    role,
    permissions,
    requestId,
  };
}
