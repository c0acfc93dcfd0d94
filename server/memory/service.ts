/**
 * Memory (issue 14, first slice): remember, list, get, update, delete. A memory's embedding comes from the model
 * gateway (server/models/embed.ts: costed in the ledger like any call; offline the simulator's hashed bag of words,
 * labelled lexical), with the model policy of the memory's scope (./models.ts). Writes are raw SQL (the vector
 * column), each ONE message with its audit entry; reads go through Prisma (the vector and full-text columns are never
 * read back). Recall is ./recall.ts.
 */
import type { z } from "zod";
import { loadPiiPolicy } from "@/server/quality/pii-policy/service";
import { redactString } from "@/server/quality/pii/redact";
import { AppError } from "@/lib/errors";
import { newId } from "@/lib/ids";
import type { Page } from "@/lib/schemas/common";
import {
  createMemoryInputSchema,
  listMemoriesInputSchema,
  MEMORY_DIMENSIONS,
  updateMemoryInputSchema,
  type CreateMemoryInput,
  type MemoryOutput,
  type MemoryScope,
  type MemoryScopeType,
} from "@/lib/schemas/memory";
import type { TenantContext } from "@/server/context";
import { db } from "@/server/db/client";
import { keysetOrderBy, keysetWhere, pageByCreatedAt } from "@/server/db/cursor";
import { executeBatch } from "@/server/db/execute";
import { sql, type Sql } from "@/server/db/sql";
import type { ModelPolicy } from "@/lib/schemas/model-policy";
import { embed, type EmbedRequest, type EmbedResult } from "@/server/models/embed";
import { assertRoomForMemory, capGuardSql, capReached } from "./governance";
import { embeddingPolicyFor } from "./models";
import { auditSql, toMemory, type MemoryRow } from "./rows";

export interface Embedding {
  vector: number[];
  /** the label stored with the row: `<provider kind>:<model id>`, and `simulator:<model id> (lexical)` offline */
  model: string;
  simulated: boolean;
  /** the gateway's answer (cost, tokens, latency, route), for a run step's record */
  call: Omit<EmbedResult, "embeddings">;
}

/** The label of the model that embedded, as stored in Memory.embeddingModel (recall compares only equal labels). */
export function embeddingModelLabel(model: { providerKind: string; modelId: string }, simulated: boolean): string {
  return simulated ? `simulator:${model.modelId} (lexical)` : `${model.providerKind}:${model.modelId}`;
}

/** What a run step adds to an embedding call: its run, step, budget, cancel signal and usage writer. */
export type EmbedExtras = Omit<EmbedRequest, "policy" | "values">;

/**
 * Embeds texts with `policy` through the gateway (one call, costed); a size without an HNSW index is refused before
 * anything is written. Write paths use embedTexts (their scope's policy); recall and re-embedding resolve the policy.
 */
export async function embedWithPolicy(ctx: TenantContext, policy: ModelPolicy, texts: string[], extras: EmbedExtras = {}): Promise<Embedding[]> {
  const { embeddings, ...call } = await embed(ctx, { ...extras, policy, values: texts });
  const model = embeddingModelLabel(call.model, call.simulated);
  return embeddings.map((vector) => {
    if (!(MEMORY_DIMENSIONS as readonly number[]).includes(vector.length)) {
      throw new AppError(
        "NO_FEASIBLE_MODEL",
        `${call.model.displayName} returns ${vector.length}-dimensional embeddings: memory supports ${MEMORY_DIMENSIONS.join(", ")}`,
      );
    }
    return { vector, model, simulated: call.simulated, call };
  });
}

/** Embeds texts of `scope` with the scope's model policy (./models.ts: its setting, else the workspace's default). */
export async function embedTexts(ctx: TenantContext, scope: MemoryScope, texts: string[], extras: EmbedExtras = {}): Promise<Embedding[]> {
  return embedWithPolicy(ctx, await embeddingPolicyFor(ctx, scope), texts, extras);
}

/** Embeds one text of `scope` with the scope's model policy. */
export async function embedText(ctx: TenantContext, scope: MemoryScope, text: string, extras: EmbedExtras = {}): Promise<Embedding> {
  return (await embedTexts(ctx, scope, [text], extras))[0]!;
}

/** A pgvector literal (`'[0.1,...]'::vector`). */
export function vectorSql(vector: readonly number[]): Sql {
  return sql`${`[${vector.map((x) => (Number.isFinite(x) ? x : 0)).join(",")}]`}::vector`;
}

/** A memory of the workspace; another workspace's (or none) is NOT_FOUND. */
async function findMemory(ctx: TenantContext, id: string): Promise<MemoryRow> {
  const row = await db(ctx).memory.findFirst({ where: { id, workspaceId: ctx.workspaceId } });
  if (!row) throw new AppError("NOT_FOUND", `Memory "${id}" not found`);
  return row;
}

/** A memory row as the insert path writes it (remember, and a document's chunks: server/memory/documents). */
export interface MemoryInsert {
  id: string;
  workspaceId: string;
  scope: MemoryScope;
  kind: string;
  content: string;
  importance: number;
  pinned: boolean;
  source: string;
  sourceRef: Record<string, unknown>;
  createdByType: string;
  createdById: string | null;
  embedding: Pick<Embedding, "vector" | "model">;
  /** a document's chunk: its document and index (unique together) */
  chunk?: { documentId: string; index: number };
}

/**
 * The INSERT of one memory. `onlyIf`: a condition the row is inserted under (a document's batch: its document is still
 * processing under this lease); a chunk already stored (the same document and index) is left as it is.
 */
export function memoryInsertSql(m: MemoryInsert, onlyIf?: Sql): Sql {
  const values = sql`${m.id}, ${m.workspaceId}, ${m.scope.type}, ${m.scope.id ?? null}, ${m.kind}, ${m.content}, ${m.importance}, ${m.pinned}, ${m.source}, ${sql.json(m.sourceRef)}, ${m.createdByType}, ${m.createdById}, ${m.embedding.model}, ${m.embedding.vector.length}, ${vectorSql(m.embedding.vector)}, ${m.chunk?.documentId ?? null}, ${m.chunk?.index ?? null}::int`;
  return sql`INSERT INTO "Memory" ("id", "workspaceId", "scopeType", "scopeId", "kind", "content", "importance", "pinned", "source", "sourceRef", "createdByType", "createdById", "embeddingModel", "dims", "embedding", "documentId", "chunkIndex")
    ${onlyIf ? sql`SELECT ${values} WHERE ${onlyIf}` : sql`VALUES (${values})`}${m.chunk ? sql` ON CONFLICT ("workspaceId", "documentId", "chunkIndex") DO NOTHING` : sql.empty}`;
}

/**
 * Remembers: validates, checks the workspace's cap (governance.ts: refused before the embedding is paid for), embeds
 * (one gateway call, costed), then in one message: a lock on the workspace's memory count, the row if the cap still
 * has room, and its audit entry (only if the row was written).
 */
export async function remember(ctx: TenantContext, input: CreateMemoryInput): Promise<MemoryOutput> {
  const parsed = createMemoryInputSchema.parse(input);
  // the workspace's PII policy on memory writes: redacted before it is embedded and stored (the original is kept nowhere)
  const data = { ...parsed, content: redactString(parsed.content, await loadPiiPolicy(ctx), "memory") };
  const caps = await assertRoomForMemory(ctx, data.pinned);
  const embedding = await embedText(ctx, data.scope, data.content);
  const id = newId("memo");
  const source = data.source ?? (ctx.actor.type === "api_key" ? "api" : "person");
  const createdById = ctx.actor.type === "api_key" ? ctx.actor.keyId : ctx.actor.userId;
  const { lock, guard } = capGuardSql(ctx.workspaceId, caps, data.pinned);
  const [, inserted] = await executeBatch(ctx, [
    lock,
    memoryInsertSql(
      {
        id,
        workspaceId: ctx.workspaceId,
        scope: data.scope,
        kind: data.kind,
        content: data.content,
        importance: data.importance,
        pinned: data.pinned,
        source,
        sourceRef: data.sourceRef,
        createdByType: ctx.actor.type,
        createdById,
        embedding,
      },
      guard,
    ),
    auditSql(
      ctx,
      {
        action: "memory.create",
        targetType: "memory",
        targetId: id,
        metadata: { scopeType: data.scope.type, scopeId: data.scope.id ?? null, kind: data.kind, source, embeddingModel: embedding.model },
      },
      { when: sql`EXISTS (SELECT 1 FROM "Memory" WHERE "id" = ${id})` },
    ),
  ]);
  if (inserted!.rowCount === 0) throw capReached(caps);
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
  if (patch.content !== undefined) patch.content = redactString(patch.content, await loadPiiPolicy(ctx), "memory");
  if (patch.content !== undefined && patch.content !== row.content) {
    const embedding = await embedText(ctx, { type: row.scopeType as MemoryScopeType, id: row.scopeId }, patch.content);
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
