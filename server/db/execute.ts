/**
 * The executor of raw statements (`sql` values): the one place they reach the database, and with them the scope
 * that row-level security enforces. A call sends ONE simple-protocol message, `<scope>; <statement>; ...`, which
 * PostgreSQL (and PGlite) runs as one implicit transaction: the scope costs no round trip, ends with the message,
 * and the statements commit (or roll back) together.
 */
import { rawQuery } from "./client";
import { scopeStatement, toScope, type ScopeLike } from "./scope";
import type { Sql } from "./sql";
import { SpanKind, withSpan } from "../observability/tracing";

type Row = Record<string, unknown>;

function operationOf(text: string): string {
  const word = /^\s*(?:WITH\b[\s\S]*?\)\s*)?([A-Za-z]+)/.exec(text)?.[1]?.toUpperCase() ?? "";
  return ["SELECT", "INSERT", "UPDATE", "DELETE", "WITH", "LOCK", "NOTIFY", "LISTEN"].includes(word) ? word : "OTHER";
}

/** Where messages go (an object, so that tests can observe or fail the sends). */
export const transport = { send: rawQuery };
export interface ExecResult<R extends Row = Row> {
  rows: R[];
  rowCount: number;
}

function toResults(raw: unknown): ExecResult[] {
  const list = (Array.isArray(raw) ? raw : [raw]) as { rows?: Row[]; rowCount?: number | null }[];
  return list.map((r) => ({ rows: r.rows ?? [], rowCount: r.rowCount ?? 0 }));
}

/** Statements in one transaction, in the scope; one result per statement. */
export async function executeBatch(scope: ScopeLike, statements: readonly Sql[]): Promise<ExecResult[]> {
  if (statements.length === 0) return [];
  const resolved = toScope(scope);
  const text = [scopeStatement(resolved).text, ...statements.map((s) => s.text)].join(";\n");
  // the span names the statement's kind only: the text carries values inline
  return withSpan(
    "db.execute",
    {
      "db.system.name": "postgresql",
      "db.operation.name": operationOf(statements[0]!.text),
      "db.operation.batch.size": statements.length,
      "cadre.db.scope": resolved.kind,
    },
    async () => toResults(await transport.send(text)).slice(1),
    { kind: SpanKind.CLIENT },
  );
}

/** One statement in the scope. */
export async function execute<R extends Row = Row>(scope: ScopeLike, statement: Sql): Promise<ExecResult<R>> {
  const [result] = await executeBatch(scope, [statement]);
  return result as ExecResult<R>;
}
