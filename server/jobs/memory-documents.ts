/**
 * Document ingestion as a durable background job (issue 14). The document row is the job's state (its text, status
 * and progress: server/memory/documents/service.ts); this module runs it.
 *
 * - Submitting (`submitMemoryDocument`): the document is stored queued, then handed over: to Inngest when it is
 *   configured (the event `cadre/memory-document.requested`, ./memory-documents-inngest.ts), else to this process's
 *   worker, which is woken at once.
 * - The in-process worker (`startDocumentWorker`) is the memory jobs' lease worker (./lease-worker.ts: claim with a
 *   lease, batch by batch under the lease's fence, heartbeat, resume after a crash, retries with back-off, stop): a
 *   document's batch commits its chunks and the progress together, and a chunk is unique per (document, index), so a
 *   batch done twice stores it once.
 * - Failures: a failure that retrying cannot fix (the budget, no embedding model, the creator's access ended) fails
 *   the document at once with a message for people; any other (a provider down, a crash) is retried with back-off, and
 *   a document whose executions failed DOCUMENT_MAX_ATTEMPTS times in a row without committing a batch is failed.
 * The claim, lease renewal and release cross workspaces: the privileged path `memory-documents` (docs/security.md).
 */
import { AppError } from "@/lib/errors";
import type { CreateMemoryDocumentInput, MemoryDocumentOutput } from "@/lib/schemas/memory-documents";
import type { TenantContext } from "@/server/context";
import { logger } from "@/server/logger";
import { createMemoryDocument, documentChunks, failDocument, ingestNextBatch, type BatchOutcome } from "@/server/memory/documents/service";
import { inngestEnabled } from "./inngest-enabled";
import {
  claimLeased,
  LEASE_JOB_MAX_ATTEMPTS,
  startLeaseWorker,
  type LeasedJob,
  type LeaseJobRunner,
  type LeaseQueue,
  type LeaseWorker,
  type LeaseWorkerOptions,
} from "./lease-worker";
import { documentContext, failureMessage, isPermanentFailure } from "./memory-document-job";

const DOCUMENTS: LeaseQueue = { table: "MemoryDocument", path: "memory-documents", label: "documents" };

/** executions in a row that failed (an error or a crash) without committing a batch, after which a document is failed */
export const DOCUMENT_MAX_ATTEMPTS = LEASE_JOB_MAX_ATTEMPTS;

export type ClaimedDocument = LeasedJob;
export type DocumentWorker = LeaseWorker;
export type DocumentWorkerOptions = LeaseWorkerOptions<BatchOutcome>;

/** Claims one document for `owner` (or none): the oldest claimable one, its lease written on the database's clock. */
export function claimDocument(o: { owner: string; leaseMs: number; workspaceIds?: string[]; exclude?: string[] }): Promise<ClaimedDocument | null> {
  return claimLeased(DOCUMENTS, o);
}

const documentRunner: LeaseJobRunner<BatchOutcome> = {
  queue: DOCUMENTS,
  async open(doc, { fence, leaseMs }) {
    const ctx = await documentContext(doc);
    const chunks = (await documentChunks(ctx, doc.id)) ?? undefined;
    return () => ingestNextBatch(ctx, doc.id, { fence, leaseMs, chunks });
  },
  fail: (doc, message, fence) => failDocument(doc, doc.id, message, fence),
  isPermanent: isPermanentFailure,
  failureMessage,
  exhaustedMessage: `Ingestion stopped after ${DOCUMENT_MAX_ATTEMPTS} failed attempts in a row; upload the document again`,
};

export function startDocumentWorker(options: DocumentWorkerOptions = {}): DocumentWorker {
  return startLeaseWorker(documentRunner, options);
}

// ---------------------------------------------------------------------------------------------------
// The process's worker (started with the run executor: server/runs/boot.ts)

const globalForWorker = globalThis as unknown as { cadreDocumentWorker?: DocumentWorker };

export function startProcessDocumentWorker(options: DocumentWorkerOptions = {}): DocumentWorker {
  globalForWorker.cadreDocumentWorker ??= startDocumentWorker(options);
  return globalForWorker.cadreDocumentWorker;
}

export async function stopProcessDocumentWorker(): Promise<void> {
  const worker = globalForWorker.cadreDocumentWorker;
  globalForWorker.cadreDocumentWorker = undefined;
  await worker?.stop();
}

/**
 * Creates a document (queued) and hands it to whoever ingests it: Inngest when configured, else this process's worker
 * (woken at once; without one, any worker's poll takes it).
 */
export async function submitMemoryDocument(ctx: TenantContext, input: CreateMemoryDocumentInput): Promise<MemoryDocumentOutput> {
  const doc = await createMemoryDocument(ctx, input);
  if (inngestEnabled()) {
    const { sendDocumentRequested } = await import("./memory-documents-inngest");
    try {
      await sendDocumentRequested({ documentId: doc.id, workspaceId: ctx.workspaceId });
    } catch (error) {
      logger.error({ documentId: doc.id, err: error }, "documents: could not hand the document to Inngest");
      await failDocument(ctx, doc.id, "The document could not be queued for ingestion; upload it again");
      throw new AppError("INTERNAL", "The document could not be queued for ingestion");
    }
  } else globalForWorker.cadreDocumentWorker?.wake();
  return doc;
}
