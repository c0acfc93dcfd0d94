/**
 * Memory (issue 14, first slice): remember, list, get, update, delete. A memory's embedding comes from the model
 * gateway (server/models/embed.ts: costed in the ledger like any call; offline the simulator's hashed bag of words,
 * labelled lexical). Writes are raw SQL (the vector column), each ONE message with its audit entry; reads go through
 * Prisma (the vector and full-text columns are never read back). Recall is ./recall.ts.
 */
import type { z } from "zod";
import { AppError } from "@/lib/errors";
import { newId } from "@/lib/ids";
import { DEFAULT_MODEL_POLICY } from "@/lib/schemas/agents";
import type { Page } from "@/lib/schemas/common";
import {
  createMemoryInputSchema,
  listMemoriesInputSchema,
  MEMORY_DIMENSIONS,
  updateMemoryInputSchema,
  type CreateMemoryInput,
  type MemoryOutput,
  type MemoryScopeType,
} from "@/lib/schemas/memory";
import { auditLogData, type AuditEntryInput } from "@/server/audit/service";
import type { TenantContext } from "@/server/context";
import { db } from "@/server/db/client";
import { keysetOrderBy, keysetWhere, pageByCreatedAt } from "@/server/db/cursor";
import { executeBatch } from "@/server/db/execute";
import type { Prisma } from "@/server/db/generated/client";
import { sql, type Sql } from "@/server/db/sql";
import { embed } from "@/server/models/embed";

type MemoryRow = Prisma.MemoryGetPayload<object>;

/** The model policy memories are embedded with (one per workspace in this slice: per-scope models are not yet). */
export const MEMORY_EMBEDDING_POLICY = DEFAULT_MODEL_POLICY;

export interface Embedding {
  vector: number[];
  /** the label stored with the row: `<provider kind>:<model id>`, and `simulator:<model id> (lexical)` offline */
  model: string;
  simulated: boolean;
}

/** The label of the model that embedded, as stored in Memory.embeddingModel (recall compares only equal labels). */
export function embeddingModelLabel(model: { providerKind: string; modelId: string }, simulated: boolean): string {
  return simulated ? `simulator:${model.modelId} (lexical)` : `${model.providerKind}:${model.modelId}`;
}

/** Embeds one text through the gateway; a size without an HNSW index is refused before anything is written. */
export async function embedText(ctx: TenantContext, text: string): Promise<Embedding> {
  const res = await embed(ctx, { policy: MEMORY_EMBEDDING_POLICY, values: [text] });
  const vector = res.embeddings[0]!;
  if (!(MEMORY_DIMENSIONS as readonly number[]).includes(vector.length)) {
    throw new AppError(
      "NO_FEASIBLE_MODEL",
      `${res.model.displayName} returns ${vector.length}-dimensional embeddings: memory supports ${MEMORY_DIMENSIONS.join(", ")}`,
    );
  }
  return { vector, model: embeddingModelLabel(res.model, res.simulated), simulated: res.simulated };
}

/** A pgvector literal (`'[0.1,...]'::vector`). */
export function vectorSql(vector: readonly number[]): Sql {
  return sql`${`[${vector.map((x) => (Number.isFinite(x) ? x : 0)).join(",")}]`}::vector`;
}

function auditSql(ctx: TenantContext, entry: AuditEntryInput): Sql {
  const d = auditLogData(ctx, entry);
  return sql`INSERT INTO "AuditLog" ("id", "workspaceId", "workspaceSlug", "actorType", "actorId", "actorLabel", "action", "targetType", "targetId", "metadata", "requestId", "clientIp", "userAgent")
    VALUES (${d.id!}, ${d.workspaceId}, ${d.workspaceSlug ?? null}, ${d.actorType}, ${d.actorId ?? null}, ${d.actorLabel ?? null}, ${d.action}, ${d.targetType}, ${d.targetId ?? null}, ${sql.json(d.metadata ?? {})}, ${d.requestId ?? null}, ${d.clientIp ?? null}, ${d.userAgent ?? null})`;
}

export function toMemory(row: MemoryRow): MemoryOutput {
  return {
    id: row.id,
    scope: { type: row.scopeType as MemoryScopeType, id: row.scopeId },
    kind: row.kind as MemoryOutput["kind"],
    content: row.content,
    importance: Math.round(row.importance * 1e6) / 1e6,
    pinned: row.pinned,
    source: row.source as MemoryOutput["source"],
    sourceRef: (row.sourceRef ?? {}) as Record<string, unknown>,
    createdByType: row.createdByType as MemoryOutput["createdByType"],
    createdById: row.createdById,
    embeddingModel: row.embeddingModel,
    dims: row.dims,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    lastRecalledAt: row.lastRecalledAt,
  };
}

/** A memory of the workspace; another workspace's (or none) is NOT_FOUND. */
async function findMemory(ctx: TenantContext, id: string): Promise<MemoryRow> {
  const row = await db(ctx).memory.findFirst({ where: { id, workspaceId: ctx.workspaceId } });
  if (!row) throw new AppError("NOT_FOUND", `Memory "${id}" not found`);
  return row;
}

/** Remembers: validates, embeds (one gateway call, costed), then the row and its audit entry in one message. */
export async function remember(ctx: TenantContext, input: CreateMemoryInput): Promise<MemoryOutput> {
  const data = createMemoryInputSchema.parse(input);
  const embedding = await embedText(ctx, data.content);
  const id = newId("memo");
  const source = data.source ?? (ctx.actor.type === "api_key" ? "api" : "person");
  const createdById = ctx.actor.type === "api_key" ? ctx.actor.keyId : ctx.actor.userId;
  await executeBatch(ctx, [
    sql`INSERT INTO "Memory" ("id", "workspaceId", "scopeType", "scopeId", "kind", "content", "importance", "pinned", "source", "sourceRef", "createdByType", "createdById", "embeddingModel", "dims", "embedding")
      VALUES (${id}, ${ctx.workspaceId}, ${data.scope.type}, ${data.scope.id ?? null}, ${data.kind}, ${data.content}, ${data.importance}, ${data.pinned}, ${source}, ${sql.json(data.sourceRef)}, ${ctx.actor.type}, ${createdById}, ${embedding.model}, ${embedding.vector.length}, ${vectorSql(embedding.vector)})`,
    auditSql(ctx, {
      action: "memory.create",
      targetType: "memory",
      targetId: id,
      metadata: { scopeType: data.scope.type, scopeId: data.scope.id ?? null, kind: data.kind, source, embeddingModel: embedding.model },
    }),
  ]);
  return getMemory(ctx, id);
}

/** One page of the workspace's memories, newest first, optionally of one scope and kind. */
export async function listMemories(ctx: TenantContext, input: z.input<typeof listMemoriesInputSchema> = {}): Promise<Page<MemoryOutput>> {
  const { scopeType, scopeId, kind, limit, cursor } = listMemoriesInputSchema.parse(input);
  const rows = await db(ctx).memory.findMany({
    where: {
      AND: [
        { workspaceId: ctx.workspaceId, ...(scopeType ? { scopeType } : {}), ...(scopeId ? { scopeId } : {}), ...(kind ? { kind } : {}) },
        keysetWhere(cursor),
      ],
    },
    orderBy: keysetOrderBy(),
    take: limit + 1,
  });
  const page = pageByCreatedAt(rows, limit);
  return { items: page.items.map(toMemory), nextCursor: page.nextCursor };
}

export async function getMemory(ctx: TenantContext, id: string): Promise<MemoryOutput> {
  return toMemory(await findMemory(ctx, id));
}

/** Changes content (re-embedded), importance or pinned; a change to nothing writes nothing. */
export async function updateMemory(ctx: TenantContext, id: string, input: z.input<typeof updateMemoryInputSchema>): Promise<MemoryOutput> {
  const patch = updateMemoryInputSchema.parse(input);
  const row = await findMemory(ctx, id);
  const sets: Sql[] = [];
  const changed: string[] = [];
  let embeddingModel: string | undefined;
  if (patch.content !== undefined && patch.content !== row.content) {
    const embedding = await embedText(ctx, patch.content);
    embeddingModel = embedding.model;
    sets.push(
      sql`"content" = ${patch.content}`,
      sql`"embeddingModel" = ${embedding.model}`,
      sql`"dims" = ${embedding.vector.length}`,
      sql`"embedding" = ${vectorSql(embedding.vector)}`,
    );
    changed.push("content");
  }
  if (patch.importance !== undefined && Math.abs(patch.importance - row.importance) > 1e-6) {
    sets.push(sql`"importance" = ${patch.importance}`);
    changed.push("importance");
  }
  if (patch.pinned !== undefined && patch.pinned !== row.pinned) {
    sets.push(sql`"pinned" = ${patch.pinned}`);
    changed.push("pinned");
  }
  if (sets.length === 0) return toMemory(row);
  const [result] = await executeBatch(ctx, [
    sql`UPDATE "Memory" SET ${sql.join(sets)}, "updatedAt" = CURRENT_TIMESTAMP WHERE "id" = ${id} AND "workspaceId" = ${ctx.workspaceId}`,
    auditSql(ctx, { action: "memory.update", targetType: "memory", targetId: id, metadata: { changed, ...(embeddingModel ? { embeddingModel } : {}) } }),
  ]);
  // deleted between the read and the write: the audit entry rolled back with nothing to say
  if (result!.rowCount === 0) throw new AppError("NOT_FOUND", `Memory "${id}" not found`);
  return getMemory(ctx, id);
}

/** Deletes a memory: it is gone from recall at once (recall reads the table, there is no cache). */
export async function deleteMemory(ctx: TenantContext, id: string): Promise<{ deleted: true }> {
  const row = await findMemory(ctx, id);
  await executeBatch(ctx, [
    sql`DELETE FROM "Memory" WHERE "id" = ${id} AND "workspaceId" = ${ctx.workspaceId}`,
    auditSql(ctx, {
      action: "memory.delete",
      targetType: "memory",
      targetId: id,
      metadata: { scopeType: row.scopeType, scopeId: row.scopeId, kind: row.kind },
    }),
  ]);
  return { deleted: true };
}
