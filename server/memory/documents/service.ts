/**
 * Documents ingested into memory (issue 14): create (extract, count chunks, queue), list, get, delete, and the body of
 * the ingestion job, one batch at a time (`ingestNextBatch`), which the in-process worker and the Inngest function
 * both run (server/jobs/memory-documents.ts, server/jobs/memory-documents-inngest.ts).
 *
 * The document row is the job's state: its extracted text, its status (queued, processing, ready, failed) and its
 * progress. A batch embeds the next DOCUMENT_BATCH_SIZE chunks through the gateway (one call, costed in the ledger),
 * then in ONE message inserts them as Memory rows (kind semantic, source document, sourceRef.documentId) and moves
 * the progress on, both only while the caller still holds the document (`fence`: its lease). A chunk is unique per
 * (document, index): a batch run again after a crash inserts nothing twice. The last batch marks the document ready
 * and clears its text. Deleting a document deletes its memories in the same statement (foreign key, cascade): they
 * are gone from recall at once.
 */
import type { z } from "zod";
import { AppError } from "@/lib/errors";
import { newId } from "@/lib/ids";
import type { Page } from "@/lib/schemas/common";
import type { MemoryScopeType } from "@/lib/schemas/memory";
import {
  createMemoryDocumentInputSchema,
  DOCUMENT_BATCH_SIZE,
  listMemoryDocumentsInputSchema,
  type CreateMemoryDocumentInput,
  type MemoryDocumentMimeType,
  type MemoryDocumentOutput,
  type MemoryDocumentStatus,
} from "@/lib/schemas/memory-documents";
import { auditLogSql as auditSql } from "@/server/audit/service";
import type { TenantContext } from "@/server/context";
import { db } from "@/server/db/client";
import { keysetOrderBy, keysetWhere, pageByCreatedAt } from "@/server/db/cursor";
import { executeBatch } from "@/server/db/execute";
import type { Prisma } from "@/server/db/generated/client";
import { sql, type Sql } from "@/server/db/sql";
import { loadPiiPolicy } from "@/server/quality/pii-policy/service";
import { redactString } from "@/server/quality/pii/redact";
import { embedTexts, memoryInsertSql } from "../service";
import { chunkText } from "./chunk";
import { extractDocument } from "./extract";

type DocumentRow = Prisma.MemoryDocumentGetPayload<object>;

/** The database's clock as Prisma stores times (UTC wall time): leases and progress times are on it. */
export const DB_NOW = sql`(clock_timestamp() AT TIME ZONE 'UTC')`;

export function toMemoryDocument(row: DocumentRow): MemoryDocumentOutput {
  return {
    id: row.id,
    scope: { type: row.scopeType as MemoryScopeType, id: row.scopeId },
    title: row.title,
    mimeType: row.mimeType as MemoryDocumentMimeType,
    sizeBytes: row.sizeBytes,
    status: row.status as MemoryDocumentStatus,
    progress: { chunksDone: row.chunksDone, chunksTotal: row.chunksTotal },
    error: row.error,
    createdByType: row.createdByType as MemoryDocumentOutput["createdByType"],
    createdById: row.createdById,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    startedAt: row.startedAt,
    finishedAt: row.finishedAt,
  };
}

/** The columns read for people (never the text). */
const PUBLIC_COLUMNS = {
  id: true,
  workspaceId: true,
  scopeType: true,
  scopeId: true,
  title: true,
  mimeType: true,
  sizeBytes: true,
  status: true,
  chunksDone: true,
  chunksTotal: true,
  error: true,
  attempts: true,
  retryAt: true,
  leaseOwner: true,
  leaseExpiresAt: true,
  createdByType: true,
  createdById: true,
  createdAt: true,
  updatedAt: true,
  startedAt: true,
  finishedAt: true,
} as const;

async function findDocument(ctx: TenantContext, id: string): Promise<DocumentRow> {
  const row = await db(ctx).memoryDocument.findFirst({ where: { id, workspaceId: ctx.workspaceId }, select: PUBLIC_COLUMNS });
  if (!row) throw new AppError("NOT_FOUND", `Memory document "${id}" not found`);
  return { ...row, text: null };
}

/**
 * Creates a document: validates, extracts its text (a PDF's, HTML as Markdown), counts its chunks, and stores it
 * queued with its audit entry in one message. The caller hands it to the worker (server/jobs/memory-documents.ts).
 */
export async function createMemoryDocument(ctx: TenantContext, input: CreateMemoryDocumentInput): Promise<MemoryDocumentOutput> {
  const data = createMemoryDocumentInputSchema.parse(input);
  const doc = await extractDocument(data);
  const chunks = await chunkText(doc.text, doc.mimeType);
  const id = newId("mdoc");
  const createdById = ctx.actor.type === "api_key" ? ctx.actor.keyId : ctx.actor.userId;
  await executeBatch(ctx, [
    sql`INSERT INTO "MemoryDocument" ("id", "workspaceId", "scopeType", "scopeId", "title", "mimeType", "sizeBytes", "text", "chunksTotal", "createdByType", "createdById")
      VALUES (${id}, ${ctx.workspaceId}, ${data.scope.type}, ${data.scope.id ?? null}, ${doc.title}, ${doc.mimeType}, ${doc.sizeBytes}, ${doc.text}, ${chunks.length}, ${ctx.actor.type}, ${createdById})`,
    auditSql(ctx, {
      action: "memory_document.create",
      targetType: "memory_document",
      targetId: id,
      metadata: {
        title: doc.title,
        mimeType: doc.mimeType,
        sizeBytes: doc.sizeBytes,
        chunks: chunks.length,
        scopeType: data.scope.type,
        scopeId: data.scope.id ?? null,
      },
    }),
  ]);
  return getMemoryDocument(ctx, id);
}

/** One page of the workspace's documents, newest first, optionally of one scope or status. */
export async function listMemoryDocuments(ctx: TenantContext, input: z.input<typeof listMemoryDocumentsInputSchema> = {}): Promise<Page<MemoryDocumentOutput>> {
  const { scopeType, scopeId, status, limit, cursor } = listMemoryDocumentsInputSchema.parse(input);
  const rows = await db(ctx).memoryDocument.findMany({
    where: {
      AND: [
        { workspaceId: ctx.workspaceId, ...(scopeType ? { scopeType } : {}), ...(scopeId ? { scopeId } : {}), ...(status ? { status } : {}) },
        keysetWhere(cursor),
      ],
    },
    select: PUBLIC_COLUMNS,
    orderBy: keysetOrderBy(),
    take: limit + 1,
  });
  const page = pageByCreatedAt(rows, limit);
  return { items: page.items.map((r) => toMemoryDocument({ ...r, text: null })), nextCursor: page.nextCursor };
}

export async function getMemoryDocument(ctx: TenantContext, id: string): Promise<MemoryDocumentOutput> {
  return toMemoryDocument(await findDocument(ctx, id));
}

/** Deletes a document and, in the same statement, its memories (gone from recall at once); audited. */
export async function deleteMemoryDocument(ctx: TenantContext, id: string): Promise<{ deleted: true }> {
  const row = await findDocument(ctx, id);
  const [deleted] = await executeBatch(ctx, [
    sql`DELETE FROM "MemoryDocument" WHERE "id" = ${id} AND "workspaceId" = ${ctx.workspaceId}`,
    auditSql(ctx, {
      action: "memory_document.delete",
      targetType: "memory_document",
      targetId: id,
      metadata: { title: row.title, status: row.status, chunksDone: row.chunksDone, scopeType: row.scopeType, scopeId: row.scopeId },
    }),
  ]);
  if (deleted!.rowCount === 0) throw new AppError("NOT_FOUND", `Memory document "${id}" not found`);
  return { deleted: true };
}

/** What a batch did: `done` once the document is ready, failed or gone (nothing left for this caller to do). */
export interface BatchOutcome {
  done: boolean;
  status: MemoryDocumentStatus | "gone" | "lost";
  chunksDone: number;
  chunksTotal: number;
}

export interface BatchOptions {
  /**
   * Who may write: a condition on the document row (alias "MemoryDocument"), e.g. the worker's lease. Each write of the
   * batch checks it in the same message; a batch of a caller that no longer holds the document writes nothing.
   */
  fence?: Sql;
  /** how long a batch renews the lease for, when the fence is a lease (ms) */
  leaseMs?: number;
  /** the document's chunks, when the caller split them already (they are the same: the splitter is deterministic) */
  chunks?: string[];
}

/** The chunks of a processing document (its stored text, split again). */
export async function documentChunks(ctx: TenantContext, id: string): Promise<string[] | null> {
  const row = await db(ctx).memoryDocument.findFirst({ where: { id, workspaceId: ctx.workspaceId }, select: { text: true, mimeType: true } });
  if (!row?.text) return null;
  return chunkText(row.text, row.mimeType as MemoryDocumentMimeType);
}

/**
 * Processes the next batch of a document that is `processing`: embeds its next chunks (one gateway call), then stores
 * them as memories and commits the progress in one message under the fence; the last batch marks it ready.
 */
export async function ingestNextBatch(ctx: TenantContext, id: string, options: BatchOptions = {}): Promise<BatchOutcome> {
  const row = await db(ctx).memoryDocument.findFirst({
    where: { id, workspaceId: ctx.workspaceId },
    select: { status: true, chunksDone: true, chunksTotal: true, scopeType: true, scopeId: true, createdByType: true, createdById: true },
  });
  if (!row) return { done: true, status: "gone", chunksDone: 0, chunksTotal: 0 };
  if (row.status !== "processing") return { done: true, status: row.status as MemoryDocumentStatus, chunksDone: row.chunksDone, chunksTotal: row.chunksTotal };
  const chunks = options.chunks ?? (await documentChunks(ctx, id)) ?? [];
  const fence = sql`"status" = 'processing' AND ${options.fence ?? sql`TRUE`}`;
  const holds = sql`EXISTS (SELECT 1 FROM "MemoryDocument" WHERE "id" = ${id} AND "workspaceId" = ${ctx.workspaceId} AND ${fence})`;
  const start = Math.min(row.chunksDone, chunks.length);
  const end = Math.min(chunks.length, start + DOCUMENT_BATCH_SIZE);
  // the workspace's PII policy on memory writes: chunks are redacted before they are embedded and stored
  const pii = await loadPiiPolicy(ctx);
  const batch = chunks.slice(start, end).map((chunk) => redactString(chunk, pii, "memory"));
  const embeddings = batch.length > 0 ? await embedTexts(ctx, { type: row.scopeType as MemoryScopeType, id: row.scopeId }, batch) : [];
  const inserts = batch.map((content, i) =>
    memoryInsertSql(
      {
        id: newId("memo"),
        workspaceId: ctx.workspaceId,
        scope: { type: row.scopeType as MemoryScopeType, id: row.scopeId },
        kind: "semantic",
        content,
        importance: 0.5,
        pinned: false,
        source: "document",
        sourceRef: { documentId: id, chunkIndex: start + i },
        createdByType: row.createdByType,
        createdById: row.createdById,
        embedding: embeddings[i]!,
        chunk: { documentId: id, index: start + i },
      },
      holds,
    ),
  );
  const finished = end >= chunks.length;
  const lease = options.leaseMs ? sql`, "leaseExpiresAt" = ${DB_NOW} + ${Math.floor(options.leaseMs)} * INTERVAL '1 millisecond'` : sql.empty;
  const progress = finished
    ? sql`UPDATE "MemoryDocument" SET "status" = 'ready', "chunksDone" = ${chunks.length}, "chunksTotal" = ${chunks.length}, "text" = NULL, "attempts" = 0,
        "leaseOwner" = NULL, "leaseExpiresAt" = NULL, "finishedAt" = ${DB_NOW}, "updatedAt" = ${DB_NOW}
        WHERE "id" = ${id} AND "workspaceId" = ${ctx.workspaceId} AND ${fence} RETURNING "chunksDone"`
    : sql`UPDATE "MemoryDocument" SET "chunksDone" = GREATEST("chunksDone", ${end}), "chunksTotal" = ${chunks.length}, "attempts" = 0, "updatedAt" = ${DB_NOW}${lease}
        WHERE "id" = ${id} AND "workspaceId" = ${ctx.workspaceId} AND ${fence} RETURNING "chunksDone"`;
  const results = await executeBatch(ctx, [...inserts, progress]);
  if (results.at(-1)!.rowCount === 0) return { done: true, status: "lost", chunksDone: start, chunksTotal: chunks.length };
  return { done: finished, status: finished ? "ready" : "processing", chunksDone: end, chunksTotal: chunks.length };
}

/** A failure for people: the AppError codes whose message is Cadre's own, else a generic sentence (the log has the rest). */
export function documentErrorMessage(error: unknown): string {
  if (error instanceof AppError) {
    if (error.code === "BUDGET_EXCEEDED") return `The workspace's budget does not allow embedding the rest of this document: ${error.message}`;
    if (error.code === "NO_FEASIBLE_MODEL") return `No embedding model can embed this document: ${error.message}`;
    if (error.code === "UPSTREAM_ERROR") return "The embedding model could not be reached (its provider failed after retries)";
  }
  return "Ingestion failed because of an internal error (the server's log has the details)";
}

/** Ends a document as failed, with a message for people; only while `fence` holds. Whether it was written. */
export async function failDocument(scope: { workspaceId: string }, id: string, message: string, fence?: Sql): Promise<boolean> {
  const [r] = await executeBatch(scope, [
    sql`UPDATE "MemoryDocument" SET "status" = 'failed', "error" = ${message}, "leaseOwner" = NULL, "leaseExpiresAt" = NULL, "retryAt" = NULL,
      "finishedAt" = ${DB_NOW}, "updatedAt" = ${DB_NOW}
      WHERE "id" = ${id} AND "workspaceId" = ${scope.workspaceId} AND "status" IN ('queued', 'processing') AND ${fence ?? sql`TRUE`}`,
  ]);
  return r!.rowCount > 0;
}
