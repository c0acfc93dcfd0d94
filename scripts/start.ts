/**
 * `npm start`: brings Cadre up on PORT (default 3000).
 * - No DATABASE_URL: starts the embedded PostgreSQL (PGlite + pgvector, data in CADRE_DATA_DIR) on
 *   127.0.0.1, with the password in CADRE_DATA_DIR/db-password (generated on first start, mode 0600), and points
 *   DATABASE_URL at it. With DATABASE_URL: uses that server.
 * - The vault's master key: CADRE_MASTER_KEY, else (embedded mode only) CADRE_DATA_DIR/master.key, generated
 *   on first start; in server mode without CADRE_MASTER_KEY it refuses to start. Passed to Next via env.
 * - AUTH_SECRET likewise: required in server mode, else generated once into CADRE_DATA_DIR/auth-secret.
 * - Applies migrations, runs headless initialisation when CADRE_INIT_* is set.
 * - Builds the app if there is no build yet, then runs `next start` (or `next dev` with --dev).
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { env, setEnv } from "../server/env";
import { embeddedDatabasePassword, startEmbeddedDatabase, type EmbeddedDatabase } from "../server/db/embedded";
import { migrate } from "../server/db/migrate";
import { launcherAuthSecret } from "../server/auth/launcher-secret";
import { claimEmbeddedLock } from "../server/db/embedded-lock";
import { launcherMasterKey } from "../server/vault/master-key";

const dev = process.argv.includes("--dev");
const log = (msg: string) => console.log(`[cadre] ${msg}`);

async function main() {
  const dataDir = path.resolve(env().CADRE_DATA_DIR);
  // AUTH_SECRET: required in server mode (all servers share it); generated into the data directory when embedded
  const authSecret = launcherAuthSecret({ secret: env().AUTH_SECRET, previous: env().AUTH_SECRET_PREVIOUS, embedded: !env().DATABASE_URL, dataDir });
  if (authSecret.env.AUTH_SECRET) setEnv("AUTH_SECRET", authSecret.env.AUTH_SECRET);
  authSecret.messages.forEach(log);

  // the vault's master key, resolved before anything else starts: server mode without a key stops here
  const masterKey = launcherMasterKey({
    masterKey: env().CADRE_MASTER_KEY, previousKeys: env().CADRE_MASTER_KEY_PREVIOUS, embedded: !env().DATABASE_URL, dataDir,
  });
  for (const [name, value] of Object.entries(masterKey.env)) setEnv(name as "CADRE_MASTER_KEY" | "CADRE_MASTER_KEY_PREVIOUS", value);
  masterKey.messages.forEach(log);

  let embedded: EmbeddedDatabase | undefined;
  let releaseLock: (() => void) | undefined;
  if (env().DATABASE_URL) {
    setEnv("CADRE_DATABASE_MODE", "server");
    log("database: PostgreSQL server from DATABASE_URL");
  } else {
    const dir = path.join(dataDir, "pglite");
    const t0 = Date.now();
    releaseLock = await claimEmbeddedLock(dataDir, "starting Cadre");
    const password = embeddedDatabasePassword(dataDir);
    if (password.created) log(`generated the embedded database's password in ${password.file}`);
    embedded = await startEmbeddedDatabase({ dataDir: dir, port: env().CADRE_EMBEDDED_DB_PORT, password: password.value });
    setEnv("DATABASE_URL", embedded.url);
    setEnv("CADRE_DATABASE_MODE", "embedded");
    log(`database: embedded PostgreSQL (PGlite + pgvector) in ${dir}, ready in ${Date.now() - t0} ms`);
  }

  const applied = await migrate(env().DATABASE_URL!);
  log(applied.length ? `applied migrations: ${applied.join(", ")}` : "database schema is up to date");

  const e = env();
  if (e.CADRE_INIT_USER_EMAIL && e.CADRE_INIT_USER_PASSWORD && e.CADRE_INIT_WORKSPACE_SLUG && e.CADRE_INIT_API_KEY) {
    const { initialise } = await import("../server/users/init");
    const { disconnectDb } = await import("../server/db/client");
    const result = await initialise({
      email: e.CADRE_INIT_USER_EMAIL, password: e.CADRE_INIT_USER_PASSWORD,
      workspaceSlug: e.CADRE_INIT_WORKSPACE_SLUG, apiKey: e.CADRE_INIT_API_KEY,
    });
    await disconnectDb();
    log(`headless init: user ${result.createdUser ? "created" : "exists"}, workspace ${result.createdWorkspace ? "created" : "exists"}, API key ${result.createdKey ? "created" : "exists"}`);
  }

  const nextBin = path.resolve("node_modules", "next", "dist", "bin", "next");
  if (!dev && !existsSync(path.resolve(".next", "BUILD_ID"))) {
    log("no production build yet: running `next build` (about a minute, once)");
    const built = spawnSync(process.execPath, [nextBin, "build"], { stdio: "inherit", env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" } });
    if (built.status !== 0) throw new Error("next build failed");
  }

  const args = [nextBin, dev ? "dev" : "start", "-p", String(e.PORT)];
  if (e.HOSTNAME) args.push("-H", e.HOSTNAME);
  const child = spawn(process.execPath, args, { stdio: "inherit", env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" } });
  log(`Cadre on http://${e.HOSTNAME ?? "localhost"}:${e.PORT}`);

  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    if (child.exitCode === null) child.kill("SIGTERM");
    await embedded?.stop().catch(() => undefined);
    releaseLock?.();
    process.exit(code);
  };
  process.on("SIGINT", () => void stop(0));
  process.on("SIGTERM", () => void stop(0));
  child.on("exit", (code) => void stop(code ?? 0));
}

main().catch((error: unknown) => {
  console.error(`[cadre] start-up failed: ${(error as Error).message}`);
  process.exit(1);
});
