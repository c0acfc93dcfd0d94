import { createHash, randomUUID } from "node:crypto";
import { readdirSync, readFileSync, existsSync } from "node:fs";
import path from "node:path";
import pg from "pg";

/**
 * Applies prisma/migrations/<name>/migration.sql in name order and records each in Prisma's standard
 * `_prisma_migrations` table (same columns and checksum), so the history stays readable by Prisma's
 * own tooling. Written here because the Prisma CLI's schema engine cannot be downloaded on these
 * machines, and the WebAssembly engine's apply path splits scripts on every `;` (STACK-NOTES.md).
 * Each migration runs in its own transaction; a failure rolls it back and stops start-up.
 */
export async function migrate(databaseUrl: string, migrationsDir = defaultMigrationsDir()): Promise<string[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(`CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
      "id" VARCHAR(36) PRIMARY KEY NOT NULL,
      "checksum" VARCHAR(64) NOT NULL,
      "finished_at" TIMESTAMPTZ,
      "migration_name" VARCHAR(255) NOT NULL,
      "logs" TEXT,
      "rolled_back_at" TIMESTAMPTZ,
      "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
      "applied_steps_count" INTEGER NOT NULL DEFAULT 0
    )`);
    // one migrator at a time when several app servers start against one database
    await client.query("SELECT pg_advisory_lock(727274)");
    try {
      const done = await client.query<{ migration_name: string; checksum: string }>(
        `SELECT migration_name, checksum FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`,
      );
      const applied = new Map(done.rows.map((r) => [r.migration_name, r.checksum]));
      const names = migrationNames(migrationsDir);
      const newlyApplied: string[] = [];
      for (const name of names) {
        const sql = readFileSync(path.join(migrationsDir, name, "migration.sql"), "utf8");
        const checksum = createHash("sha256").update(sql).digest("hex");
        const previous = applied.get(name);
        if (previous !== undefined) {
          if (previous !== checksum) {
            throw new Error(`Migration ${name} was changed after it was applied (checksum mismatch)`);
          }
          continue;
        }
        await client.query("BEGIN");
        try {
          await client.query(sql);
          await client.query(
            `INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, applied_steps_count)
             VALUES ($1, $2, now(), $3, 1)`,
            [randomUUID(), checksum, name],
          );
          await client.query("COMMIT");
        } catch (error) {
          await client.query("ROLLBACK");
          throw new Error(`Migration ${name} failed: ${(error as Error).message}`);
        }
        newlyApplied.push(name);
      }
      return newlyApplied;
    } finally {
      await client.query("SELECT pg_advisory_unlock(727274)");
    }
  } finally {
    await client.end();
  }
}

/** The migrations in a directory (default: the checkout's), in the order they apply. */
export function migrationNames(migrationsDir = defaultMigrationsDir()): string[] {
  if (!existsSync(migrationsDir)) return [];
  return readdirSync(migrationsDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(path.join(migrationsDir, d.name, "migration.sql")))
    .map((d) => d.name)
    .sort();
}

/**
 * What migrating would do, without doing it: the checkout's migrations not applied yet (pending) and applied ones
 * the checkout does not have (unknown: a newer release migrated this database).
 */
export async function migrationStatus(
  databaseUrl: string,
  migrationsDir = defaultMigrationsDir(),
  timeoutMs = 0,
): Promise<{ pending: string[]; unknown: string[] }> {
  const client = new pg.Client({
    connectionString: databaseUrl,
    connectionTimeoutMillis: timeoutMs ? timeoutMs + 1000 : 0,
    query_timeout: timeoutMs ? timeoutMs + 1000 : undefined,
  });
  // (a second later than the caller's own timeout, which answers first: these only end the abandoned attempt)
  client.on("error", () => undefined); // a connection lost after a timeout must not crash the process
  await client.connect();
  try {
    const exists = await client.query<{ t: string | null }>(`SELECT to_regclass('"_prisma_migrations"')::text AS t`);
    const applied = new Set<string>();
    if (exists.rows[0]?.t) {
      const done = await client.query<{ migration_name: string }>(
        `SELECT migration_name FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`,
      );
      for (const row of done.rows) applied.add(row.migration_name);
    }
    const names = migrationNames(migrationsDir);
    const known = new Set(names);
    return { pending: names.filter((n) => !applied.has(n)), unknown: [...applied].filter((n) => !known.has(n)).sort() };
  } finally {
    await client.end();
  }
}

export function defaultMigrationsDir(): string {
  return path.resolve(process.cwd(), "prisma", "migrations");
}
