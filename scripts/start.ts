/**
 * The launcher: compiled to dist/start.js by `npm run build` and run by scripts/start.mjs (`npm start`), in one
 * process with Next. (`npm run dev` runs this file through tsx with --dev.)
 * - No DATABASE_URL: starts the embedded PostgreSQL (PGlite + pgvector, data in CADRE_DATA_DIR) on 127.0.0.1 in a
 *   worker thread, with the password in CADRE_DATA_DIR/db-password (generated on first start, mode 0600), and points
 *   DATABASE_URL at it. With DATABASE_URL: uses that server.
 * - The vault's master key: CADRE_MASTER_KEY, else (embedded mode only) CADRE_DATA_DIR/master.key, generated
 *   on first start; in server mode without CADRE_MASTER_KEY it refuses to start. Passed to Next via env.
 * - AUTH_SECRET likewise: required in server mode, else generated once into CADRE_DATA_DIR/auth-secret.
 * - Applies migrations (CADRE_MIGRATE=off: only reports pending ones; `npm run db:migrate` is the release step),
 *   runs headless initialisation when CADRE_INIT_* is set.
 * - Serves Next in this process (production) or runs `next dev` as a child (--dev).
 * - SIGTERM / SIGINT: stops accepting connections, reports not ready, lets the executor's runs finish their current
 *   step (they release their lease) and open requests end, within CADRE_SHUTDOWN_GRACE_SECONDS; only then closes the
 *   database (and the embedded one last). A second signal cuts the wait short.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import path from "node:path";
import { Worker } from "node:worker_threads";
import { env, setEnv } from "../server/env";
import { embeddedDatabasePassword, startEmbeddedDatabase, type EmbeddedDatabase } from "../server/db/embedded";
import { migrate, migrationStatus } from "../server/db/migrate";
import { launcherAuthSecret } from "../server/auth/launcher-secret";
import { claimEmbeddedLock } from "../server/db/embedded-lock";
import { launcherMasterKey } from "../server/vault/master-key";
import { lifecycle } from "../server/lifecycle";

const dev = process.argv.includes("--dev");
/** dist/start.js (compiled) rather than this file through tsx: the embedded database gets its worker thread */
const compiled = import.meta.url.endsWith(".js");
const log = (msg: string) => console.log(`[cadre] ${msg}`);

/** The embedded database in a worker thread (dist/embedded-db-worker.js). */
function startEmbeddedDatabaseWorker(options: { dataDir: string; port: number; password: string }): Promise<EmbeddedDatabase> {
  const worker = new Worker(new URL("./embedded-db-worker.js", import.meta.url), { workerData: options });
  return new Promise((resolve, reject) => {
    const onExit = (code: number) => reject(new Error(`the embedded database's worker exited (${code})`));
    worker.once("error", reject);
    worker.once("exit", onExit);
    worker.once("message", (message: { type: string; url?: string; message?: string }) => {
      if (message.type !== "ready") return reject(new Error(message.message ?? "the embedded database did not start"));
      worker.off("error", reject);
      worker.off("exit", onExit);
      resolve({
        url: message.url!,
        stop: () =>
          new Promise<void>((done) => {
            const finish = () => void worker.terminate().finally(done);
            worker.once("message", finish);
            worker.once("exit", () => done());
            worker.postMessage({ type: "stop" });
          }),
      });
    });
  });
}

async function main() {
  if (!dev) setEnv("NODE_ENV", "production");
  const dataDir = path.resolve(env().CADRE_DATA_DIR);
  // AUTH_SECRET: required in server mode (all servers share it); generated into the data directory when embedded
  const authSecret = launcherAuthSecret({ secret: env().AUTH_SECRET, previous: env().AUTH_SECRET_PREVIOUS, embedded: !env().DATABASE_URL, dataDir });
  if (authSecret.env.AUTH_SECRET) setEnv("AUTH_SECRET", authSecret.env.AUTH_SECRET);
  authSecret.messages.forEach(log);

  // the vault's master key, resolved before anything else starts: server mode without a key stops here
  const masterKey = launcherMasterKey({
    masterKey: env().CADRE_MASTER_KEY,
    previousKeys: env().CADRE_MASTER_KEY_PREVIOUS,
    embedded: !env().DATABASE_URL,
    dataDir,
  });
  for (const [name, value] of Object.entries(masterKey.env)) setEnv(name as "CADRE_MASTER_KEY" | "CADRE_MASTER_KEY_PREVIOUS", value);
  masterKey.messages.forEach(log);

  let embedded: EmbeddedDatabase | undefined;
  let releaseLock: (() => void) | undefined;
  const closeDatabase = async () => {
    const { disconnectDb } = await import("../server/db/client");
    await disconnectDb().catch(() => undefined);
    await embedded?.stop().catch(() => undefined);
    releaseLock?.();
  };
  try {
    if (env().DATABASE_URL) {
      setEnv("CADRE_DATABASE_MODE", "server");
      log("database: PostgreSQL server from DATABASE_URL");
    } else {
      const dir = path.join(dataDir, "pglite");
      const t0 = Date.now();
      releaseLock = await claimEmbeddedLock(dataDir, "starting Cadre");
      const password = embeddedDatabasePassword(dataDir);
      if (password.created) log(`generated the embedded database's password in ${password.file}`);
      const options = { dataDir: dir, port: env().CADRE_EMBEDDED_DB_PORT, password: password.value };
      const worker = compiled && !dev;
      const starting = worker ? startEmbeddedDatabaseWorker(options) : startEmbeddedDatabase(options);
      // the database starts in its worker thread while this thread loads Next's code (loading only: Next's
      // preparation, which reaches the database, waits for it below)
      [embedded] = await Promise.all([starting, worker ? preloadNext() : null]);
      setEnv("DATABASE_URL", embedded.url);
      setEnv("CADRE_DATABASE_MODE", "embedded");
      log(`database: embedded PostgreSQL (PGlite + pgvector) in ${dir}, ready in ${Date.now() - t0} ms`);
    }

    const e = env();
    const migrationUrl = (e.CADRE_DATABASE_MODE === "server" && e.CADRE_MIGRATE_DATABASE_URL) || e.DATABASE_URL!;
    if (e.CADRE_MIGRATE === "off" && e.CADRE_DATABASE_MODE === "server") {
      const status = await migrationStatus(migrationUrl);
      if (status.pending.length)
        log(
          `migrations are off (CADRE_MIGRATE=off) and ${status.pending.length} are pending: this server reports not ready until \`npm run db:migrate\` applied them`,
        );
      else log("database schema is up to date (migrations are off here)");
    } else {
      const applied = await migrate(migrationUrl);
      log(applied.length ? `applied migrations: ${applied.join(", ")}` : "database schema is up to date");
    }

    if (e.CADRE_INIT_USER_EMAIL && e.CADRE_INIT_USER_PASSWORD && e.CADRE_INIT_WORKSPACE_SLUG && e.CADRE_INIT_API_KEY) {
      const { initialise } = await import("../server/users/init");
      const { initProvidersFromEnv } = await import("../server/users/init-providers");
      const { disconnectDb } = await import("../server/db/client");
      const result = await initialise({
        email: e.CADRE_INIT_USER_EMAIL,
        password: e.CADRE_INIT_USER_PASSWORD,
        workspaceSlug: e.CADRE_INIT_WORKSPACE_SLUG,
        apiKey: e.CADRE_INIT_API_KEY,
        providers: initProvidersFromEnv(process.env),
      });
      await disconnectDb();
      log(
        `headless init: user ${result.createdUser ? "created" : "exists"}, workspace ${result.createdWorkspace ? "created" : "exists"}, API key ${result.createdKey ? "created" : "exists"}`,
      );
      for (const p of result.providers)
        log(
          p.status === "exists"
            ? `headless init: provider ${p.kind} was set up from the environment before (its variables are no longer read; you may remove them)`
            : `headless init: provider "${p.provider}" created with ${p.models} model(s)${p.warning ? ` (${p.warning})` : ""}`,
        );
    }
  } catch (error) {
    await closeDatabase();
    throw error;
  }

  if (dev) return runDev(closeDatabase);
  return serve(closeDatabase);
}

/** Production: Next in this process, behind our own HTTP server, so that this process also owns the shutdown. */
async function serve(closeDatabase: () => Promise<void>) {
  const e = env();
  const life = lifecycle();
  life.launcher = true;
  const next = await preloadNext();
  const app = next({ dev: false, dir: process.cwd(), hostname: e.HOSTNAME ?? "localhost", port: e.PORT });
  await app.prepare();
  const handle = app.getRequestHandler();
  const upgrade = app.getUpgradeHandler();
  let stopping = false;
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    // draining: no keep-alive, or a client that keeps reusing its connection (an EventSource reconnecting every
    // second to a stream that the drain ends) would hold the server open until the grace period is over
    if (stopping) res.setHeader("connection", "close");
    handle(req, res).catch((error: unknown) => {
      console.error(`[cadre] request failed: ${(error as Error).message}`);
      if (!res.headersSent) res.statusCode = 500;
      res.end();
    });
  });
  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    upgrade(req, socket, head).catch(() => socket.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(e.PORT, e.HOSTNAME, () => resolve());
  });
  log(`Cadre on http://${e.HOSTNAME ?? "localhost"}:${e.PORT} (started in ${Math.round(process.uptime() * 1000)} ms)`);

  const graceMs = e.CADRE_SHUTDOWN_GRACE_SECONDS * 1000;
  let hurry: () => void = () => undefined;
  const hurried = new Promise<void>((resolve) => (hurry = resolve));
  const shutdown = async (signal: NodeJS.Signals) => {
    if (stopping) {
      log(`${signal} again: not waiting any longer`);
      hurry();
      return;
    }
    stopping = true;
    const t0 = Date.now();
    log(`${signal}: draining for up to ${e.CADRE_SHUTDOWN_GRACE_SECONDS} s (no new connections; runs finish their current step)`);
    life.draining = true;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const drained = Promise.allSettled(life.drainHooks.map((hook) => hook()));
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      Promise.all([drained, closed]).then(() => "drained" as const),
      new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), graceMs))),
      hurried.then(() => "hurried" as const),
    ]);
    clearTimeout(timer);
    if (outcome !== "drained")
      log(`grace period ${outcome === "timeout" ? "over" : "cut short"}: closing what is still open (unfinished runs resume on the next start)`);
    server.closeAllConnections();
    await app.close().catch(() => undefined);
    await closeDatabase();
    log(`stopped after ${Date.now() - t0} ms: ${outcome === "drained" ? "drained, " : ""}database closed`);
    process.exit(0);
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
}

/**
 * Next's configuration as the build serialised it (.next/required-server-files.json), handed to Next the way its
 * standalone server.js does: the start then neither compiles nor runs next.config.ts (nor the git call in it).
 */
let nextModule: Promise<typeof import("next").default> | undefined;
/** Next's module, loaded once, with the build's configuration in place first. */
function preloadNext(): Promise<typeof import("next").default> {
  if (!nextModule) {
    useBuiltNextConfig(process.cwd());
    nextModule = import("next").then((m) => m.default);
  }
  return nextModule;
}

function useBuiltNextConfig(dir: string) {
  if (process.env.__NEXT_PRIVATE_STANDALONE_CONFIG) return;
  try {
    const { config } = JSON.parse(readFileSync(path.join(dir, ".next", "required-server-files.json"), "utf8")) as {
      config: Record<string, unknown> & { experimental: Record<string, unknown> };
    };
    process.env.__NEXT_PRIVATE_STANDALONE_CONFIG = JSON.stringify(config);
  } catch {
    // no manifest (an older build): Next loads next.config.ts itself
  }
}

/** Development: `next dev` as a child; a signal is passed on and the database closed once the child has exited. */
function runDev(closeDatabase: () => Promise<void>) {
  const e = env();
  const nextBin = path.resolve("node_modules", "next", "dist", "bin", "next");
  const args = [nextBin, "dev", "-p", String(e.PORT)];
  if (e.HOSTNAME) args.push("-H", e.HOSTNAME);
  const child: ChildProcess = spawn(process.execPath, args, { stdio: "inherit", env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" } });
  log(`Cadre (development) on http://${e.HOSTNAME ?? "localhost"}:${e.PORT}`);
  const exited = new Promise<number>((resolve) => child.once("exit", (code) => resolve(code ?? 0)));
  let stopping = false;
  const stop = async (code: number | null, signal?: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    if (signal && child.exitCode === null) child.kill(signal);
    const exitCode = code ?? (await Promise.race([exited, new Promise<number>((r) => setTimeout(() => r(0), e.CADRE_SHUTDOWN_GRACE_SECONDS * 1000 + 5000))]));
    if (child.exitCode === null) child.kill("SIGKILL");
    await closeDatabase();
    process.exit(exitCode);
  };
  process.on("SIGINT", () => void stop(null, "SIGINT"));
  process.on("SIGTERM", () => void stop(null, "SIGTERM"));
  void exited.then((code) => stop(code));
}

main().catch((error: unknown) => {
  console.error(`[cadre] start-up failed: ${(error as Error).message}`);
  process.exit(1);
});
