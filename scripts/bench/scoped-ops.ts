/**
 * `npm run bench:db`: what row-level security's scope costs per Prisma operation. The same reads and writes through
 * `db(scope)` and through a plain Prisma client without any scope (the pre-RLS data path), interleaved so that load
 * on the machine affects both alike; wall time per operation (median) and this process's CPU time per operation.
 * Database: a fresh `cadre_bench_db_<pid>` on the PostgreSQL server (default postgresql://postgres@127.0.0.1:5432/postgres,
 * or the URL given as the first argument), dropped at the end. BENCH_N sets the samples per variant (default 2000).
 */
import { performance } from "node:perf_hooks";
import pg from "pg";
import { PrismaPg } from "@prisma/adapter-pg";

const admin = process.argv[2] ?? "postgresql://postgres@127.0.0.1:5432/postgres";
const N = Number(process.env.BENCH_N ?? 2000);
const name = `cadre_bench_db_${process.pid}`;
const median = (x: number[]) => [...x].sort((p, q) => p - q)[Math.floor(x.length / 2)]!;

async function main() {
  const root = new pg.Client({ connectionString: admin });
  await root.connect();
  await root.query(`CREATE DATABASE ${name}`);
  const url = admin.replace(/\/[^/]*$/, `/${name}`);
  try {
    const { migrate } = await import("../../server/db/migrate");
    const { setEnv } = await import("../../server/env");
    await migrate(url);
    setEnv("DATABASE_URL", url);
    setEnv("LOG_LEVEL", "silent");
    const { db, disconnectDb } = await import("../../server/db/client");
    const { PrismaClient } = await import("../../server/db/generated/client");
    const plain = new PrismaClient({ adapter: new PrismaPg({ connectionString: url, max: 10 }) });
    const ws = await plain.workspace.create({ data: { id: "ws_bench", slug: "bench", name: "bench" } });
    const user = await plain.user.create({ data: { id: "usr_bench", email: "bench@example.test", name: "bench" } });
    const member = await plain.membership.create({ data: { id: "mem_bench", workspaceId: ws.id, userId: user.id, role: "owner" } });
    const ctx = { workspaceId: ws.id };
    let n = 0;
    const audit = (client: typeof plain) =>
      client.auditLog.create({ data: { id: `aud_${n++}`, workspaceId: ws.id, actorType: "system", action: "bench.write", targetType: "bench" } });
    const ops: Record<string, (client: typeof plain) => Promise<unknown>> = {
      "findFirst (membership)": (c) => c.membership.findFirst({ where: { workspaceId: ws.id, userId: user.id } }),
      "findUnique (membership)": (c) => c.membership.findUnique({ where: { id: member.id } }),
      "create (audit row)": audit,
      "update (workspace)": (c) => c.workspace.update({ where: { id: ws.id }, data: { name: "bench" } }),
      "$transaction: read + write": (c) =>
        c.$transaction(async (tx) => {
          await tx.membership.findFirst({ where: { workspaceId: ws.id } });
          await tx.workspace.update({ where: { id: ws.id }, data: { name: "bench" } });
        }),
    };
    console.log(`Scoped data path vs. a plain client, PostgreSQL server; ${N} interleaved samples each; Node ${process.version}`);
    for (const [label, op] of Object.entries(ops)) {
      const variants = [() => op(plain), () => op(db(ctx) as unknown as typeof plain)] as const;
      for (let i = 0; i < 200; i++) for (const v of variants) await v();
      const wall: [number[], number[]] = [[], []];
      for (let i = 0; i < N; i++) {
        for (const [k, v] of variants.entries()) {
          const t = performance.now();
          await v();
          wall[k]!.push(performance.now() - t);
        }
      }
      const cpu: [number[], number[]] = [[], []];
      for (let r = 0; r < 5; r++) {
        for (const [k, v] of variants.entries()) {
          const c = process.cpuUsage();
          for (let i = 0; i < 200; i++) await v();
          const d = process.cpuUsage(c);
          cpu[k]!.push((d.user + d.system) / 1000 / 200);
        }
      }
      const f = (x: number) => `${x.toFixed(3)} ms`;
      console.log(`  ${label.padEnd(28)} plain ${f(median(wall[0]))} (cpu ${f(median(cpu[0]))})   db(scope) ${f(median(wall[1]))} (cpu ${f(median(cpu[1]))})`);
    }
    await plain.$disconnect();
    await disconnectDb();
  } finally {
    await root.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await root.end();
  }
}
await main();
