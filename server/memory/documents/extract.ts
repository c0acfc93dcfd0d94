/**
 * A document's text, from pasted text or an uploaded file (issue 14). The type is decided by the content, not only by
 * what the client declares:
 * - a PDF is recognised by its `%PDF-` header (within its first 1024 bytes, as readers accept it) and its text is read
 *   by unpdf (PDF.js built for server runtimes: pure JavaScript, no canvas, no binary or font download); a PDF without
 *   a text layer (scanned pages) is refused, Cadre does no OCR;
 * - anything else must be UTF-8 text without NUL bytes, and not one of the common binary formats (images, archives,
 *   office files, executables): refused otherwise, with the format named when it is known;
 * - HTML (declared, a .html/.htm name, or a document that starts like one) becomes Markdown with the same libraries
 *   as the tool web_fetch (Readability on linkedom, turndown); Markdown (declared, a .md name, or headings or code
 *   fences in undeclared text) and plain text are kept as they are;
 * - a declared type that the content contradicts (a "PDF" that is not one, "text" that is a PDF) is refused, and so is
 *   a declared type that is not supported.
 * Sizes: DOCUMENT_MAX_BYTES for the document, DOCUMENT_MAX_TEXT_CHARS for its text (413 PAYLOAD_TOO_LARGE); an
 * unreadable or empty document is 422 VALIDATION_FAILED.
 */
import { AppError } from "@/lib/errors";
import { DOCUMENT_MAX_BYTES, DOCUMENT_MAX_TEXT_CHARS, DOCUMENT_TITLE_MAX, type MemoryDocumentMimeType } from "@/lib/schemas/memory-documents";
import { htmlToMarkdown } from "@/server/tools/builtin/html-markdown";

export interface DocumentSource {
  text?: string;
  contentBase64?: string;
  fileName?: string;
  mimeType?: string;
  title?: string;
}

export interface ExtractedDocument {
  mimeType: MemoryDocumentMimeType;
  /** the text to chunk: Markdown for Markdown and HTML, else plain text */
  text: string;
  sizeBytes: number;
  title: string;
}

const DECLARED: Record<string, MemoryDocumentMimeType> = {
  "text/plain": "text/plain",
  "text/markdown": "text/markdown",
  "text/x-markdown": "text/markdown",
  "text/html": "text/html",
  "application/xhtml+xml": "text/html",
  "application/pdf": "application/pdf",
};

/** Binary formats a document is often mistaken for: refused with their name. */
const SIGNATURES: { name: string; bytes: number[] }[] = [
  { name: "a PNG image", bytes: [0x89, 0x50, 0x4e, 0x47] },
  { name: "a JPEG image", bytes: [0xff, 0xd8, 0xff] },
  { name: "a GIF image", bytes: [0x47, 0x49, 0x46, 0x38] },
  { name: "a ZIP archive (or a Word, Excel or OpenDocument file)", bytes: [0x50, 0x4b, 0x03, 0x04] },
  { name: "a gzip archive", bytes: [0x1f, 0x8b] },
  { name: "an executable", bytes: [0x7f, 0x45, 0x4c, 0x46] },
  { name: "a Word 97-2003 or other OLE file", bytes: [0xd0, 0xcf, 0x11, 0xe0] },
];

const invalid = (message: string) => new AppError("VALIDATION_FAILED", message);

function tooLarge(what: string, size: number, limit: number, unit: string): AppError {
  return new AppError("PAYLOAD_TOO_LARGE", `${what} is ${size} ${unit}: the limit is ${limit} ${unit}`, { limit });
}

function declaredType(mimeType: string | undefined): MemoryDocumentMimeType | undefined {
  if (mimeType === undefined || mimeType === "") return undefined;
  const bare = mimeType.split(";")[0]!.trim().toLowerCase();
  const type = DECLARED[bare];
  if (!type) throw invalid(`Documents of type ${bare} are not supported: send text, Markdown, HTML or a PDF`);
  return type;
}

/** The file's bytes from base64 (standard or URL-safe alphabet, whitespace ignored), its size checked before decoding. */
function decodeBase64(data: string): Uint8Array {
  const compact = data.replace(/\s+/g, "");
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(compact)) throw invalid("contentBase64 is not valid base64");
  const size = Math.floor((compact.length * 3) / 4) - (compact.endsWith("==") ? 2 : compact.endsWith("=") ? 1 : 0);
  if (size > DOCUMENT_MAX_BYTES) throw tooLarge("The document", size, DOCUMENT_MAX_BYTES, "bytes");
  return new Uint8Array(Buffer.from(compact, "base64"));
}

const startsWith = (bytes: Uint8Array, sig: number[]) => sig.every((b, i) => bytes[i] === b);

function isPdf(bytes: Uint8Array): boolean {
  const head = Buffer.from(bytes.subarray(0, 1024)).toString("latin1");
  return head.includes("%PDF-");
}

const HTML_START = /^\s*(<!doctype html|<html[\s>]|<head[\s>]|<body[\s>])/i;
const MARKDOWN_HINT = /^(#{1,6} \S|```|- \S|\* \S|\d+\. \S|> \S)/m;

function extensionOf(fileName: string | undefined): string {
  return (fileName ?? "").toLowerCase().split(".").pop() ?? "";
}

/** The text to store: CRLF as LF, no NUL, well-formed Unicode. */
function normalise(value: string): string {
  return value
    .replace(/\r\n?/g, "\n")
    .replaceAll("\u0000", "")
    .replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, "\uFFFD");
}

async function pdfText(bytes: Uint8Array): Promise<string> {
  const { extractText, getDocumentProxy } = await import("unpdf");
  let pages: string[];
  try {
    // verbosity 0: PDF.js reports errors only (no warnings on the console for a damaged file)
    const pdf = await getDocumentProxy(bytes, { verbosity: 0 });
    try {
      pages = (await extractText(pdf, { mergePages: false })).text;
    } finally {
      // frees PDF.js's worker-side document (absent from unpdf's types)
      await (pdf as unknown as { destroy?: () => Promise<void> }).destroy?.().catch(() => undefined);
    }
  } catch (error) {
    const name = (error as { name?: string })?.name;
    if (name === "PasswordException") throw invalid("The PDF is encrypted with a password: upload a copy without one");
    throw invalid("The PDF could not be read (it may be damaged)");
  }
  const text = pages.map((p) => p.trim()).join("\n\n");
  if (!text.trim()) throw invalid("The PDF has no text layer (scanned pages need OCR, which Cadre does not do)");
  return text;
}

/** A title: the given one, else the file's name, else the first heading or line of the text. */
function titleOf(source: DocumentSource, text: string): string {
  const clip = (s: string) => s.replace(/\s+/g, " ").trim().slice(0, DOCUMENT_TITLE_MAX).trim();
  const fromFile = source.fileName ? clip(source.fileName.split(/[\\/]/).pop() ?? "") : "";
  const firstLine = text.split("\n").find((l) => l.trim()) ?? "";
  return clip(source.title ?? "") || fromFile || clip(firstLine.replace(/^#+\s*/, "")) || "Untitled document";
}

export async function extractDocument(source: DocumentSource): Promise<ExtractedDocument> {
  const declared = declaredType(source.mimeType);
  const ext = extensionOf(source.fileName);
  let raw: string;
  let sizeBytes: number;
  let detected: MemoryDocumentMimeType;
  if (source.contentBase64 !== undefined) {
    const bytes = decodeBase64(source.contentBase64);
    sizeBytes = bytes.byteLength;
    if (sizeBytes === 0) throw invalid("The document is empty");
    if (isPdf(bytes)) {
      if (declared && declared !== "application/pdf") throw invalid(`The document is a PDF, not ${declared} as declared`);
      const text = normalise(await pdfText(bytes));
      return finish(source, "application/pdf", text, sizeBytes);
    }
    if (declared === "application/pdf") throw invalid("The document was declared a PDF but is not one (it has no %PDF- header)");
    const known = SIGNATURES.find((s) => startsWith(bytes, s.bytes));
    if (known) throw invalid(`The document looks like ${known.name}: send text, Markdown, HTML or a PDF`);
    try {
      raw = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
    } catch {
      throw invalid("The document is neither UTF-8 text nor a PDF");
    }
    if (raw.includes("\u0000")) throw invalid("The document is binary (it contains NUL bytes), neither text nor a PDF");
  } else {
    raw = source.text ?? "";
    sizeBytes = Buffer.byteLength(raw, "utf8");
    if (sizeBytes > DOCUMENT_MAX_BYTES) throw tooLarge("The document", sizeBytes, DOCUMENT_MAX_BYTES, "bytes");
    if (declared === "application/pdf" || raw.startsWith("%PDF-")) throw invalid("A PDF is uploaded as a file (contentBase64), not pasted as text");
  }
  if (declared === "text/html" || ext === "html" || ext === "htm" || (!declared && HTML_START.test(raw))) detected = "text/html";
  else if (declared === "text/markdown" || ext === "md" || ext === "markdown" || (!declared && MARKDOWN_HINT.test(raw))) detected = "text/markdown";
  else detected = "text/plain";
  const text = normalise(detected === "text/html" ? htmlToMarkdown(raw) : raw);
  return finish(source, detected, text, sizeBytes);
}

function finish(source: DocumentSource, mimeType: MemoryDocumentMimeType, text: string, sizeBytes: number): ExtractedDocument {
  if (!text.trim()) throw invalid("The document has no text");
  if (text.length > DOCUMENT_MAX_TEXT_CHARS) throw tooLarge("The document's text", text.length, DOCUMENT_MAX_TEXT_CHARS, "characters");
  return { mimeType, text, sizeBytes, title: titleOf(source, text) };
}
