import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { defaultMigrationsDir, migrationNames } from "@/server/db/migrate";
import { db, NO_TENANT, poolOptions } from "@/server/db/client";
import { setEnv } from "@/server/env";
import { lifecycle } from "@/server/lifecycle";
import { testPool } from "@/test/db";
import { readiness } from "./readiness";

/** The checkout's migrations plus one the database has not seen. */
function migrationsWithOneMore(): { dir: string; extra: string } {
  const dir = mkdtempSync(path.join(tmpdir(), "cadre-migrations-"));
  for (const name of migrationNames(defaultMigrationsDir())) {
    mkdirSync(path.join(dir, name));
    writeFileSync(path.join(dir, name, "migration.sql"), "");
  }
  const extra = "29991231_999_not_applied_yet";
  mkdirSync(path.join(dir, extra));
  writeFileSync(path.join(dir, extra, "migration.sql"), "SELECT 1;");
  return { dir, extra };
}

/** generous: this machine may be busy; the timeout itself is tested with a database that does not answer */
const T = { timeoutMs: 15_000 };

describe("readiness (/api/ready)", () => {
  beforeAll(async () => {
    await db(NO_TENANT).$queryRaw`SELECT 1`; // the client's first query loads the engine
  });
  afterEach(() => {
    lifecycle().draining = false;
    lifecycle().executor = "not-started";
  });

  it("is ready on a migrated database with a running executor, and reports the version with the build's commit", async () => {
    lifecycle().executor = "running";
    const report = await readiness(T);
    expect(report).toMatchObject({
      status: "ready",
      draining: false,
      checks: { database: { ok: true }, migrations: { ok: true, pending: [], unknown: [] }, executor: { ok: true, state: "running" } },
    });
    expect(report.version).toMatch(/^0\.1\.0\+/);
  });

  it("is not ready while migrations of this build are pending, and names them", async () => {
    const { dir, extra } = migrationsWithOneMore();
    const report = await readiness({ ...T, migrationsDir: dir });
    expect(report.status).toBe("not-ready");
    expect(report.checks.migrations).toEqual({ ok: false, pending: [extra], unknown: [] });
    // the database has migrations this (older) build does not know: reported, still ready
    const older = mkdtempSync(path.join(tmpdir(), "cadre-migrations-"));
    const names = migrationNames();
    for (const name of names.slice(0, -1)) {
      mkdirSync(path.join(older, name));
      writeFileSync(path.join(older, name, "migration.sql"), "");
    }
    const rollback = await readiness({ ...T, migrationsDir: older });
    expect(rollback.status).toBe("ready");
    expect(rollback.checks.migrations.unknown).toEqual([names.at(-1)]);
  });

  it("is not ready while draining after SIGTERM", async () => {
    lifecycle().executor = "running";
    lifecycle().draining = true;
    const report = await readiness(T);
    expect(report).toMatchObject({ status: "not-ready", draining: true, checks: { executor: { ok: false, state: "stopping" } } });
  });

  it("answers 503-worthy within its timeout when the database does not answer, instead of hanging", async () => {
    // another session holds the migrations table: the readiness query waits (on PGlite, the whole session waits)
    const blocker = await testPool().connect();
    await blocker.query("BEGIN");
    await blocker.query(`LOCK TABLE "_prisma_migrations" IN ACCESS EXCLUSIVE MODE`);
    try {
      const t0 = performance.now();
      const report = await readiness({ timeoutMs: 300 });
      const took = performance.now() - t0;
      expect(report.status).toBe("not-ready");
      expect(report.checks.database).toMatchObject({ ok: false, error: "no answer within 300 ms" });
      expect(took).toBeLessThan(1_500);
    } finally {
      await blocker.query("ROLLBACK");
      blocker.release();
    }
    // and ready again once it answers
    await expect.poll(async () => (await readiness(T)).checks.database.ok, { timeout: 10_000 }).toBe(true);
  });
});

describe("the connection pool's settings", () => {
  it("takes size and timeouts from the environment; session timeouts only on a PostgreSQL server", () => {
    const before = { ...process.env };
    try {
      setEnv("CADRE_DB_POOL_MAX", "3");
      setEnv("CADRE_DB_CONNECT_TIMEOUT_MS", "1500");
      setEnv("CADRE_DB_IDLE_TIMEOUT_MS", "2000");
      setEnv("CADRE_DB_STATEMENT_TIMEOUT_MS", "30000");
      setEnv("CADRE_DB_IDLE_IN_TRANSACTION_TIMEOUT_MS", "60000");
      setEnv("CADRE_DATABASE_MODE", "server");
      expect(poolOptions("postgresql://x@127.0.0.1/db")).toEqual({
        connectionString: "postgresql://x@127.0.0.1/db",
        max: 3,
        connectionTimeoutMillis: 1500,
        idleTimeoutMillis: 2000,
        statement_timeout: 30000,
        idle_in_transaction_session_timeout: 60000,
      });
      setEnv("CADRE_DATABASE_MODE", "embedded");
      const embedded = poolOptions("postgresql://x@127.0.0.1/db");
      expect(embedded).not.toHaveProperty("statement_timeout");
      expect(embedded).not.toHaveProperty("idle_in_transaction_session_timeout");
    } finally {
      for (const key of Object.keys(process.env)) if (!(key in before)) delete process.env[key];
      Object.assign(process.env, before);
      setEnv("NODE_ENV", before.NODE_ENV ?? "test");
    }
  });
});
