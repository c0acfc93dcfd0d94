import { z } from "zod";
import { text } from "./text";
import { actorTypeSchema, idSchema, paginationShape } from "./common";
import { memoryScopeSchema, memoryScopeTypeSchema } from "./memory";

/**
 * Documents ingested into memory (issue 14): the closed sets, the limits, the chunking settings and the inputs. The
 * database checks the same sets (migration 20261213_100_memory_documents). docs/architecture.md ("Memory") says how
 * a document becomes memories.
 */
export const MEMORY_DOCUMENT_STATUSES = ["queued", "processing", "ready", "failed"] as const;
export type MemoryDocumentStatus = (typeof MEMORY_DOCUMENT_STATUSES)[number];
/** the types a document may have, decided from its content (a declared type that the content contradicts is refused) */
export const MEMORY_DOCUMENT_MIME_TYPES = ["text/plain", "text/markdown", "text/html", "application/pdf"] as const;
export type MemoryDocumentMimeType = (typeof MEMORY_DOCUMENT_MIME_TYPES)[number];

/** A document's size (a file's bytes, or a pasted text's UTF-8 bytes): larger is refused with 413 PAYLOAD_TOO_LARGE. */
export const DOCUMENT_MAX_BYTES = 5 * 1024 * 1024;
/** The text extracted from it (a PDF's text may be longer than its compressed bytes): longer is refused with 413. */
export const DOCUMENT_MAX_TEXT_CHARS = 2_000_000;
/**
 * A request that creates a document: the document as base64 (4/3 of its size) or as JSON-escaped text, plus the other
 * fields. The REST route and the tRPC endpoint read bodies up to this size; the service then checks the document.
 */
export const DOCUMENT_MAX_BODY_BYTES = DOCUMENT_MAX_BYTES * 2 + 64 * 1024;
export const DOCUMENT_TITLE_MAX = 200;

/**
 * Chunking (server/memory/documents/chunk.ts, @langchain/textsplitters' recursive character splitter): chunks of at
 * most 1000 characters, consecutive chunks overlapping by up to 150 characters, split at paragraph, then line, then
 * word boundaries (Markdown, and HTML once turned into Markdown: at headings, code blocks and rules first). About 250
 * tokens per chunk: small enough for a precise match in recall, large enough to carry a thought.
 */
export const DOCUMENT_CHUNK_SIZE = 1000;
export const DOCUMENT_CHUNK_OVERLAP = 150;
/** chunks embedded per gateway call; the document's progress is committed after each batch */
export const DOCUMENT_BATCH_SIZE = 32;

export const memoryDocumentStatusSchema = z.enum(MEMORY_DOCUMENT_STATUSES).meta({ id: "MemoryDocumentStatus" });
export const memoryDocumentMimeTypeSchema = z.enum(MEMORY_DOCUMENT_MIME_TYPES).meta({ id: "MemoryDocumentMimeType" });
export const memoryDocumentIdSchema = idSchema("mdoc").describe("A memory document id (mdoc_...)");

const titleSchema = text().trim().min(1).max(DOCUMENT_TITLE_MAX);

export const createMemoryDocumentInputSchema = z
  .strictObject({
    scope: memoryScopeSchema.default({ type: "workspace" }),
    title: titleSchema.optional().describe("default: the file's name, else the document's first heading or line"),
    text: text().optional().describe("the document as text (Markdown, HTML or plain text); or `contentBase64`"),
    contentBase64: text().optional().describe("the file's bytes in base64 (a PDF, or a text, Markdown or HTML file); or `text`"),
    fileName: text().trim().max(255).optional().describe("the uploaded file's name (its extension helps tell Markdown from plain text)"),
    mimeType: text()
      .trim()
      .max(100)
      .optional()
      .describe("the declared type (text/plain, text/markdown, text/html, application/pdf); the content decides, and a contradiction is refused"),
  })
  .superRefine((v, ctx) => {
    if ((v.text === undefined) === (v.contentBase64 === undefined))
      ctx.addIssue({ code: "custom", path: ["text"], message: "Send the document either as `text` or as `contentBase64`" });
  });
export type CreateMemoryDocumentInput = z.input<typeof createMemoryDocumentInputSchema>;

export const memoryDocumentByIdInputSchema = z.strictObject({ documentId: memoryDocumentIdSchema });

export const listMemoryDocumentsInputSchema = z.strictObject({
  scopeType: memoryScopeTypeSchema.optional(),
  scopeId: text().trim().min(1).max(200).optional(),
  status: memoryDocumentStatusSchema.optional(),
  ...paginationShape,
});

export const memoryDocumentSchema = z
  .object({
    id: z.string(),
    scope: z.object({ type: memoryScopeTypeSchema, id: z.string().nullable() }),
    title: z.string(),
    mimeType: memoryDocumentMimeTypeSchema,
    sizeBytes: z.number().int(),
    status: memoryDocumentStatusSchema,
    progress: z.object({
      chunksDone: z.number().int().describe("chunks embedded and stored as memories"),
      chunksTotal: z.number().int(),
    }),
    error: z.string().nullable().describe("why it failed, for people"),
    createdByType: actorTypeSchema,
    createdById: z.string().nullable(),
    createdAt: z.date(),
    updatedAt: z.date(),
    startedAt: z.date().nullable(),
    finishedAt: z.date().nullable(),
  })
  .meta({ id: "MemoryDocument" });
export type MemoryDocumentOutput = z.infer<typeof memoryDocumentSchema>;
