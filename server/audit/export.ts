import type { AuditEntry } from "./service";

export type ExportFormat = "jsonl" | "csv";

const CSV_COLUMNS = [
  "id",
  "createdAt",
  "actorType",
  "actorId",
  "actorLabel",
  "action",
  "targetType",
  "targetId",
  "clientIp",
  "userAgent",
  "requestId",
  "metadata",
] as const;

/**
 * One CSV cell (RFC 4180). A cell that a spreadsheet would read as a formula (=, +, -, @, tab, CR first) gets a
 * leading apostrophe: labels and metadata come from users and must not execute when the export is opened.
 */
export function csvCell(value: unknown): string {
  let text =
    value === null || value === undefined
      ? ""
      : value instanceof Date
        ? value.toISOString()
        : typeof value === "object"
          ? JSON.stringify(value)
          : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function csvHeader(): string {
  return `${CSV_COLUMNS.join(",")}\r\n`;
}

export function csvLine(entry: AuditEntry): string {
  return `${CSV_COLUMNS.map((c) => csvCell(entry[c])).join(",")}\r\n`;
}

export function jsonLine(entry: AuditEntry): string {
  return `${JSON.stringify({ ...entry, createdAt: entry.createdAt.toISOString() })}\n`;
}

/** The export as text chunks, one per entry (after the CSV header). */
export async function* exportLines(entries: AsyncIterable<AuditEntry>, format: ExportFormat): AsyncGenerator<string> {
  if (format === "csv") yield csvHeader();
  for await (const entry of entries) yield format === "csv" ? csvLine(entry) : jsonLine(entry);
}

/**
 * A streamed download: the body is pulled from the database page by page as the client reads it (backpressure),
 * so an export of any size holds one page in memory.
 */
export function exportResponse(lines: AsyncGenerator<string>, format: ExportFormat, filename: string, headers: Record<string, string> = {}): Response {
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      // a few lines per chunk keep the number of enqueues (and their overhead) low
      let chunk = "";
      while (chunk.length < 16_384) {
        const next = await lines.next();
        if (next.done) {
          if (chunk) controller.enqueue(encoder.encode(chunk));
          controller.close();
          return;
        }
        chunk += next.value;
      }
      controller.enqueue(encoder.encode(chunk));
    },
    async cancel() {
      await lines.return(undefined);
    },
  });
  return new Response(body, {
    status: 200,
    headers: {
      "content-type": format === "csv" ? "text/csv; charset=utf-8" : "application/x-ndjson; charset=utf-8",
      "content-disposition": `attachment; filename="${filename}.${format}"`,
      "cache-control": "no-store",
      ...headers,
    },
  });
}
