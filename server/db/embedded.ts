import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { mkdirSync } from "node:fs";
import type { Socket } from "node:net";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { btree_gin } from "@electric-sql/pglite/contrib/btree_gin";
import { vector } from "@electric-sql/pglite-pgvector";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import { persistedSecret } from "./secrets-file";

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

/**
 * Starts PGlite (PostgreSQL in WebAssembly, with pgvector and btree_gin) and serves it over the Postgres wire
 * protocol on 127.0.0.1, so the app uses the same driver (pg + Prisma's adapter) in both modes.
 * `dataDir` undefined means in-memory (tests). Every connection must give `password` (md5 authentication, see
 * `requirePassword`); without one, a random password is generated for this process.
 */
export async function startEmbeddedDatabase(options: { dataDir?: string; port?: number; password?: string }): Promise<EmbeddedDatabase> {
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
  const password = options.password ?? randomBytes(24).toString("base64url");
  const db = await PGlite.create(options.dataDir ?? "memory://", { extensions: { vector, btree_gin } });
  await db.exec("CREATE EXTENSION IF NOT EXISTS vector");
  const server = new PGLiteSocketServer({ db, host: "127.0.0.1", port: options.port ?? 0, maxConnections: 64 });
  keepExtendedQueriesTogether(server);
  requirePassword(server, password);
  await server.start();
  const conn = server.getServerConn(); // "127.0.0.1:PORT"
  const port = Number(conn.split(":").pop());
  return {
    url: `postgresql://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres?sslmode=disable`,
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}

/** Called with each protocol message the embedded database executed and the time it took (benchmarks only). */
export type StatementTimer = (message: Uint8Array, ms: number) => void;
let statementTimer: StatementTimer | null = null;

/** Times every message the embedded database executes from now on (null stops): `BENCH_LIST_SQL=1 npm run bench:orchestration -- --only 2b`. */
export function timeEmbeddedStatements(timer: StatementTimer | null): void {
  statementTimer = timer;
}

interface QueuedMessage {
  handlerId: number;
  message: Uint8Array;
  resolve(bytes: number): void;
  reject(error: unknown): void;
  onData(data: Uint8Array): void;
}
interface QueryQueue {
  db: PGlite;
  queue: QueuedMessage[];
  processing: boolean;
  lastHandlerId: number | null;
  processQueue(): Promise<void>;
  clearTransactionIfNeeded(handlerId: number): Promise<void>;
}

// Parse, Bind, Describe, Execute, Close, Flush: messages of an extended-query sequence that ends with Sync
const EXTENDED = new Set([0x50, 0x42, 0x44, 0x45, 0x43, 0x48]);
const SYNC = 0x53;

/**
 * pglite-socket 0.2.17 interleaves the connections' protocol messages one by one (it keeps a connection's
 * messages together only inside a transaction). PGlite is one session, so another connection's message
 * arriving between a Parse and its Bind/Execute destroys the unnamed prepared statement ("unnamed prepared
 * statement does not exist"), e.g. when a large query arrives in several TCP chunks. This keeps a connection's
 * extended-query sequence together up to its Sync, and keeps the queue running after a failed message
 * (the original stops processing for good). Reproduced and covered by server/db/embedded.test.ts.
 */
function keepExtendedQueriesTogether(server: PGLiteSocketServer): void {
  const q = (server as unknown as { queryQueue: QueryQueue }).queryQueue;
  let awaitingSync = false;
  q.processQueue = async function processQueue(this: QueryQueue) {
    if (this.processing || this.queue.length === 0) return;
    this.processing = true;
    try {
      while (this.queue.length > 0) {
        const sticky = this.lastHandlerId !== null && (awaitingSync || this.db.isInTransaction());
        const index = sticky ? this.queue.findIndex((m) => m.handlerId === this.lastHandlerId) : 0;
        if (index === -1) break; // wait for that connection's next message; enqueue() restarts the loop
        const item = this.queue.splice(index, 1)[0]!;
        const type = item.message[0]!;
        let bytes = 0;
        const startedAt = statementTimer ? performance.now() : 0;
        try {
          await this.db.runExclusive(() =>
            this.db.execProtocolRawStream(item.message, {
              onRawData: (data: Uint8Array) => {
                bytes += data.length;
                item.onData(data);
              },
            }),
          );
        } catch (error) {
          awaitingSync = false;
          this.lastHandlerId = null;
          item.reject(error);
          continue;
        }
        statementTimer?.(item.message, performance.now() - startedAt);
        this.lastHandlerId = item.handlerId;
        if (EXTENDED.has(type)) awaitingSync = true;
        else if (type === SYNC) awaitingSync = false;
        item.resolve(bytes);
      }
    } finally {
      this.processing = false;
    }
  };
  const clear = q.clearTransactionIfNeeded.bind(q);
  q.clearTransactionIfNeeded = async function clearTransactionIfNeeded(this: QueryQueue, handlerId: number) {
    // a connection that went away in the middle of a sequence must not hold the queue
    if (this.lastHandlerId === handlerId && awaitingSync) {
      awaitingSync = false;
      if (!this.db.isInTransaction()) this.lastHandlerId = null;
    }
    await clear(handlerId);
    await this.processQueue();
  };
}

/**
 * The embedded database's password: generated on first start into CADRE_DATA_DIR/db-password (mode 0600, like
 * master.key and auth-secret), read from there afterwards.
 */
export function embeddedDatabasePassword(dataDir: string): { value: string; created: boolean; file: string } {
  return { ...persistedSecret(dataDir, "db-password"), file: path.join(dataDir, "db-password") };
}

const PROTOCOL_3 = 196608;
const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;
const MAX_STARTUP_BYTES = 10_000;
const AUTH_TIMEOUT_MS = 10_000;

/**
 * pglite-socket 0.2.17 hands every connection to PGlite, which trusts anyone as the superuser. This puts an
 * authentication exchange in front of it: the startup message is held back, the client is asked for an md5
 * password (AuthenticationMD5Password with a fresh salt) and refused with FATAL 28P01 unless it matches; only then
 * is the socket given to pglite-socket and the startup message replayed, which PGlite answers with
 * AuthenticationOk. SSL and GSS encryption requests are declined, cancel requests dropped (PGlite cannot cancel).
 */
function requirePassword(server: PGLiteSocketServer, password: string): void {
  const s = server as unknown as { handleConnection(socket: Socket): Promise<void> };
  const handOver = s.handleConnection.bind(server);
  s.handleConnection = async (socket: Socket) => {
    const startup = await authenticate(socket, password);
    if (!startup) return;
    await handOver(socket);
    socket.emit("data", startup);
    socket.resume();
  };
}

function md5(data: Buffer | string): string {
  return createHash("md5").update(data).digest("hex");
}

function fatal(code: string, message: string): Buffer {
  const fields = Buffer.from(`SFATAL\0VFATAL\0C${code}\0M${message}\0\0`, "utf8");
  const header = Buffer.alloc(5);
  header.write("E", 0);
  header.writeInt32BE(4 + fields.length, 1);
  return Buffer.concat([header, fields]);
}

function startupUser(message: Buffer): string {
  const parts = message.subarray(8).toString("utf8").split("\0");
  for (let i = 0; i + 1 < parts.length; i += 2) if (parts[i] === "user") return parts[i + 1]!;
  return "";
}

/** Resolves with the client's startup message once it proved the password, or null when it was refused or left. */
function authenticate(socket: Socket, password: string): Promise<Buffer | null> {
  return new Promise((resolve) => {
    let buffer = Buffer.alloc(0);
    let startup: Buffer | null = null;
    let expected = "";
    const salt = randomBytes(4);
    const finish = (result: Buffer | null) => {
      clearTimeout(timer);
      socket.off("data", onData);
      socket.off("error", onGone);
      socket.off("close", onGone);
      if (result) socket.pause();
      else socket.on("error", () => undefined); // a reset after the refusal must not crash the process
      resolve(result);
    };
    const refuse = (code: string, message: string) => {
      socket.end(fatal(code, message));
      finish(null);
    };
    const onGone = () => finish(null);
    const timer = setTimeout(() => {
      socket.destroy();
      finish(null);
    }, AUTH_TIMEOUT_MS);
    const onData = (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      while (!startup) {
        if (buffer.length < 8) return;
        const length = buffer.readInt32BE(0);
        const code = buffer.readInt32BE(4);
        if (length < 8 || length > MAX_STARTUP_BYTES) return refuse("08P01", "invalid startup packet");
        if (buffer.length < length) return;
        const message = buffer.subarray(0, length);
        buffer = buffer.subarray(length);
        if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
          socket.write("N");
          continue;
        }
        if (code === CANCEL_REQUEST) {
          socket.end();
          return finish(null);
        }
        if (code !== PROTOCOL_3) return refuse("08P01", "unsupported frontend protocol");
        startup = Buffer.from(message);
        expected = `md5${md5(Buffer.concat([Buffer.from(md5(password + startupUser(startup))), salt]))}`;
        const request = Buffer.alloc(13);
        request.write("R", 0);
        request.writeInt32BE(12, 1);
        request.writeInt32BE(5, 5); // AuthenticationMD5Password
        salt.copy(request, 9);
        socket.write(request);
      }
      if (buffer.length < 5) return;
      const length = buffer.readInt32BE(1);
      if (buffer[0] !== 0x70 || length < 5 || length > 1_000) return refuse("08P01", "expected a password message");
      if (buffer.length < 1 + length) return;
      const given = Buffer.from(buffer.subarray(5, length).toString("utf8").replace(/\0$/, ""));
      const rest = buffer.subarray(1 + length);
      const want = Buffer.from(expected);
      if (given.length !== want.length || !timingSafeEqual(given, want)) {
        return refuse("28P01", `password authentication failed for user "${startupUser(startup)}"`);
      }
      finish(rest.length ? Buffer.concat([startup, rest]) : startup);
    };
    socket.on("data", onData);
    socket.on("error", onGone);
    socket.on("close", onGone);
  });
}
