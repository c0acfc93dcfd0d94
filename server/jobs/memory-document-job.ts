/**
 * What the two runners of a document's ingestion share (the in-process worker, ./memory-documents.ts, and the Inngest
 * function, ./memory-documents-inngest.ts), and of a re-embedding (./memory-reembeds*.ts): the context a job runs in
 * (its creator's) and which failures retrying cannot fix.
 */
import { AppError } from "@/lib/errors";
import type { ActorType } from "@/lib/schemas/common";
import type { TenantContext } from "@/server/context";
import { documentErrorMessage } from "@/server/memory/documents/service";
import { reembedErrorMessage } from "@/server/memory/reembed";
import { runTenantContext } from "./run-function";

export interface DocumentRef {
  documentId: string;
  workspaceId: string;
}

export interface ReembedRef {
  reembedId: string;
  workspaceId: string;
}

/** The failures that retrying cannot fix: the document fails at once. */
export function isPermanentFailure(error: unknown): boolean {
  if (error instanceof AppError) {
    if (error.code === "BUDGET_EXCEEDED" || error.code === "NO_FEASIBLE_MODEL" || error.code === "VALIDATION_FAILED" || error.code === "NOT_FOUND") return true;
    if (error.code === "UPSTREAM_ERROR") return error.retryable === false;
    return false;
  }
  return (error as Error)?.name === "RunAccessEndedError";
}

/** The message of a permanent failure, for people. */
export function failureMessage(error: unknown): string {
  if ((error as Error)?.name === "RunAccessEndedError" || (error instanceof AppError && error.code === "NOT_FOUND"))
    return "The document's creator can no longer act in the workspace";
  return documentErrorMessage(error);
}

interface JobRow {
  id: string;
  workspaceId: string;
  createdByType: string;
  createdById: string | null;
}

/** The context a memory job (a document, a re-embedding) runs in: its creator's (embedding calls are theirs in the ledger). */
export async function jobContext(kind: "document" | "reembed", job: JobRow): Promise<TenantContext> {
  const ctx = await runTenantContext({
    id: job.id,
    workspaceId: job.workspaceId,
    createdByType: job.createdByType as ActorType,
    createdById: job.createdById ?? "",
  });
  return { ...ctx, requestId: `${kind}:${job.id}` };
}

/** The context a document is ingested in: its creator's. */
export function documentContext(doc: JobRow): Promise<TenantContext> {
  return jobContext("document", doc);
}

/** The message of a re-embedding's failure, for people. */
export function reembedFailureMessage(error: unknown): string {
  if ((error as Error)?.name === "RunAccessEndedError") return "The person or key that changed the model can no longer act in the workspace";
  return reembedErrorMessage(error);
}
