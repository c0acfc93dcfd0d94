/**
 * The vault: secrets per workspace, envelope-encrypted (see ./crypto.ts), write-only.
 *
 * No function here returns, logs or puts into an error a secret value, except `revealSecret`, which hands
 * the plaintext to platform code that uses it (the model gateway, tools) and never to an API or a page.
 * Reveals are attributed (actor, and run when given) in the audit log as `secret.use`: once per run, else at
 * most once a minute per actor and purpose (see ./use-audit.ts).
 */
import type { z } from "zod";
import { db } from "@/server/db/client";
import { inWorkspace } from "@/server/db/in-workspace";
import { newId } from "@/lib/ids";
import { AppError } from "@/lib/errors";
import type { TenantContext } from "@/server/context";
import { recordAudit } from "@/server/audit/service";
import { logger } from "@/server/logger";
import { execute } from "@/server/db/execute";
import { sql } from "@/server/db/sql";
import { keysetOrderBy, keysetWhere, pageByCreatedAt } from "@/server/db/cursor";
import { paginationSchema, type Page } from "@/lib/schemas/common";
import { createSecretInputSchema, secretIdSchema, updateSecretInputSchema, type SecretSummary } from "@/lib/schemas/secrets";
import { decryptSecret, encryptSecret, VaultCryptoError, type SealedSecret } from "./crypto";
import { vaultKeyring } from "./master-key";
import { RUN_USE_WINDOW_MS, USE_WINDOW_MS, secretUseRecorder } from "./use-audit";
import { prismaCode } from "@/server/db/errors";

/** Below this length the list shows no characters of the value at all (4 of 8 would give half of it away). */
const LAST4_MIN_LENGTH = 12;

/** The last 4 characters (code points) of a value long enough that they do not give it away; else "". */
export function last4Of(value: string): string {
  const chars = Array.from(value);
  return chars.length >= LAST4_MIN_LENGTH ? chars.slice(-4).join("") : "";
}

const summarySelect = {
  id: true,
  name: true,
  description: true,
  last4: true,
  keyVersion: true,
  createdAt: true,
  updatedAt: true,
  lastUsedAt: true,
  providers: { select: { id: true, name: true }, orderBy: { name: "asc" } },
  tools: { select: { id: true, name: true }, orderBy: { name: "asc" } },
} as const;

type SummaryRow = {
  id: string;
  name: string;
  description: string;
  last4: string;
  keyVersion: string;
  createdAt: Date;
  updatedAt: Date;
  lastUsedAt: Date | null;
  providers: { id: string; name: string }[];
  tools: { id: string; name: string }[];
};

function toSummary(row: SummaryRow): SecretSummary {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    last4: row.last4,
    keyVersion: row.keyVersion,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    lastUsedAt: row.lastUsedAt,
    usedBy: [
      ...row.providers.map((p) => ({ type: "provider" as const, id: p.id, name: p.name })),
      ...row.tools.map((t) => ({ type: "tool" as const, id: t.id, name: t.name })),
    ],
  };
}

function nameTaken(name: string): AppError {
  return new AppError("CONFLICT", `A secret named "${name}" already exists in this workspace`);
}

const notFound = () => new AppError("NOT_FOUND", "Secret not found");

/** A well-formed id, or NOT_FOUND (an id of the wrong shape cannot name a secret). */
function checkedId(secretId: string): string {
  if (!secretIdSchema.safeParse(secretId).success) throw notFound();
  return secretId;
}

/** What uses a secret (a provider's key, a tool's bound secret): a delete is refused while any does. */
const usersSelect = {
  providers: { select: { name: true }, orderBy: { name: "asc" } },
  tools: { select: { name: true }, orderBy: { name: "asc" } },
} as const;
type Users = { providers: { name: string }[]; tools: { name: string }[] };

function usedByMessage(name: string, { providers, tools }: Users): string {
  const list = (kind: string, items: { name: string }[]) =>
    items.length === 0 ? [] : [`${kind}${items.length === 1 ? "" : "s"} ${items.map((i) => `"${i.name}"`).join(", ")}`];
  const users = [...list("provider", providers), ...list("tool", tools)];
  const one = providers.length + tools.length === 1;
  return `Secret "${name}" is used by ${users.join(" and ")}: point ${one ? "it" : "them"} at another secret (or delete ${one ? "it" : "them"}) first`;
}

export async function createSecret(ctx: TenantContext, input: z.input<typeof createSecretInputSchema>): Promise<SecretSummary> {
  const { name, description, value } = createSecretInputSchema.parse(input);
  const taken = await db(ctx).secret.findFirst({ where: { workspaceId: ctx.workspaceId, name }, select: { id: true } });
  if (taken) throw nameTaken(name);
  const id = newId("sec");
  const sealed = encryptSecret(vaultKeyring(), { workspaceId: ctx.workspaceId, secretId: id }, value);
  try {
    const row = await db(ctx).$transaction(async (tx) => {
      const created = await tx.secret.create({
        data: {
          id,
          workspaceId: ctx.workspaceId,
          name,
          description: description ?? "",
          ...sealed,
          last4: last4Of(value),
          createdById: ctx.actor.userId,
        },
        select: summarySelect,
      });
      await recordAudit(ctx, { action: "secret.create", targetType: "secret", targetId: id, metadata: { name } }, tx);
      return created;
    });
    return toSummary(row);
  } catch (error) {
    if (prismaCode(error) === "P2002") throw nameTaken(name);
    throw error;
  }
}

/** One page of the vault's secrets (never their values), newest first (keyset on createdAt, id: server/db/cursor.ts). */
export async function listSecrets(ctx: TenantContext, pagination: z.input<typeof paginationSchema> = {}): Promise<Page<SecretSummary>> {
  const { limit, cursor } = paginationSchema.parse(pagination);
  const rows = await db(ctx).secret.findMany({
    where: { AND: [{ workspaceId: ctx.workspaceId, kind: USER_KIND }, keysetWhere(cursor)] },
    select: summarySelect,
    orderBy: keysetOrderBy(),
    take: limit + 1,
  });
  const page = pageByCreatedAt(rows, limit);
  return { items: page.items.map(toSummary), nextCursor: page.nextCursor };
}

/** One secret's summary (never its value); NOT_FOUND for another workspace's id. */
export async function getSecret(ctx: TenantContext, secretId: string): Promise<SecretSummary> {
  const row = await db(ctx).secret.findFirst({ where: { id: checkedId(secretId), workspaceId: ctx.workspaceId, kind: USER_KIND }, select: summarySelect });
  if (!row) throw notFound();
  return toSummary(row);
}

/** Renames, re-describes and/or replaces the value (a new value gets a new data key and nonce). */
export async function updateSecret(ctx: TenantContext, secretId: string, patch: z.input<typeof updateSecretInputSchema>): Promise<SecretSummary> {
  const { name, description, value } = updateSecretInputSchema.parse(patch);
  const existing = await db(ctx).secret.findFirst({
    where: { id: checkedId(secretId), workspaceId: ctx.workspaceId, kind: USER_KIND },
    select: { id: true, name: true },
  });
  if (!existing) throw notFound();
  if (name !== undefined && name !== existing.name) {
    const taken = await db(ctx).secret.findFirst({ where: { workspaceId: ctx.workspaceId, name, id: { not: existing.id } }, select: { id: true } });
    if (taken) throw nameTaken(name);
  }
  const sealed: (SealedSecret & { last4: string }) | undefined =
    value === undefined
      ? undefined
      : { ...encryptSecret(vaultKeyring(), { workspaceId: ctx.workspaceId, secretId: existing.id }, value), last4: last4Of(value) };
  const changed = [
    ...(name !== undefined && name !== existing.name ? ["name"] : []),
    ...(description !== undefined ? ["description"] : []),
    ...(sealed ? ["value"] : []),
  ];
  try {
    const row = await db(ctx).$transaction(async (tx) => {
      const updated = await tx.secret.update({
        where: inWorkspace(ctx, existing.id),
        data: { ...(name !== undefined ? { name } : {}), ...(description !== undefined ? { description } : {}), ...(sealed ?? {}) },
        select: summarySelect,
      });
      await recordAudit(
        ctx,
        {
          action: "secret.update",
          targetType: "secret",
          targetId: existing.id,
          metadata: { name: updated.name, ...(updated.name !== existing.name ? { previousName: existing.name } : {}), changed },
        },
        tx,
      );
      return updated;
    });
    return toSummary(row);
  } catch (error) {
    if (prismaCode(error) === "P2002") throw nameTaken(name ?? existing.name);
    throw error;
  }
}

/** Deletes a secret; refused (CONFLICT, naming them) while providers or tools use it. */
export async function deleteSecret(ctx: TenantContext, secretId: string): Promise<{ deleted: true }> {
  const existing = await db(ctx).secret.findFirst({
    where: { id: checkedId(secretId), workspaceId: ctx.workspaceId, kind: USER_KIND },
    select: { id: true, name: true, ...usersSelect },
  });
  if (!existing) throw notFound();
  if (existing.providers.length + existing.tools.length > 0) throw new AppError("CONFLICT", usedByMessage(existing.name, existing));
  try {
    await db(ctx).$transaction(async (tx) => {
      await tx.secret.delete({ where: inWorkspace(ctx, existing.id) });
      await recordAudit(ctx, { action: "secret.delete", targetType: "secret", targetId: existing.id, metadata: { name: existing.name } }, tx);
    });
  } catch (error) {
    // a provider or tool started using it in between: the foreign key (ON DELETE RESTRICT) refused the delete
    if (prismaCode(error) === "P2003") {
      const users = await db(ctx).secret.findFirst({
        where: { id: existing.id, workspaceId: ctx.workspaceId },
        select: usersSelect,
      });
      const named = users && users.providers.length + users.tools.length > 0 ? users : { providers: [{ name: "(another provider)" }], tools: [] };
      throw new AppError("CONFLICT", usedByMessage(existing.name, named));
    }
    if (prismaCode(error) === "P2025") throw notFound();
    throw error;
  }
  return { deleted: true };
}

/**
 * A workspace's own secrets, the ones people list, pick, change and delete. System secrets (kind "mcp_oauth": an MCP
 * server's OAuth client secret and tokens) are written and deleted only by their owner's code (below), and are
 * invisible to every API of this file except `revealSecret`.
 */
export const USER_KIND = "user";
export const SYSTEM_SECRET_KINDS = ["mcp_oauth", "webhook", "webhook_trigger"] as const;
export const SECRET_KINDS = [USER_KIND, ...SYSTEM_SECRET_KINDS] as const;
export type SystemSecretKind = (typeof SYSTEM_SECRET_KINDS)[number];

/**
 * Writes a system secret's value: a new secret (named `name`, unique in the workspace) when `secretId` is null, else
 * the given one's value replaced. Returns the secret's id. Runs in the caller's transaction when given one.
 */
export async function writeSystemSecret(
  ctx: TenantContext,
  kind: SystemSecretKind,
  target: { secretId: string | null; name: string },
  value: string,
  tx: Pick<ReturnType<typeof db>, "secret"> = db(ctx),
): Promise<string> {
  if (target.secretId) {
    const sealed = encryptSecret(vaultKeyring(), { workspaceId: ctx.workspaceId, secretId: target.secretId }, value);
    const updated = await tx.secret.updateMany({ where: { id: target.secretId, workspaceId: ctx.workspaceId, kind }, data: { ...sealed } });
    if (updated.count === 1) return target.secretId;
  }
  const id = newId("sec");
  const sealed = encryptSecret(vaultKeyring(), { workspaceId: ctx.workspaceId, secretId: id }, value);
  await tx.secret.deleteMany({ where: { workspaceId: ctx.workspaceId, name: target.name, kind } });
  await tx.secret.create({
    data: { id, workspaceId: ctx.workspaceId, name: target.name, kind, ...sealed, last4: "", createdById: actorUserIdOf(ctx) },
    select: { id: true },
  });
  return id;
}

/** Deletes a system secret (its owner is gone or let go of it). */
export async function deleteSystemSecret(
  ctx: TenantContext,
  kind: SystemSecretKind,
  secretId: string,
  tx: Pick<ReturnType<typeof db>, "secret"> = db(ctx),
): Promise<void> {
  await tx.secret.deleteMany({ where: { id: secretId, workspaceId: ctx.workspaceId, kind } });
}

/**
 * Decrypts a system secret for the platform code that owns it (a webhook's signing secret, for the delivery worker,
 * which acts for no person). Not audited as `secret.use`: the owner's own actions are (webhook.create,
 * webhook.rotate_secret), and the value never leaves the signing code. Throws NOT_FOUND when it is not of `kind`.
 */
export async function revealSystemSecret(scope: Pick<TenantContext, "workspaceId">, kind: SystemSecretKind, secretId: string): Promise<string> {
  const row = await db(scope).secret.findFirst({
    where: { id: secretId, workspaceId: scope.workspaceId, kind },
    select: { id: true, workspaceId: true, ciphertext: true, iv: true, authTag: true, wrappedKey: true, keyVersion: true },
  });
  if (!row) throw notFound();
  try {
    return decryptSecret(vaultKeyring(), { workspaceId: row.workspaceId, secretId: row.id }, row);
  } catch (error) {
    logger.error(
      { workspaceId: row.workspaceId, secretId: row.id, keyVersion: row.keyVersion, reason: error instanceof VaultCryptoError ? error.reason : undefined },
      "vault: a system secret could not be decrypted",
    );
    throw new AppError("INTERNAL", "The secret could not be decrypted");
  }
}

function actorUserIdOf(ctx: TenantContext): string | null {
  return ctx.actor.type === "user" ? ctx.actor.userId : null;
}

const PURPOSE_MAX = 200;
/** lastUsedAt is kept to the minute (like an API key's): a use that writes no audit row refreshes it at most once a minute. */
const LAST_USED_GRANULARITY_MS = 60_000;

/** Decrypts a secret for use by the platform (never for display). Throws NOT_FOUND for another workspace's id.
 *  The use is audited as `secret.use` (actor, purpose, run; never the value) the first time in a run, or outside
 *  runs at most once a minute per actor and purpose, each row committing before the value is returned (see
 *  ./use-audit.ts); lastUsedAt follows to the minute. */
export async function revealSecret(ctx: TenantContext, secretId: string, use: { purpose: string; runId?: string }): Promise<string> {
  const row = await db(ctx).secret.findFirst({
    where: { id: checkedId(secretId), workspaceId: ctx.workspaceId },
    select: {
      id: true,
      workspaceId: true,
      name: true,
      ciphertext: true,
      iv: true,
      authTag: true,
      wrappedKey: true,
      keyVersion: true,
      updatedAt: true,
      lastUsedAt: true,
    },
  });
  if (!row) throw notFound();
  let value: string;
  try {
    value = decryptSecret(vaultKeyring(), { workspaceId: row.workspaceId, secretId: row.id }, row);
  } catch (error) {
    if (error instanceof VaultCryptoError) {
      logger.error(
        { workspaceId: row.workspaceId, secretId: row.id, keyVersion: row.keyVersion, reason: error.reason, requestId: ctx.requestId },
        error.reason === "unknown_key_version"
          ? "vault: no master key of this version in the keyring (set CADRE_MASTER_KEY_PREVIOUS?)"
          : "vault: secret failed authentication (tampered, moved, or wrong master key)",
      );
    } else {
      logger.error({ workspaceId: row.workspaceId, secretId: row.id, keyVersion: row.keyVersion, requestId: ctx.requestId }, "vault: decrypt failed");
    }
    throw new AppError("INTERNAL", "The secret could not be decrypted");
  }
  const purpose = use.purpose.trim().slice(0, PURPOSE_MAX) || "unspecified";
  const runId = use.runId || null;
  const actorKey = ctx.actor.type === "user" ? `user:${ctx.actor.userId}` : `api_key:${ctx.actor.keyId}`;
  const [key, windowMs] = runId
    ? [`${row.workspaceId}:${row.id}:run:${runId}`, RUN_USE_WINDOW_MS]
    : [`${row.workspaceId}:${row.id}:use:${actorKey}:${purpose}`, USE_WINDOW_MS];
  const wrote = await secretUseRecorder().record(key, windowMs, (count) =>
    db(ctx)
      .$transaction(async (tx) => {
        // a use is not a change: updatedAt keeps its value
        await tx.secret.update({ where: inWorkspace(ctx, row.id), data: { lastUsedAt: new Date(), updatedAt: row.updatedAt }, select: { id: true } });
        await recordAudit(
          ctx,
          {
            action: "secret.use",
            targetType: "secret",
            targetId: row.id,
            metadata: { name: row.name, purpose, runId, ...(!runId && count > 1 ? { count } : {}) },
          },
          tx,
        );
      })
      .catch((error: unknown) => {
        if (prismaCode(error) === "P2025") throw notFound(); // deleted in between
        throw error;
      }),
  );
  if (!wrote && (row.lastUsedAt === null || Date.now() - row.lastUsedAt.getTime() > LAST_USED_GRANULARITY_MS)) {
    await execute(ctx, sql`UPDATE "Secret" SET "lastUsedAt" = ${new Date()} WHERE id = ${row.id}`);
  }
  return value;
}
