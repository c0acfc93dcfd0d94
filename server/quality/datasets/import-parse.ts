/**
 * Parsing a dataset import (pure): JSON Lines (one object per line: input, reference?, tags?) or CSV (a header row
 * naming input, reference, tags; tags separated by `|` or `;`, parsed by csv-parse). Every line is checked against the
 * item schema and every problem is collected with its line number (1-based, the CSV header being line 1) and field,
 * so that the import can be refused as a whole naming all of them (up to MAX_REPORTED).
 */
import { parse } from "csv-parse/sync";
import { createDatasetItemInputSchema, type ImportLineError } from "@/lib/schemas/datasets";

export interface ParsedItem {
  input: string;
  reference: string | null;
  tags: string[];
}

export interface ParseResult {
  items: ParsedItem[];
  errors: ImportLineError[];
}

/** problems reported at most (the rest are counted in the message) */
export const MAX_REPORTED = 50;

function check(raw: unknown, line: number, out: ParseResult): void {
  const parsed = createDatasetItemInputSchema.safeParse(raw);
  if (parsed.success) {
    out.items.push(parsed.data);
    return;
  }
  const fields = new Set<string>();
  for (const issue of parsed.error.issues) {
    const field = issue.path.join(".") || "line";
    if (fields.has(field)) continue; // one problem per field is enough
    fields.add(field);
    out.errors.push({ line, field, message: issue.message });
  }
}

export function parseJsonl(content: string): ParseResult {
  const out: ParseResult = { items: [], errors: [] };
  const lines = content.split(/\r?\n/);
  lines.forEach((text, i) => {
    if (text.trim() === "") return;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      out.errors.push({ line: i + 1, field: "line", message: "Not valid JSON" });
      return;
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      out.errors.push({ line: i + 1, field: "line", message: "Each line is a JSON object with input, reference (optional) and tags (optional)" });
      return;
    }
    check(value, i + 1, out);
  });
  return out;
}

const splitTags = (cell: string): string[] =>
  cell
    .split(/[|;]/)
    .map((t) => t.trim())
    .filter((t) => t.length > 0);

export function parseCsv(content: string): ParseResult {
  const out: ParseResult = { items: [], errors: [] };
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(content, { bom: true, skip_empty_lines: true, relax_column_count: true, info: true }) as never;
  } catch (error) {
    const line = (error as { lines?: number }).lines ?? 1;
    out.errors.push({ line, field: "line", message: `Not valid CSV: ${(error as Error).message.replace(/^Invalid [^:]*: /, "")}` });
    return out;
  }
  const header = records[0]?.record.map((h) => h.trim().toLowerCase());
  if (!header) return out;
  const col = { input: header.indexOf("input"), reference: header.indexOf("reference"), tags: header.indexOf("tags") };
  if (col.input < 0) {
    out.errors.push({ line: 1, field: "input", message: "The header row has no input column (expected: input, reference, tags)" });
    return out;
  }
  for (const { record, info } of records.slice(1)) {
    const cell = (i: number) => (i >= 0 ? (record[i] ?? "") : "");
    const reference = cell(col.reference);
    check({ input: cell(col.input), reference: reference === "" ? null : reference, tags: splitTags(cell(col.tags)) }, info.lines, out);
  }
  return out;
}
