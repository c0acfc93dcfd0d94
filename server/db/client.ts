import pg from "pg";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "./generated/client";
import { env } from "../env";
import { logger } from "../logger";

export type Db = PrismaClient;

const globalForDb = globalThis as unknown as { cadreDb?: PrismaClient; cadrePgPool?: pg.Pool };

/** The one Prisma client of this process (kept on globalThis so dev reloads do not leak pools). */
export function db(): PrismaClient {
  if (!globalForDb.cadreDb) {
    const url = env().DATABASE_URL;
    if (!url) throw new Error("DATABASE_URL is not set: start Cadre with `npm start`, which provides the database");
    // the pool is ours (so that pgPool() shares it); Prisma uses it and leaves ending it to disconnectDb
    const pool = new pg.Pool({ connectionString: url, max: 10 });
    pool.on("error", (error) => logger.warn({ error: error.message }, "database: an idle connection failed"));
    let adapter = new PrismaPg(pool);
    // should two copies of pg ever be loaded (the adapter would not recognise the pool), Prisma gets its own pool
    if ((adapter as unknown as { externalPool?: unknown }).externalPool !== pool) adapter = new PrismaPg({ connectionString: url, max: 10 });
    globalForDb.cadrePgPool = pool;
    globalForDb.cadreDb = new PrismaClient({ adapter });
  }
  return globalForDb.cadreDb;
}

/**
 * The node-postgres pool under the Prisma client, for the few statements on every model call's path where Prisma's
 * own per-query work (0.2–0.4 ms) matters: the usage-row INSERT and the observed-stats UPDATE. Everything else uses
 * db().
 */
export function pgPool(): pg.Pool {
  db();
  return globalForDb.cadrePgPool!;
}

/**
 * One SQL literal, for statements sent without parameters (the simple query protocol: one message instead of five,
 * which PGlite's socket server handles one by one). Strings are quoted by node-postgres's `escapeLiteral` (quotes
 * doubled, backslashes in an E'' literal); NUL characters, which PostgreSQL text cannot hold, are dropped. Numbers
 * must be finite; anything else is refused rather than guessed.
 */
export function sqlLiteral(value: string | number | boolean | null): string {
  if (value === null) return "NULL";
  if (typeof value === "boolean") return value ? "TRUE" : "FALSE";
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new Error("sqlLiteral: not a finite number");
    return String(value);
  }
  if (typeof value !== "string") throw new Error("sqlLiteral: unsupported value");
  return pg.escapeLiteral(value.includes("\u0000") ? value.replaceAll("\u0000", "") : value);
}

export async function disconnectDb(): Promise<void> {
  const pool = globalForDb.cadrePgPool;
  await globalForDb.cadreDb?.$disconnect();
  globalForDb.cadreDb = undefined;
  globalForDb.cadrePgPool = undefined;
  await pool?.end();
}
