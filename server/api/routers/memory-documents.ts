import { deletedSchema, pageOf } from "@/lib/schemas/common";
import {
  createMemoryDocumentInputSchema,
  listMemoryDocumentsInputSchema,
  memoryDocumentByIdInputSchema,
  memoryDocumentSchema,
} from "@/lib/schemas/memory-documents";
import { router, workspaceProcedure } from "../trpc";
import { deleteMemoryDocument, getMemoryDocument, listMemoryDocuments } from "@/server/memory/documents/service";
import { submitMemoryDocument } from "@/server/jobs/memory-documents";

/** Documents ingested into memory (issue 14): paste or upload, follow the progress, delete (with their memories). */
export const memoryDocumentsRouter = router({
  /** one page, newest first, optionally of one scope or status */
  list: workspaceProcedure("memory:read")
    .input(listMemoryDocumentsInputSchema)
    .output(pageOf(memoryDocumentSchema))
    .query(({ ctx, input }) => listMemoryDocuments(ctx.tenant, input)),
  /** one document with its progress (chunks done of total) */
  get: workspaceProcedure("memory:read")
    .input(memoryDocumentByIdInputSchema)
    .output(memoryDocumentSchema)
    .query(({ ctx, input }) => getMemoryDocument(ctx.tenant, input.documentId)),
  /** pasted text or a base64 file: checked, its text extracted, queued for ingestion; audited */
  create: workspaceProcedure("memory:write")
    .input(createMemoryDocumentInputSchema)
    .output(memoryDocumentSchema)
    .mutation(({ ctx, input }) => submitMemoryDocument(ctx.tenant, input)),
  /** the document and its memories (gone from recall at once); audited */
  delete: workspaceProcedure("memory:delete")
    .input(memoryDocumentByIdInputSchema)
    .output(deletedSchema)
    .mutation(({ ctx, input }) => deleteMemoryDocument(ctx.tenant, input.documentId)),
});
