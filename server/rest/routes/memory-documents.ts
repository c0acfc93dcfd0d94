import { z } from "zod";
import { defineRoute } from "../define";
import { deletedSchema, restPageOf } from "@/lib/schemas/common";
import {
  createMemoryDocumentInputSchema,
  DOCUMENT_MAX_BODY_BYTES,
  DOCUMENT_MAX_BYTES,
  DOCUMENT_MAX_TEXT_CHARS,
  listMemoryDocumentsInputSchema,
  memoryDocumentIdSchema,
  memoryDocumentSchema,
} from "@/lib/schemas/memory-documents";
import { deleteMemoryDocument, getMemoryDocument, listMemoryDocuments } from "@/server/memory/documents/service";
import { submitMemoryDocument } from "@/server/jobs/memory-documents";

const documentParams = z.strictObject({ documentId: memoryDocumentIdSchema });

export const listMemoryDocumentsRoute = defineRoute({
  method: "GET",
  path: "/api/v1/memory-documents",
  summary:
    "The workspace's memory documents with their progress, newest first, optionally of one scope (scopeType, scopeId) or status (one page: `limit`, `cursor`)",
  tag: "Memory",
  requires: "memory:read",
  query: listMemoryDocumentsInputSchema,
  response: restPageOf(memoryDocumentSchema),
  handler: async ({ ctx, query }) => {
    const page = await listMemoryDocuments(ctx, query);
    return { data: page.items, nextCursor: page.nextCursor };
  },
});

export const createMemoryDocumentRoute = defineRoute({
  method: "POST",
  path: "/api/v1/memory-documents",
  summary: `Ingest a document into a memory scope: \`text\` (pasted text, Markdown or HTML) or \`contentBase64\` (a file: PDF, text, Markdown or HTML), at most ${DOCUMENT_MAX_BYTES} bytes and ${DOCUMENT_MAX_TEXT_CHARS} characters of text (413 beyond). The type is decided by the content (422 for an unsupported, contradicting or unreadable document). Answers the queued document; its chunks become semantic memories (source document) in the background, embedded through the model gateway (costed); follow the progress with GET. Audited`,
  tag: "Memory",
  requires: "memory:write",
  body: createMemoryDocumentInputSchema,
  maxBodyBytes: DOCUMENT_MAX_BODY_BYTES,
  status: 202,
  response: memoryDocumentSchema,
  idempotent: true,
  handler: ({ ctx, body }) => submitMemoryDocument(ctx, body),
});

export const getMemoryDocumentRoute = defineRoute({
  method: "GET",
  path: "/api/v1/memory-documents/{documentId}",
  summary: "One memory document with its status and progress (chunks done of total)",
  tag: "Memory",
  requires: "memory:read",
  params: documentParams,
  response: memoryDocumentSchema,
  handler: ({ ctx, params }) => getMemoryDocument(ctx, params.documentId),
});

export const deleteMemoryDocumentRoute = defineRoute({
  method: "DELETE",
  path: "/api/v1/memory-documents/{documentId}",
  summary: "Delete a memory document and its memories (gone from recall at once; an ingestion in progress stops). Audited",
  tag: "Memory",
  requires: "memory:delete",
  params: documentParams,
  response: deletedSchema,
  handler: ({ ctx, params }) => deleteMemoryDocument(ctx, params.documentId),
});
