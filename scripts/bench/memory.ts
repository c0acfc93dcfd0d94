/**
 * `npm run bench:memory [postgresql://…]`: memory at size, on the PostgreSQL server whose URL is the first argument (a
 * scratch database, dropped at the end) or on embedded PGlite (served on 127.0.0.1 as `npm start` does).
 * - ingestion: the clustered 384-dimension corpus (scripts/bench/memory-corpus.ts) generated in the database, 1,000
 *   rows a statement, the HNSW and full-text indexes maintained: rows/s; and `remember` through the service (the
 *   simulator's embedding, the cap's check, the audit entry): rows/s;
 * - tenant-filtered hybrid recall (recallByVector: the candidate query of HNSW and full text, fusion, the rows' read
 *   and their lastRecalledAt): p50/p95 over random workspaces and queries (half a topic's words, half an identifier);
 * - recall@10 of the vector search against exact search, per workspace;
 * - what memory adds to an agent step with a 0 ms model: `recall` (the query embedded by the simulator, k = 3) plus
 *   the injected context (recallForStep + userPromptOf, as an agent step does): median.
 * Sizes: BENCH_WORKSPACES (default 10), BENCH_ROWS per workspace (default 100,000 on PostgreSQL, 10,000 on PGlite),
 * BENCH_QUERIES (default 300), BENCH_EXACT (queries checked against exact search, default 50).
 */
import { performance } from "node:perf_hooks";
import os from "node:os";
import { scratchDatabase } from "./scratch-database";

const serverUrl = process.argv[2];
const WORKSPACES = Number(process.env.BENCH_WORKSPACES ?? 10);
const ROWS = Number(process.env.BENCH_ROWS ?? (serverUrl ? 100_000 : 10_000));
const QUERIES = Number(process.env.BENCH_QUERIES ?? 300);
const EXACT = Number(process.env.BENCH_EXACT ?? 50);
const CHUNK = 1000;
const CLUSTERS = 50;

const sorted = (x: number[]) => [...x].sort((p, q) => p - q);
const pct = (x: number[], p: number) => sorted(x)[Math.min(x.length - 1, Math.floor(x.length * p))]!;
const ms = (x: number) => `${x.toFixed(2)} ms`;

async function main() {
  const { url, stop } = await scratchDatabase(serverUrl, "memory");
  try {
    const { migrate } = await import("../../server/db/migrate");
    const { setEnv } = await import("../../server/env");
    await migrate(url);
    setEnv("DATABASE_URL", url);
    setEnv("LOG_LEVEL", "silent");
    setEnv("CADRE_MEMORY_LIMIT", String(Math.max(ROWS * 2, 100_000)));
    setEnv("CADRE_MEMORY_LIMIT_MAX", String(Math.max(ROWS * 2, 1_000_000)));
    const { disconnectDb } = await import("../../server/db/client");
    const { execute, executeBatch } = await import("../../server/db/execute");
    const { sql } = await import("../../server/db/sql");
    const { permissionsOf } = await import("../../lib/permissions");
    const { PrismaClient } = await import("../../server/db/generated/client");
    const { PrismaPg } = await import("@prisma/adapter-pg");
    const { remember } = await import("../../server/memory/service");
    const { recall, recallByVector } = await import("../../server/memory/recall");
    const { recallForStep } = await import("../../server/memory/inject");
    const { userPromptOf } = await import("../../server/jobs/prompts");
    const corpusLib = await import("./memory-corpus");
    type Ctx = import("../../server/context").TenantContext;

    const plain = new PrismaClient({ adapter: new PrismaPg({ connectionString: url, max: 2 }) });
    const user = await plain.user.create({ data: { id: "usr_bench_memory", email: "bench-memory@example.test" } });
    const ctxs: Ctx[] = [];
    for (let w = 0; w < WORKSPACES; w++) {
      const ws = await plain.workspace.create({ data: { id: `ws_bench_memory_${w}`, slug: `bench-memory-${w}`, name: "bench" } });
      await plain.membership.create({ data: { id: `mem_bench_memory_${w}`, workspaceId: ws.id, userId: user.id, role: "owner" } });
      ctxs.push({
        workspaceId: ws.id,
        workspaceSlug: ws.slug,
        actor: { type: "user", userId: user.id },
        role: "owner",
        permissions: new Set(permissionsOf("owner")),
      } as unknown as Ctx);
    }
    const load = os.loadavg().map((x) => x.toFixed(2));
    console.log(
      `Memory, ${serverUrl ? "PostgreSQL server" : "embedded PGlite"}: ${WORKSPACES} workspaces × ${ROWS} memories of 384 dimensions; ${os.cpus().length} cores, load ${load.join(" ")}; Node ${process.version}`,
    );

    // the simulator's label: the corpus is stored under it, so recall() with the simulator's query embedding searches it
    const first = await remember(ctxs[0]!, { content: "bench seed memory" });
    const model = first.embeddingModel;
    const c = corpusLib.corpus(20261213, CLUSTERS);

    // ingestion in bulk
    let t = performance.now();
    for (const ctx of ctxs) {
      for (let from = 1; from <= ROWS; from += CHUNK) {
        await execute(ctx, corpusLib.generatedRowsSql({ workspaceId: ctx.workspaceId, centers: c.centers, from, to: Math.min(ROWS, from + CHUNK - 1), model }));
      }
      process.stdout.write(".");
    }
    const bulkSeconds = (performance.now() - t) / 1000;
    console.log(
      `\n  bulk ingestion (generated in the database, ${CHUNK} rows a statement, indexes maintained)  ${Math.round((WORKSPACES * ROWS) / bulkSeconds)} rows/s (${bulkSeconds.toFixed(1)} s)`,
    );
    await plain.$executeRawUnsafe(`ANALYZE "Memory"`);

    const N_REMEMBER = 200;
    t = performance.now();
    for (let i = 0; i < N_REMEMBER; i++) await remember(ctxs[i % WORKSPACES]!, { content: `Order ORD-${48000 + i} was refunded after a courier delay` });
    const rememberSeconds = (performance.now() - t) / 1000;
    console.log(
      `  remember through the service (embedding, cap check, row + audit entry), one at a time      ${Math.round(N_REMEMBER / rememberSeconds)} rows/s`,
    );

    const WORDS = ["invoice", "shipment", "login", "refund", "meeting", "contract", "ticket", "backup", "deploy", "budget", "survey", "renewal"];
    const queryOf = (i: number) => {
      const cluster = Math.floor(c.rand() * CLUSTERS);
      const text = i % 2 === 0 ? `${WORDS[cluster % WORDS.length]} topic ${cluster}` : `ORD-${48000 + Math.floor(c.rand() * 400)}`;
      return { ctx: ctxs[Math.floor(c.rand() * WORKSPACES)]!, text, vector: corpusLib.around(c.centers[cluster]!, 1, c.rand) };
    };

    // hybrid recall latency
    for (let i = 0; i < 20; i++) {
      const q = queryOf(i);
      await recallByVector(q.ctx, { query: q.text, k: 10 }, { vector: q.vector, model, simulated: true });
    }
    const lat: number[] = [];
    for (let i = 0; i < QUERIES; i++) {
      const q = queryOf(i);
      t = performance.now();
      const r = await recallByVector(q.ctx, { query: q.text, k: 10 }, { vector: q.vector, model, simulated: true });
      lat.push(performance.now() - t);
      if (r.results.length < 10) throw new Error(`recall returned ${r.results.length} results`);
    }
    console.log(
      `  tenant-filtered hybrid recall, k = 10 (${QUERIES} queries)                                   p50 ${ms(pct(lat, 0.5))}, p95 ${ms(pct(lat, 0.95))}`,
    );

    // the candidate query alone (one message: the settings and the two searches), and its plan once
    const { RECALL_SETTINGS, textCandidatesSql, vectorCandidatesSql } = await import("../../server/memory/recall");
    const alone: number[] = [];
    for (let i = 0; i < QUERIES; i++) {
      const q = queryOf(i);
      const scopes = [{ type: "workspace" as const }];
      const statement = vectorCandidatesSql({ workspaceId: q.ctx.workspaceId, model, vector: q.vector, scopes });
      const words = textCandidatesSql({ workspaceId: q.ctx.workspaceId, query: q.text, scopes });
      t = performance.now();
      await executeBatch(q.ctx, [...RECALL_SETTINGS, statement, words]);
      alone.push(performance.now() - t);
      if (i === 0 && process.env.BENCH_PLAN) {
        const [, , plan] = await executeBatch(q.ctx, [...RECALL_SETTINGS, sql`EXPLAIN (ANALYZE, BUFFERS) ${statement}`]);
        console.log(plan!.rows.map((r) => Object.values(r)[0]).join("\n"));
      }
    }
    console.log(
      `  of which the candidate query alone (HNSW + full text, one message)                       p50 ${ms(pct(alone, 0.5))}, p95 ${ms(pct(alone, 0.95))}`,
    );

    // recall@10 against exact search
    let hits = 0;
    for (let i = 0; i < EXACT; i++) {
      const q = queryOf(i);
      const [exact] = await executeBatch(q.ctx, [corpusLib.exactNearestSql(q.ctx.workspaceId, q.vector, 10, model)]);
      const truth = new Set(exact!.rows.map((r) => String(r.id)));
      const r = await recallByVector(
        q.ctx,
        { query: q.text, k: 10, weights: { text: 0, recency: 0, importance: 0 } },
        { vector: q.vector, model, simulated: true },
      );
      hits += r.results.filter((x) => truth.has(x.memory.id)).length;
    }
    console.log(`  recall@10 of the filtered HNSW search against exact search (${EXACT} queries)               ${(hits / (10 * EXACT)).toFixed(4)}`);

    // the step's overhead: recall (the simulator embeds the query: a 0 ms model) + the injected context, 3 memories
    const step: number[] = [];
    for (let i = 0; i < 20 + QUERIES; i++) {
      const q = queryOf(i);
      t = performance.now();
      // what an agent step does: recall with its policy (the workspace scope, k 3), then the prompt with the memories
      const r = await recallForStep(
        q.ctx,
        { read: ["workspace"], k: 3, tokenBudget: 1000, write: "none", extractFacts: false, writeScope: "agent" },
        { agentId: "agt_bench", teamId: null, subject: null, sessionId: null },
        q.text,
        {},
      );
      const text = userPromptOf(q.text, undefined, r.memories);
      if (i >= 20) step.push(performance.now() - t);
      if (r.memories.length > 0 && text.length <= q.text.length) throw new Error("nothing injected");
    }
    console.log(
      `  an agent step's memory overhead: recall (k = 3, embedded by the simulator) + injection    median ${ms(pct(step, 0.5))}, p95 ${ms(pct(step, 0.95))}`,
    );
    console.log(
      `  load after: ${os
        .loadavg()
        .map((x) => x.toFixed(2))
        .join(" ")}`,
    );
    await plain.$disconnect();
    await disconnectDb();
  } finally {
    await stop();
  }
}
await main();
