import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, inject, it } from "vitest";
import pg from "pg";
import { migrate } from "./migrate";
import { uniq } from "@/test/helpers";

const url = inject("databaseUrl");
const dir = mkdtempSync(path.join(tmpdir(), "cadre-migrations-"));
const suffix = uniq();
const table = `probe_${suffix}`;

function writeMigration(name: string, sql: string) {
  mkdirSync(path.join(dir, name), { recursive: true });
  writeFileSync(path.join(dir, name, "migration.sql"), sql);
}

async function query(sql: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await query(`DROP TABLE IF EXISTS "${table}"`);
  // the probe's records would read as unknown migrations to the readiness check of files that run later
  await query(`DELETE FROM "_prisma_migrations" WHERE migration_name LIKE '%${suffix}%'`);
});

describe("migration runner", () => {
  it("applies pending migrations once, in order, and records them in _prisma_migrations", async () => {
    writeMigration(`1_${suffix}_create`, `CREATE TABLE "${table}" (id int primary key);`);
    writeMigration(`2_${suffix}_insert`, `INSERT INTO "${table}" VALUES (1); INSERT INTO "${table}" VALUES (2);`);
    expect(await migrate(url, dir)).toEqual([`1_${suffix}_create`, `2_${suffix}_insert`]);
    expect(await migrate(url, dir)).toEqual([]);
    expect(await query(`SELECT count(*)::int AS n FROM "${table}"`)).toEqual([{ n: 2 }]);
    const recorded = await query(
      `SELECT migration_name, length(checksum) AS len, finished_at IS NOT NULL AS done FROM "_prisma_migrations" WHERE migration_name LIKE '%${suffix}%' ORDER BY migration_name`,
    );
    expect(recorded).toEqual([
      { migration_name: `1_${suffix}_create`, len: 64, done: true },
      { migration_name: `2_${suffix}_insert`, len: 64, done: true },
    ]);
  });

  it("rolls back a failing migration entirely and refuses an edited applied one", async () => {
    writeMigration(`3_${suffix}_broken`, `INSERT INTO "${table}" VALUES (3); SELECT no_such_function();`);
    await expect(migrate(url, dir)).rejects.toThrow(/3_.*failed/);
    expect(await query(`SELECT count(*)::int AS n FROM "${table}"`)).toEqual([{ n: 2 }]);
    rmSync(path.join(dir, `3_${suffix}_broken`), { recursive: true });
    writeMigration(`1_${suffix}_create`, `CREATE TABLE "${table}" (id bigint primary key);`);
    await expect(migrate(url, dir)).rejects.toThrow(/changed after it was applied/);
  });
});
