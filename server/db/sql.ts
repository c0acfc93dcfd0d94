/**
 * The one way to write raw SQL: the `sql` tagged template. It returns a branded `Sql` value; only such values
 * compose (a plain string interpolated into it is a literal, never SQL text), and every other interpolation is
 * escaped by the tag into a literal. Statements are sent without parameters (one simple-protocol message, which
 * PGlite's socket server handles in one go and PostgreSQL runs as one implicit transaction), so escaping is done
 * here, once: strings by node-postgres's `escapeLiteral`, with NUL (which PostgreSQL text cannot hold) dropped.
 *
 * Statements run through `execute()` / `executeBatch()` (server/db/execute.ts), which set the tenant for
 * row-level security in the same message.
 */
import pg from "pg";

const BRAND: unique symbol = Symbol("cadre.sql");

export interface Sql {
  readonly [BRAND]: true;
  readonly text: string;
}

/** A jsonb value (`sql.json`), kept apart from strings so that the tag knows how to write it. */
class JsonValue {
  constructor(readonly value: unknown) {}
}

export type SqlValue = Sql | JsonValue | string | number | bigint | boolean | Date | null | undefined;

function make(text: string): Sql {
  return Object.freeze({ [BRAND]: true as const, text });
}

export function isSql(value: unknown): value is Sql {
  return typeof value === "object" && value !== null && (value as { [BRAND]?: unknown })[BRAND] === true;
}

function stringLiteral(value: string): string {
  return pg.escapeLiteral(value.includes("\u0000") ? value.replaceAll("\u0000", "") : value);
}

/** A UTC timestamp for a timestamp(3) column (Prisma stores UTC wall time in `timestamp without time zone`). */
function timestampLiteral(d: Date): string {
  if (Number.isNaN(d.getTime())) throw new Error("sql: invalid date");
  return `${stringLiteral(d.toISOString().replace("T", " ").replace("Z", ""))}::timestamp`;
}

function literal(value: Exclude<SqlValue, Sql>): string {
  if (value === null || value === undefined) return "NULL";
  if (typeof value === "string") return stringLiteral(value);
  if (typeof value === "boolean") return value ? "TRUE" : "FALSE";
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new Error("sql: not a finite number");
    return String(value);
  }
  if (value instanceof Date) return timestampLiteral(value);
  if (value instanceof JsonValue) {
    const text = JSON.stringify(value.value === undefined ? null : value.value, (_key, v: unknown) =>
      typeof v === "string" && v.includes("\u0000") ? v.replaceAll("\u0000", "") : v,
    );
    return `${stringLiteral(text ?? "null")}::jsonb`;
  }
  throw new Error(`sql: unsupported value of type ${typeof value}`);
}

/** `sql\`SELECT ... WHERE id = ${id}\``: values become literals, `Sql` values are inlined as SQL. */
export function sql(strings: TemplateStringsArray, ...values: SqlValue[]): Sql {
  let text = strings[0]!;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    text += (isSql(v) ? v.text : literal(v as Exclude<SqlValue, Sql>)) + strings[i + 1]!;
  }
  return make(text);
}

/** Sql values joined by a separator (default `, `). */
sql.join = function join(parts: readonly Sql[], separator: Sql = make(", ")): Sql {
  return make(parts.map((p) => p.text).join(separator.text));
};

/** A jsonb literal of any JSON-serialisable value. */
sql.json = function json(value: unknown): Sql {
  return make(literal(new JsonValue(value)));
};

/** An exact decimal for a numeric column (10 decimals, no exponent notation; a non-finite value is 0). */
sql.numeric = function numeric(value: number): Sql {
  const safe = Number.isFinite(value) ? value : 0;
  return make(`${stringLiteral(safe.toFixed(10))}::numeric`);
};

/** Text with a length cap. */
sql.text = function text(value: string | null | undefined, max = 1_000_000): Sql {
  if (value === null || value === undefined) return make("NULL");
  return make(stringLiteral(value.length > max ? value.slice(0, max) : value));
};

/** A quoted identifier (table or column name) from code, never from input. */
sql.ident = function ident(name: string): Sql {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`sql: bad identifier ${JSON.stringify(name)}`);
  return make(`"${name}"`);
};

/** An array literal of ints, doubles or texts: `ARRAY[...]::int4[]` / `::float8[]` / `::text[]`. */
sql.array = function array(values: readonly (number | string)[], type: "int4" | "float8" | "text"): Sql {
  return make(`ARRAY[${values.map((v) => literal(v)).join(",")}]::${type}[]`);
};

/** SQL that is empty (for optional fragments). */
sql.empty = make("");
