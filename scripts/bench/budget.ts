/**
 * `npm run bench:budget`: what a budget reservation costs per model call (server/ledger/reservations.ts), on
 * embedded PGlite (in memory, served on 127.0.0.1 as `npm start` does) or on the PostgreSQL server whose URL is the
 * first argument (a fresh scratch database, dropped at the end). Per call, median wall time:
 * - no limit: the fast path (the cached Budget row says there is nothing to reserve; no database read);
 * - the usage row alone (what every call writes anyway), and reservation + the usage row that settles it, with a run
 *   limit, then with a monthly limit over a month of BENCH_ROWS usage rows (default 20,000);
 * - the prompt estimate of an 8 kB prompt: the heuristic, and gpt-tokenizer's o200k_base (first count and cached).
 * BENCH_N sets the samples per variant (default 500).
 */
import { performance } from "node:perf_hooks";
import pg from "pg";

const serverUrl = process.argv[2];
const N = Number(process.env.BENCH_N ?? 500);
const ROWS = Number(process.env.BENCH_ROWS ?? 20_000);
const median = (x: number[]) => [...x].sort((p, q) => p - q)[Math.floor(x.length / 2)]!;
const ms = (x: number) => `${x.toFixed(3)} ms/call`;

async function timed(label: string, n: number, op: (i: number) => Promise<unknown> | unknown): Promise<number> {
  for (let i = 0; i < Math.min(50, n); i++) await op(-1 - i);
  const wall: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await op(i);
    wall.push(performance.now() - t);
  }
  const m = median(wall);
  console.log(`  ${label.padEnd(58)} ${ms(m)}`);
  return m;
}

async function main() {
  let url: string;
  let stop = async () => {};
  if (serverUrl) {
    const name = `cadre_bench_budget_${process.pid}`;
    const root = new pg.Client({ connectionString: serverUrl });
    await root.connect();
    await root.query(`CREATE DATABASE ${name}`);
    url = serverUrl.replace(/\/[^/]*$/, `/${name}`);
    stop = async () => {
      await root.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await root.end();
    };
  } else {
    const { startEmbeddedDatabase } = await import("../../server/db/embedded");
    const embedded = await startEmbeddedDatabase({});
    url = embedded.url;
    stop = () => embedded.stop();
  }
  try {
    const { migrate } = await import("../../server/db/migrate");
    const { setEnv } = await import("../../server/env");
    await migrate(url);
    setEnv("DATABASE_URL", url);
    setEnv("LOG_LEVEL", "silent");
    const { disconnectDb } = await import("../../server/db/client");
    const { execute } = await import("../../server/db/execute");
    const { sql } = await import("../../server/db/sql");
    const { reserveBudget } = await import("../../server/ledger/reservations");
    const { recordUsage } = await import("../../server/ledger/record");
    const { invalidateBudgetCache } = await import("../../server/ledger/budget-cache");
    const { estimatePromptTokens } = await import("../../server/models/gateway");
    await (await import("../../server/models/token-estimate")).loadTokenizers([{ modelId: "gpt-4o" }]);
    const { PrismaClient } = await import("../../server/db/generated/client");
    const { PrismaPg } = await import("@prisma/adapter-pg");
    const plain = new PrismaClient({ adapter: new PrismaPg({ connectionString: url, max: 2 }) });
    const ws = await plain.workspace.create({ data: { id: "ws_bench_budget", slug: "bench-budget", name: "bench" } });
    const ctx = {
      workspaceId: ws.id,
      workspaceSlug: ws.slug,
      actor: { type: "user", userId: "usr_bench" },
      role: "owner",
      permissions: new Set(),
    } as unknown as import("../../server/context").TenantContext;
    const usage = (runId: string, reservation?: import("../../server/ledger/reservations").BudgetReservation | null) =>
      recordUsage(ctx, {
        runId,
        modelName: "bench",
        providerKind: "openai_compatible",
        inputTokens: 500,
        outputTokens: 200,
        costUsd: 0.0001,
        latencyMs: 1,
        outcome: "ok",
        reservation,
      });

    console.log(`Budget reservation per model call, ${serverUrl ? "PostgreSQL server" : "embedded PGlite"}; ${N} samples each; Node ${process.version}`);
    await timed("no limit (fast path: nothing reserved)", N * 10, () => reserveBudget(ctx, { runId: "run_free", estimateUsd: 0.01, ttlMs: 60_000 }));
    const alone = await timed("usage row alone", N, () => usage("run_alone"));
    const run = await timed("run limit: reserve + settling usage row", N, async () => {
      const r = await reserveBudget(ctx, { runId: "run_limited", estimateUsd: 0.001, runLimitUsd: 1_000, ttlMs: 60_000 });
      await usage("run_limited", r);
    });
    console.log(`  ${"  → the reservation adds".padEnd(58)} ${ms(run - alone)}`);

    await execute(
      ctx,
      sql`INSERT INTO "UsageRecord" ("id", "workspaceId", "runId", "modelName", "providerKind", "costUsd", "outcome", "createdAt")
        SELECT 'use_bench_' || g, ${ws.id}, 'run_' || (g % 500), 'bench', 'openai_compatible', 0.0001, 'ok', (now() AT TIME ZONE 'UTC') - make_interval(secs => g % 3600)
        FROM generate_series(1, ${ROWS}) AS g`,
    );
    await plain.$executeRawUnsafe(`VACUUM ANALYZE "UsageRecord"`); // what autovacuum does after such a batch
    await plain.budget.create({ data: { workspaceId: ws.id, monthlyLimitUsd: 1_000_000, perRunLimitUsd: 1_000 } });
    invalidateBudgetCache(ws.id);
    const month = await timed(`monthly + run limit, ${ROWS} usage rows this month: reserve + settle`, N, async () => {
      const r = await reserveBudget(ctx, { runId: "run_month", estimateUsd: 0.001, ttlMs: 60_000 });
      await usage("run_month", r);
    });
    console.log(`  ${"  → the reservation adds".padEnd(58)} ${ms(month - alone)}`);

    const prompt = "The agent writes one section of the report and cites its sources. ".repeat(120).slice(0, 8_000);
    await timed("prompt estimate, 8 kB, heuristic", N, () => estimatePromptTokens({ prompt }));
    let k = 0;
    await timed("prompt estimate, 8 kB, o200k_base, a new prompt each time", Math.min(N, 200), () =>
      estimatePromptTokens({ prompt: `${k++} ${prompt}` }, "gpt-4o"),
    );
    await timed("prompt estimate, 8 kB, o200k_base, cached", N, () => estimatePromptTokens({ prompt }, "gpt-4o"));

    await plain.$disconnect();
    await disconnectDb();
  } finally {
    await stop();
  }
}
await main();
