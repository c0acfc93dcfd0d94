import pg from "pg";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "./generated/client";
import { env } from "../env";
import { logger } from "../logger";
import { SCOPE_PREFIX, scopeStatement, SYSTEM, toScope, type DbScope, type PrivilegedPath, type ScopeLike } from "./scope";

export type Db = PrismaClient;

const globalForDb = globalThis as unknown as { cadreDb?: PrismaClient; cadrePgPool?: pg.Pool; cadreScoped?: Map<string, PrismaClient> };

const plainConnect = pg.Pool.prototype.connect as (this: pg.Pool) => Promise<pg.PoolClient>;
const clientQuery = pg.Client.prototype.query as (this: pg.Client, ...args: unknown[]) => unknown;

/**
 * Every Prisma transaction starts with `BEGIN` and then the scope statement (makeScoped): the two are sent as ONE
 * message, which saves a round trip per operation. A `BEGIN` is held back until the next statement on the
 * connection; if that is the scope statement (no parameters), both go together, otherwise `BEGIN` goes first.
 */
function joinBeginWithScope(pool: pg.Pool): void {
  (pool as unknown as { connect: () => Promise<pg.PoolClient> }).connect = async () => {
    const client = await plainConnect.call(pool);
    let begin = false;
    const own = client as unknown as { query: (...args: unknown[]) => unknown; release: (err?: Error | boolean) => void };
    const release = own.release;
    own.query = (config: unknown, ...rest: unknown[]) => {
      const c = config as { text?: string; values?: unknown[] };
      const text = typeof config === "string" ? config : c?.text;
      const simple = typeof config === "string" || !c?.values || c.values.length === 0;
      if (text === "BEGIN" && simple && rest.length === 0) {
        begin = true;
        return Promise.resolve({ command: "BEGIN", rowCount: null, rows: [], fields: [] });
      }
      if (begin) {
        begin = false;
        if (simple && typeof text === "string" && text.startsWith(SCOPE_PREFIX)) {
          const joined = `BEGIN; ${text}`;
          return clientQuery.call(client, typeof config === "string" ? joined : { ...c, text: joined }, ...rest);
        }
        return (clientQuery.call(client, "BEGIN") as Promise<unknown>).then(() => clientQuery.call(client, config, ...rest));
      }
      return clientQuery.call(client, config, ...rest);
    };
    own.release = (err?: Error | boolean) => {
      delete (own as { query?: unknown }).query;
      own.release = release;
      return release.call(client, err);
    };
    return client;
  };
}

/**
 * The pool's settings (server/env.ts, README): size, connect and idle timeouts, and in server mode the session's
 * statement and idle-in-transaction timeouts (sent as startup parameters; PgBouncer must list them in
 * ignore_startup_parameters or they are set on the role instead, docs/operations.md). PGlite is one shared session:
 * no session timeouts there.
 */
export function poolOptions(url: string): pg.PoolConfig {
  const e = env();
  const options: pg.PoolConfig = {
    connectionString: url,
    max: e.CADRE_DB_POOL_MAX,
    connectionTimeoutMillis: e.CADRE_DB_CONNECT_TIMEOUT_MS,
    idleTimeoutMillis: e.CADRE_DB_IDLE_TIMEOUT_MS,
  };
  if (e.CADRE_DATABASE_MODE !== "embedded") {
    if (e.CADRE_DB_STATEMENT_TIMEOUT_MS > 0) options.statement_timeout = e.CADRE_DB_STATEMENT_TIMEOUT_MS;
    if (e.CADRE_DB_IDLE_IN_TRANSACTION_TIMEOUT_MS > 0) options.idle_in_transaction_session_timeout = e.CADRE_DB_IDLE_IN_TRANSACTION_TIMEOUT_MS;
  }
  return options;
}

function baseClient(): PrismaClient {
  if (!globalForDb.cadreDb) {
    const url = env().DATABASE_URL;
    if (!url) throw new Error("DATABASE_URL is not set: start Cadre with `npm start`, which provides the database");
    const pool = new pg.Pool(poolOptions(url));
    pool.on("error", (error) => logger.warn({ error: error.message }, "database: an idle connection failed"));
    joinBeginWithScope(pool);
    const adapter = new PrismaPg(pool);
    if ((adapter as unknown as { externalPool?: unknown }).externalPool !== pool) throw new Error("database: two copies of pg are loaded; the scoped pool would be bypassed");
    globalForDb.cadrePgPool = pool;
    globalForDb.cadreDb = new PrismaClient({ adapter });
    globalForDb.cadreScoped = new Map();
  }
  return globalForDb.cadreDb;
}

const MAX_SCOPED_CLIENTS = 1000;

function scopeKey(scope: DbScope): string {
  switch (scope.kind) {
    case "tenant":
      return `t:${scope.workspaceId}`;
    case "user":
      return `u:${scope.userId}`;
    case "system":
      return `s:${scope.path}`;
    case "none":
      return "n";
  }
}

/**
 * A client whose every operation runs in a transaction that first opens the scope (server/db/scope.ts):
 * - an operation outside a transaction: a batch transaction of the scope statement and the operation;
 * - `$transaction(fn)`: the scope statement first, then `fn` with the transaction's client;
 * - `$transaction([...])`: the scope statement as the batch's first statement.
 * (The scope travels in the statements, not in AsyncLocalStorage: Prisma's engine does not keep the caller's
 * async context down to the driver.)
 */
function makeScoped(base: PrismaClient, scope: DbScope): PrismaClient {
  const opening = scopeStatement(scope).text;
  const open = () => base.$executeRawUnsafe(opening);
  const extended = base.$extends({
    query: {
      $allOperations(params) {
        const { args, query } = params;
        // inside a transaction (ours, opened with the scope): the operation joins it
        if ((params as { __internalParams?: { transaction?: unknown } }).__internalParams?.transaction) return query(args);
        return base.$transaction([open(), query(args)]).then((results) => results[1]);
      },
    },
  });
  const transaction = (arg: unknown, options?: unknown) => {
    if (Array.isArray(arg)) {
      return base.$transaction([open(), ...arg], options as never).then((results) => results.slice(1));
    }
    const fn = arg as (tx: unknown) => Promise<unknown>;
    return base.$transaction(async (tx) => {
      await tx.$executeRawUnsafe(opening);
      return fn(tx);
    }, options as never);
  };
  return new Proxy(extended, {
    get(target, prop, receiver) {
      if (prop === "$transaction") return transaction;
      return Reflect.get(target, prop, receiver) as unknown;
    },
  }) as unknown as PrismaClient;
}

/**
 * The Prisma client for a scope: a TenantContext (or anything with a workspaceId) for the workspace's rows,
 * `userScope(id)` for a user's own memberships, `NO_TENANT` for tables of no tenant. Row-level security sees
 * nothing else. Cross-workspace code uses systemDb(path) instead.
 */
export function db(scope: ScopeLike): PrismaClient {
  const base = baseClient();
  const resolved = toScope(scope);
  const key = scopeKey(resolved);
  const cache = globalForDb.cadreScoped!;
  let client = cache.get(key);
  if (client) {
    cache.delete(key);
  } else {
    client = makeScoped(base, resolved);
    if (cache.size >= MAX_SCOPED_CLIENTS) cache.delete(cache.keys().next().value!);
  }
  cache.set(key, client);
  return client;
}

/** A privileged path (docs/security.md): statements see every workspace. */
export function systemDb(path: PrivilegedPath): PrismaClient {
  return db(SYSTEM(path));
}

/** One simple-protocol message on a pooled connection, for the raw-statement executor only (server/db/execute.ts). */
export async function rawQuery(text: string): Promise<unknown> {
  baseClient();
  const client = await plainConnect.call(globalForDb.cadrePgPool!);
  let broken: Error | undefined;
  try {
    return await client.query(text);
  } catch (error) {
    // an error PostgreSQL reported leaves the connection usable; anything else (a lost connection) discards it
    if (typeof (error as { code?: unknown })?.code !== "string") broken = error as Error;
    throw error;
  } finally {
    client.release(broken);
  }
}

export async function disconnectDb(): Promise<void> {
  const pool = globalForDb.cadrePgPool;
  await globalForDb.cadreDb?.$disconnect();
  globalForDb.cadreDb = undefined;
  globalForDb.cadrePgPool = undefined;
  globalForDb.cadreScoped = undefined;
  await pool?.end();
}

export { NO_TENANT, SYSTEM, tenantScope, userScope, type DbScope, type PrivilegedPath, type ScopeLike } from "./scope";
