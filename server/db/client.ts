import { AsyncLocalStorage } from "node:async_hooks";
import pg from "pg";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "./generated/client";
import { env } from "../env";
import { logger } from "../logger";
import { metrics } from "../observability/metrics";
import { SpanKind, tracingActive, withSpan } from "../observability/tracing";
import { SCOPE_PREFIX, scopeStatement, SYSTEM, toScope, type DbScope, type PrivilegedPath, type ScopeLike } from "./scope";

export type Db = PrismaClient;

const globalForDb = globalThis as unknown as { cadreDb?: PrismaClient; cadrePgPool?: pg.Pool; cadreScoped?: Map<string, PrismaClient> };

const plainConnect = pg.Pool.prototype.connect as (this: pg.Pool) => Promise<pg.PoolClient>;
const clientQuery = pg.Client.prototype.query as (this: pg.Client, ...args: unknown[]) => unknown;

/**
 * The scope statement of the operation being executed, for the statements Prisma sends outside a transaction (and
 * for the transactions Prisma opens by itself, e.g. for nested writes). makeScoped sets it around each operation;
 * the pool reads it when a statement or a connection is asked for, which happens in the operation's own async
 * context (Prisma's promises are lazy: the operation runs where it is first awaited, so makeScoped awaits it inside).
 */
// one per process, not per module copy: Next bundles this module into several chunks that share the pool (globalThis)
const operationScope: AsyncLocalStorage<string> = ((globalThis as unknown as { cadreOperationScope?: AsyncLocalStorage<string> }).cadreOperationScope ??=
  new AsyncLocalStorage<string>());

/** a result handed back for a statement that was sent without waiting (its outcome joins the next statement's) */
const SENT = Object.freeze({ command: "", rowCount: 0, oid: 0, rows: [], fields: [] }) as unknown as pg.QueryResult;

type Send = (config: unknown, rest?: unknown[]) => Promise<pg.QueryResult>;

function sender(client: pg.PoolClient): Send {
  return (config, rest = []) => clientQuery.call(client, config, ...rest) as Promise<pg.QueryResult>;
}

/**
 * The error to release a connection with: a connection still inside a transaction (a statement that never got its
 * COMMIT or ROLLBACK) is discarded, never handed to the next request with that transaction's role and settings.
 */
function releaseError(client: pg.PoolClient, error?: Error | boolean): Error | boolean | undefined {
  const status = (client as unknown as { _txStatus?: string | null })._txStatus;
  if (!error && (status === "T" || status === "E")) {
    logger.warn("database: a connection was released inside a transaction; it is discarded");
    return new Error("released inside a transaction");
  }
  return error;
}

/** Writes what is sent in `fn` to the socket at once (one system call for the pipelined statements). */
function corked<T>(client: pg.PoolClient, fn: () => T): T {
  const stream = (client as unknown as { connection?: { stream?: { cork?: () => void; uncork?: () => void } } }).connection?.stream;
  stream?.cork?.();
  try {
    return fn();
  } finally {
    stream?.uncork?.();
  }
}

/**
 * Row-level security needs the scope inside the statement's transaction. Connections are pipelined (pg's
 * `pipeline` mode: statements go out without waiting for the answer to the previous one, answers come back in
 * order), so the scope costs no round trip of its own:
 * - a statement outside a transaction goes out as `BEGIN; <scope>`, the statement, `COMMIT`, written together;
 * - a transaction's `BEGIN` is held back and sent with the scope statement (Prisma's own transactions take the
 *   operation's scope; makeScoped's `$transaction` sends the scope statement first), not waited for: the next
 *   statement follows right behind and carries its outcome.
 * A statement or a transaction with no scope is refused: the login role may own the tables.
 */
function scopePooledStatements(pool: pg.Pool): void {
  const plainPoolQuery = pool.query.bind(pool) as (...args: unknown[]) => unknown;
  (pool as unknown as { query: (...args: unknown[]) => unknown }).query = (config: unknown, ...rest: unknown[]) => {
    if (rest.some((arg) => typeof arg === "function")) return plainPoolQuery(config, ...rest);
    const scope = operationScope.getStore();
    if (!scope) return Promise.reject(new Error("database: a statement outside any scope (use db(scope) or systemDb(path))"));
    return (async () => {
      const client = await metrics.poolWait.time(() => plainConnect.call(pool));
      const send = sender(client);
      let broken: Error | undefined;
      try {
        const [, result] = await corked(client, () => Promise.all([send(`BEGIN; ${scope}`), send(config, rest), send("COMMIT")]));
        return result;
      } catch (error) {
        // an error PostgreSQL reported ends the transaction (COMMIT rolls it back); anything else discards the connection
        if (typeof (error as { code?: unknown })?.code !== "string") broken = error as Error;
        throw error;
      } finally {
        client.release(releaseError(client, broken));
      }
    })();
  };

  (pool as unknown as { connect: () => Promise<pg.PoolClient> }).connect = async () => {
    const inherited = operationScope.getStore();
    const client = await metrics.poolWait.time(() => plainConnect.call(pool));
    const send = sender(client);
    /** BEGIN was asked for and is held back until the scope statement */
    let begin = false;
    /** statements sent without waiting whose outcome the next statement carries */
    let unsettled: Promise<unknown> | null = null;
    const own = client as unknown as { query: (...args: unknown[]) => unknown; release: (err?: Error | boolean) => void };
    const release = own.release;
    own.query = (config: unknown, ...rest: unknown[]) => {
      if (rest.some((arg) => typeof arg === "function")) return send(config, rest);
      const c = config as { text?: string; values?: unknown[] };
      const text = typeof config === "string" ? config : (c?.text ?? "");
      const simple = typeof config === "string" || !c?.values || c.values.length === 0;
      if (simple && text === "BEGIN") {
        if (inherited) {
          const sent = send(`BEGIN; ${inherited}`);
          sent.catch(() => undefined);
          unsettled = sent;
        } else begin = true;
        return Promise.resolve(SENT);
      }
      if (begin) {
        if (simple && text.startsWith(SCOPE_PREFIX)) {
          begin = false;
          const sent = send(`BEGIN; ${text}`);
          sent.catch(() => undefined);
          unsettled = sent;
          return Promise.resolve(SENT);
        }
        if (!(simple && text.startsWith("SET TRANSACTION"))) return Promise.reject(new Error("database: a transaction without a scope"));
        unsettled = send("BEGIN");
        unsettled.catch(() => undefined);
        begin = false;
      }
      const before = unsettled;
      unsettled = null;
      const sent = send(config, rest);
      return before ? Promise.all([before, sent]).then((results) => results[1]) : sent;
    };
    own.release = (err?: Error | boolean) => {
      delete (own as { query?: unknown }).query;
      own.release = release;
      return release.call(client, releaseError(client, err));
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
    const pool = new pg.Pool({ ...poolOptions(url), pipeline: true });
    pool.on("error", (error) => logger.warn({ error: error.message }, "database: an idle connection failed"));
    scopePooledStatements(pool);
    const adapter = new PrismaPg(pool);
    if ((adapter as unknown as { externalPool?: unknown }).externalPool !== pool)
      throw new Error("database: two copies of pg are loaded; the scoped pool would be bypassed");
    globalForDb.cadrePgPool = pool;
    metrics.registry.collect("db_pool", () => {
      metrics.poolWaiting.set(pool.waitingCount);
      metrics.poolTotal.set(pool.totalCount - pool.idleCount, { state: "busy" });
      metrics.poolTotal.set(pool.idleCount, { state: "idle" });
    });
    // a transaction waits for a pooled connection up to 10 s (Prisma's default, 2 s, fails requests on a busy pool)
    globalForDb.cadreDb = new PrismaClient({ adapter, transactionOptions: { maxWait: 10_000 } });
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
    case "org":
      return `o:${scope.organizationId}`;
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
        const run = () =>
          // Prisma merges the findUnique calls of one tick into one statement, run in the first caller's context:
          // those carry their scope in a transaction of their own
          params.operation === "findUnique" || params.operation === "findUniqueOrThrow"
            ? base.$transaction([open(), query(args)]).then((results) => results[1])
            : operationScope.run(opening, () => query(args).then((result) => result));
        if (!tracingActive()) return run();
        // a span per operation: the model and the operation, never the arguments
        return withSpan(
          `db ${params.model ?? "raw"}.${params.operation}`,
          { "db.system.name": "postgresql", "db.operation.name": params.operation, "db.collection.name": params.model ?? "", "cadre.db.scope": scope.kind },
          run,
          { kind: SpanKind.CLIENT },
        );
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
    client.release(releaseError(client, broken));
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

export { NO_TENANT, SYSTEM, tenantScope, userScope, orgScope, type DbScope, type PrivilegedPath, type ScopeLike } from "./scope";
