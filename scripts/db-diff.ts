/**
 * `npm run db:diff -- <name> [--from <git-rev>|--from-empty]`: writes a new migration
 * prisma/migrations/<timestamp>_<name>/migration.sql with the SQL that takes the schema at <git-rev>
 * (default HEAD) to the working copy's prisma/schema.prisma.
 *
 * It drives Prisma's own schema engine compiled to WebAssembly (@prisma/schema-engine-wasm), because
 * the CLI's native engine cannot be downloaded on these machines. Diffing two datamodels reads no
 * database but the engine connects at start: DATABASE_URL, else the local server on 127.0.0.1:5432.
 * Review the file: SQL kept by hand in earlier migrations (extensions, HNSW indexes) is not in the datamodel.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { PrismaPg } from "@prisma/adapter-pg";

async function loadEngine() {
  const dir = path.resolve("node_modules/@prisma/schema-engine-wasm");
  const bg = await import(path.join(dir, "schema_engine_bg.js"));
  const { instance } = await WebAssembly.instantiate(readFileSync(path.join(dir, "schema_engine_bg.wasm")), { "./schema_engine_bg.js": bg });
  bg.__wbg_set_wasm(instance.exports);
  (instance.exports as { __wbindgen_start: () => void }).__wbindgen_start();
  const utils = await import(path.resolve("node_modules/@prisma/driver-adapter-utils/dist/index.mjs"));
  const adapter = utils.bindMigrationAwareSqlAdapterFactory(
    new PrismaPg({ connectionString: process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres" }),
  );
  return bg.SchemaEngine.new({ datamodels: undefined }, () => {}, adapter);
}

async function main() {
  const args = process.argv.slice(2);
  const name = args.find((a) => !a.startsWith("--") && args[args.indexOf(a) - 1] !== "--from");
  if (!name || !/^[a-z0-9_]+$/.test(name)) throw new Error("usage: npm run db:diff -- <snake_case_name> [--from <git-rev>|--from-empty]");
  const fromIdx = args.indexOf("--from");
  const rev = fromIdx >= 0 ? args[fromIdx + 1] : "HEAD";
  const to = readFileSync("prisma/schema.prisma", "utf8");
  const from = args.includes("--from-empty")
    ? { tag: "empty" }
    : {
        tag: "schemaDatamodel",
        files: [{ path: "schema.prisma", content: execFileSync("git", ["show", `${rev}:prisma/schema.prisma`], { encoding: "utf8" }) }],
      };
  const engine = await loadEngine();
  const result = await engine.diff({
    from,
    to: { tag: "schemaDatamodel", files: [{ path: "schema.prisma", content: to }] },
    script: true,
    exitCode: null,
    filters: { externalTables: [], externalEnums: [] },
  });
  const sql = String(result.stdout ?? "").replace(/^-- CreateSchema\nCREATE SCHEMA IF NOT EXISTS "public";\n\n/, "");
  if (!sql.trim() || /^-- This is an empty migration/.test(sql.trim())) {
    console.log("no schema changes");
    return;
  }
  const stamp = new Date().toISOString().replace(/\D/g, "").slice(0, 14);
  const dir = path.join("prisma", "migrations", `${stamp}_${name}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, "migration.sql"), sql);
  console.log(`wrote ${dir}/migration.sql`);
}

main().catch((error: unknown) => {
  console.error((error as Error).message);
  process.exit(1);
});
