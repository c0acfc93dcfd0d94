/**
 * Document ingestion on Inngest (when configured: ./inngest-enabled.ts): the event `cadre/memory-document.requested`
 * runs the same body as the in-process worker (./memory-documents.ts), `ingestNextBatch`, one Inngest step per batch
 * (ids `batch-0`, `batch-1`, ...: memoised, so a replay does not embed again). There is no lease under Inngest: one
 * function run per document at a time (concurrency keyed by the document), and the unique (document, chunk index)
 * keeps a step that Inngest runs twice from storing a chunk twice. A failure that retrying cannot fix fails the
 * document at once; any other is retried by Inngest, and the document fails when the retries are spent (onFailure).
 */
import { NonRetriableError } from "inngest";
import { logger } from "@/server/logger";
import { execute } from "@/server/db/execute";
import { sql } from "@/server/db/sql";
import { DB_NOW, documentErrorMessage, failDocument, ingestNextBatch, type BatchOutcome } from "@/server/memory/documents/service";
import { inngest } from "./inngest";
import { documentContext, isPermanentFailure, type DocumentRef } from "./memory-document-job";

export const DOCUMENT_REQUESTED_EVENT = "cadre/memory-document.requested";
const RETRIES = 3;

/** queued -> processing (a replay finds it processing already); the creator's columns, or null when there is nothing to do */
async function startDocument(ref: DocumentRef) {
  const { rows } = await execute<{ id: string; workspaceId: string; createdByType: string; createdById: string | null }>(
    ref,
    sql`UPDATE "MemoryDocument" SET "status" = 'processing', "startedAt" = COALESCE("startedAt", ${DB_NOW}), "updatedAt" = ${DB_NOW}
     WHERE id = ${ref.documentId} AND "workspaceId" = ${ref.workspaceId} AND "status" IN ('queued', 'processing')
     RETURNING id, "workspaceId", "createdByType", "createdById"`,
  );
  return rows[0] ?? null;
}

/** One batch of the document, as an Inngest step: a permanent failure fails the document and ends the function. */
async function batchStep(ref: DocumentRef): Promise<BatchOutcome> {
  const doc = await startDocument(ref);
  if (!doc) {
    // ready, failed or deleted already (a replayed event): nothing to do
    const { rows } = await execute<{ status: BatchOutcome["status"]; chunksDone: number; chunksTotal: number }>(
      ref,
      sql`SELECT "status", "chunksDone", "chunksTotal" FROM "MemoryDocument" WHERE id = ${ref.documentId} AND "workspaceId" = ${ref.workspaceId}`,
    );
    return { done: true, status: "gone", chunksDone: 0, chunksTotal: 0, ...rows[0] };
  }
  try {
    return await ingestNextBatch(await documentContext(doc), ref.documentId);
  } catch (error) {
    if (!isPermanentFailure(error)) throw error;
    await failDocument(ref, ref.documentId, documentErrorMessage(error));
    throw new NonRetriableError(documentErrorMessage(error), { cause: error });
  }
}

export const memoryDocumentFunction = inngest.createFunction(
  {
    id: "ingest-memory-document",
    name: "Ingest a document into memory",
    triggers: [{ event: DOCUMENT_REQUESTED_EVENT }],
    retries: RETRIES,
    concurrency: [{ key: "event.data.documentId", limit: 1 }],
    onFailure: async ({ event, error }) => {
      const original = (event as { data?: { event?: { data?: Partial<DocumentRef> } } }).data?.event?.data;
      if (!original?.documentId || !original.workspaceId) return;
      logger.error({ documentId: original.documentId, error: error?.message }, "inngest: document ingestion failed");
      await failDocument({ workspaceId: original.workspaceId }, original.documentId, documentErrorMessage(error?.cause ?? error));
    },
  },
  async ({ event, step }) => {
    const ref = event.data as DocumentRef;
    for (let n = 0; ; n++) {
      const outcome = (await step.run(`batch-${n}`, () => batchStep(ref))) as BatchOutcome;
      if (outcome.done) return outcome.status;
    }
  },
);

export async function sendDocumentRequested(ref: DocumentRef): Promise<void> {
  await inngest.send({ name: DOCUMENT_REQUESTED_EVENT, data: { documentId: ref.documentId, workspaceId: ref.workspaceId } });
}
