/**
 * Chunking with @langchain/textsplitters (its recursive character splitter: the splitter most retrieval pipelines
 * use, kept up by the LangChain project; only this module of it is loaded, and it downloads nothing). Chunks of at most
 * DOCUMENT_CHUNK_SIZE characters overlapping by up to DOCUMENT_CHUNK_OVERLAP (lib/schemas/memory-documents.ts), split
 * at the largest boundary that fits: for Markdown (and HTML, turned into Markdown) headings, code fences and rules
 * first, then paragraphs, lines, words. Deterministic: the worker splits the stored text again when it resumes a
 * document, and chunk i is the same chunk.
 */
import { RecursiveCharacterTextSplitter } from "@langchain/textsplitters";
import { DOCUMENT_CHUNK_OVERLAP, DOCUMENT_CHUNK_SIZE, type MemoryDocumentMimeType } from "@/lib/schemas/memory-documents";

const options = { chunkSize: DOCUMENT_CHUNK_SIZE, chunkOverlap: DOCUMENT_CHUNK_OVERLAP };
const markdown = RecursiveCharacterTextSplitter.fromLanguage("markdown", options);
const plain = new RecursiveCharacterTextSplitter(options);

/** The chunks of a document's text, in order, none empty. */
export async function chunkText(text: string, mimeType: MemoryDocumentMimeType): Promise<string[]> {
  const splitter = mimeType === "text/markdown" || mimeType === "text/html" ? markdown : plain;
  return (await splitter.splitText(text)).map((c) => c.trim()).filter((c) => c.length > 0);
}
