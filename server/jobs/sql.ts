/**
 * Raw SQL for the execution engine's hot path (every step writes a few rows): single statements on the pg pool
 * under Prisma, sent without parameters (see `sqlLiteral` in server/db/client.ts: one simple-protocol message),
 * so that each write is short and never holds a transaction open across a model call.
 */
import { pgPool, sqlLiteral } from "@/server/db/client";

export { sqlLiteral as lit };

/** A UTC timestamp literal for a timestamp(3) column (Prisma stores UTC wall time in `timestamp without time zone`). */
export function tsLit(d: Date): string {
  return `${sqlLiteral(d.toISOString().replace("T", " ").replace("Z", ""))}::timestamp`;
}

/** JSON for a jsonb column. NUL characters (which jsonb cannot hold) are dropped from every string. */
export function jsonLit(value: unknown): string {
  const text = JSON.stringify(value === undefined ? null : value, (_key, v: unknown) => (typeof v === "string" && v.includes("\u0000") ? v.replaceAll("\u0000", "") : v));
  return `${sqlLiteral(text ?? "null")}::jsonb`;
}

/** An exact decimal literal for a numeric column. */
export function numLit(value: number): string {
  const safe = Number.isFinite(value) ? value : 0;
  // toFixed(10) keeps the ledger's 10 decimals without exponent notation
  return `${sqlLiteral(safe.toFixed(10))}::numeric`;
}

/** Text with a length cap (NULs dropped by sqlLiteral). */
export function textLit(value: string | null | undefined, max = 1_000_000): string {
  if (value === null || value === undefined) return "NULL";
  return sqlLiteral(value.length > max ? value.slice(0, max) : value);
}

export async function query<R extends Record<string, unknown> = Record<string, unknown>>(sql: string): Promise<{ rows: R[]; rowCount: number }> {
  const result = await pgPool().query(sql);
  return { rows: result.rows as R[], rowCount: result.rowCount ?? 0 };
}
