/**
 * `npm run bench:memory [postgresql://…]`: memory at size, on the PostgreSQL server whose URL is the first argument (a
 * scratch database, dropped at the end) or on embedded PGlite (served on 127.0.0.1 as `npm start` does).
 * - ingestion: the clustered 384-dimension corpus (scripts/bench/memory-corpus.ts bulkLoadSql) generated in the
 *   database, one statement per workspace, with the secondary indexes dropped and built after the load (bench only:
 *   maintenance_work_mem BENCH_MAINTENANCE_WORK_MEM, default 3GB on the server, 512MB on PGlite): rows/s of the load
 *   and each index's build time; and `remember` through the service (the simulator's embedding, the cap's check, the
 *   audit entry, the indexes maintained): rows/s;
 * - tenant-filtered hybrid recall (recallByVector: the candidate query of HNSW and full text, fusion, the rows' read
 *   and their lastRecalledAt): p50/p95 over random workspaces and queries (half a topic's words, half an identifier);
 * - recall@10 of the vector search against exact search, per workspace;
 * - what memory adds to an agent step with a 0 ms model: `recall` (the query embedded by the simulator, k = 3) plus
 *   the injected context (recallForStep + userPromptOf, as an agent step does): median.
 * Sizes: BENCH_WORKSPACES (default 10), BENCH_ROWS per workspace (default 100,000 on PostgreSQL, 10,000 on PGlite),
 * BENCH_QUERIES (default 300), BENCH_EXACT (queries checked against exact search, default 50); BENCH_PLAN=1 prints the
 * first query's plans (printPlans). On the server, the table and its indexes are read into memory first (prewarm:
 * into shared buffers when they fit, else into the page cache). BENCH_KEEP=name (server only): the database is kept after the run, and a later run
 * with the same name and sizes skips the load and the index builds (to measure again on a quieter machine).
 * The headline figures are also printed as figure lines (./figures.ts), so that `npm run bench:protocol -- --runs 5 --
 * memory <url>` (with BENCH_KEEP: one load, then the latency half per run) gives each its mean and interval.
 */
import { performance } from "node:perf_hooks";
import os from "node:os";
import pg from "pg";
import { figure } from "./figures";
import { scratchDatabase } from "./scratch-database";

const serverUrl = process.argv[2];
const WORKSPACES = Number(process.env.BENCH_WORKSPACES ?? 10);
const ROWS = Number(process.env.BENCH_ROWS ?? (serverUrl ? 100_000 : 10_000));
const QUERIES = Number(process.env.BENCH_QUERIES ?? 300);
const EXACT = Number(process.env.BENCH_EXACT ?? 50);
/** for the index builds after the bulk load (the HNSW graph is built in memory when it fits) */
const MAINTENANCE_WORK_MEM = process.env.BENCH_MAINTENANCE_WORK_MEM ?? (serverUrl ? "3GB" : "512MB");
const CLUSTERS = 50;

const sorted = (x: number[]) => [...x].sort((p, q) => p - q);
const pct = (x: number[], p: number) => sorted(x)[Math.min(x.length - 1, Math.floor(x.length * p))]!;
const ms = (x: number) => `${x.toFixed(2)} ms`;

type Batch = typeof import("../../server/db/execute").executeBatch;
type Sql = import("../../server/db/sql").Sql;

/**
 * BENCH_PLAN=1: EXPLAIN (ANALYZE, BUFFERS) of the first query's vector search (as the app runs it: cadre_app under
 * row-level security) and of the body of cadre_memory_text_candidates (as its owner, cadre_system, with its settings:
 * the side table "MemoryText", at most RECALL_TEXT_RANKED matches ranked).
 */
async function printPlans(url: string, workspaceId: string, text: string, vector: Sql, executeBatch: Batch, settings: readonly Sql[]) {
  const { sql } = await import("../../server/db/sql");
  const { RECALL_CANDIDATES, RECALL_TEXT_RANKED } = await import("../../lib/schemas/memory");
  // the query vector's 384 numbers abbreviated
  const lines = (rows: Record<string, unknown>[]) => rows.map((r) => `    ${String(Object.values(r)[0]).replace(/'\[[^\]]*\]'/g, "'[…]'")}`).join("\n");
  const [, , plan] = await executeBatch({ workspaceId }, [...settings, sql`EXPLAIN (ANALYZE, BUFFERS) ${vector}`]);
  console.log(`  plan, vector search:\n${lines(plan!.rows)}`);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query("BEGIN");
    await client.query("SET LOCAL ROLE cadre_system");
    await client.query("SET LOCAL enable_seqscan = off");
    await client.query("SELECT set_config('app.workspace_id', $1, true)", [workspaceId]);
    const now = await client.query(
      `EXPLAIN (ANALYZE, BUFFERS) SELECT m."id", ts_rank(m."searchText", tq) AS "score" FROM (
          SELECT t."id", t."searchText" FROM "MemoryText" t WHERE t."workspaceId" = $2 AND t."searchText" @@ websearch_to_tsquery('simple', $1)
            AND EXISTS (SELECT 1 FROM unnest(ARRAY['workspace'], ARRAY['']) s(st, si) WHERE t."scopeType" = s.st AND (s.st = 'workspace' OR t."scopeId" = s.si))
          LIMIT $4) m, websearch_to_tsquery('simple', $1) tq
        ORDER BY 2 DESC, 1 LIMIT $3`,
      [text, workspaceId, RECALL_CANDIDATES, RECALL_TEXT_RANKED],
    );
    console.log(`  plan, full-text search (cadre_memory_text_candidates' query, as cadre_system):\n${lines(now.rows)}`);
  } finally {
    await client.query("ROLLBACK");
    await client.end();
  }
}

async function main() {
  const { url, stop } = await scratchDatabase(serverUrl, "memory", process.env.BENCH_KEEP);
  try {
    const { migrate } = await import("../../server/db/migrate");
    const { setEnv } = await import("../../server/env");
    await migrate(url);
    setEnv("DATABASE_URL", url);
    // the PII policy's keyed hashes (remember reads the workspace's policy)
    if (!process.env.AUTH_SECRET) setEnv("AUTH_SECRET", "bench-secret-0123456789abcdef0123456789");
    setEnv("LOG_LEVEL", "silent");
    setEnv("CADRE_MEMORY_LIMIT", String(Math.max(ROWS * 2, 100_000)));
    setEnv("CADRE_MEMORY_LIMIT_MAX", String(Math.max(ROWS * 2, 1_000_000)));
    const { disconnectDb } = await import("../../server/db/client");
    const { executeBatch } = await import("../../server/db/execute");
    const { permissionsOf } = await import("../../lib/permissions");
    const { PrismaClient } = await import("../../server/db/generated/client");
    const { PrismaPg } = await import("@prisma/adapter-pg");
    const { remember } = await import("../../server/memory/service");
    const { recallByVector } = await import("../../server/memory/recall");
    const { recallForStep } = await import("../../server/memory/inject");
    const { userPromptOf } = await import("../../server/jobs/prompts");
    // a 0 ms model: the simulator answers at once (outside tests its default latency is the model's, 20 ms for embeddings)
    const { setSimulatorLatencyScale } = await import("../../server/models/simulator");
    setSimulatorLatencyScale(0);
    const corpusLib = await import("./memory-corpus");
    type Ctx = import("../../server/context").TenantContext;

    const plain = new PrismaClient({ adapter: new PrismaPg({ connectionString: url, max: 2 }) });
    // a kept database (BENCH_KEEP) already holds the workspaces and, when the sizes match, the loaded corpus
    const user = await plain.user.upsert({
      where: { id: "usr_bench_memory" },
      update: {},
      create: { id: "usr_bench_memory", email: "bench-memory@example.test" },
    });
    const ctxs: Ctx[] = [];
    for (let w = 0; w < WORKSPACES; w++) {
      const ws =
        (await plain.workspace.findUnique({ where: { id: `ws_bench_memory_${w}` } })) ??
        (await plain.workspace.create({ data: { id: `ws_bench_memory_${w}`, slug: `bench-memory-${w}`, name: "bench" } }));
      await plain.membership.upsert({
        where: { id: `mem_bench_memory_${w}` },
        update: {},
        create: { id: `mem_bench_memory_${w}`, workspaceId: ws.id, userId: user.id, role: "owner" },
      });
      ctxs.push({
        workspaceId: ws.id,
        workspaceSlug: ws.slug,
        actor: { type: "user", userId: user.id },
        role: "owner",
        permissions: new Set(permissionsOf("owner")),
      } as unknown as Ctx);
    }
    // "Memory" is hash-partitioned by workspace: how these workspaces share partitions (a shared partition's HNSW walk
    // filters the other workspaces' rows)
    const shared = await plain.$queryRawUnsafe<{ r: number; n: number }[]>(
      `SELECT r, count(*)::int AS n FROM generate_series(0, 31) r, "Workspace" w WHERE w."id" LIKE 'ws_bench_memory_%' AND satisfies_hash_partition('"Memory"'::regclass, 32, r, w."id") GROUP BY r ORDER BY r`,
    );
    console.log(`  partitions: ${shared.length} of 32 hold the ${WORKSPACES} workspaces (workspaces per partition: ${shared.map((x) => x.n).join(" ")})`);
    const load = os.loadavg().map((x) => x.toFixed(2));
    console.log(
      `Memory, ${serverUrl ? "PostgreSQL server" : "embedded PGlite"}: ${WORKSPACES} workspaces × ${ROWS} memories of 384 dimensions; ${os.cpus().length} cores, load ${load.join(" ")}; Node ${process.version}`,
    );

    // the simulator's label: the corpus is stored under it, so recall() with the simulator's query embedding searches it
    const first = await remember(ctxs[0]!, { content: "bench seed memory" });
    const model = first.embeddingModel;
    const c = corpusLib.corpus(20261213, CLUSTERS);

    const [row] = await plain.$queryRawUnsafe<{ n: number }[]>(`SELECT count(*)::int AS n FROM "Memory" WHERE "workspaceId" LIKE 'ws_bench_memory_%'`);
    const present = row?.n ?? 0;
    let t = performance.now();
    if (present >= WORKSPACES * ROWS) console.log(`  the kept database holds ${present} memories: no load, no index builds`);
    else await bulkLoad();
    if (serverUrl) await prewarm();

    /**
     * Every partition of "Memory" and "MemoryText" and every index of them is read once with pg_prewarm, as on a server
     * whose memory holds the data: into shared buffers when they fit in 90% of shared_buffers ('buffer' mode), else
     * into the operating system's page cache ('read' mode: a walk then copies most of its pages into shared buffers,
     * a few µs each). Without it the first queries of each topic read their pages from the disk (one cold query:
     * 124 ms; the same warm: 6 ms). The figures depend on which: the line says.
     */
    async function prewarm() {
      const t0 = performance.now();
      await plain.$executeRawUnsafe("CREATE EXTENSION IF NOT EXISTS pg_prewarm");
      const relations = `SELECT c.oid FROM pg_class c
         WHERE c.oid IN (SELECT inhrelid FROM pg_inherits WHERE inhparent IN ('"Memory"'::regclass, '"MemoryText"'::regclass))
            OR c.oid IN (SELECT indexrelid FROM pg_index WHERE indrelid IN (SELECT inhrelid FROM pg_inherits WHERE inhparent IN ('"Memory"'::regclass, '"MemoryText"'::regclass)))`;
      const [size] = await plain.$queryRawUnsafe<{ blocks: number; buffers: number }[]>(
        `SELECT (SELECT coalesce(sum(pg_relation_size(oid) / 8192), 0)::int FROM (${relations}) r) AS blocks,
           (SELECT setting::int FROM pg_settings WHERE name = 'shared_buffers') AS buffers`,
      );
      const mode = size!.blocks <= size!.buffers * 0.9 ? "buffer" : "read";
      const [warmed] = await plain.$queryRawUnsafe<{ blocks: number }[]>(
        `SELECT coalesce(sum(pg_prewarm(oid, '${mode}')), 0)::int AS blocks FROM (${relations}) r`,
      );
      const mb = (blocks: number) => `${Math.round((blocks * 8) / 1024)} MB`;
      console.log(
        `  prewarmed (${mode === "buffer" ? "into shared buffers" : "into the page cache: they do not fit in shared buffers"}): ${warmed?.blocks ?? 0} blocks (${mb(size!.blocks)}) of the partitions and their indexes; shared_buffers ${mb(size!.buffers)} (${((performance.now() - t0) / 1000).toFixed(1)} s)`,
      );
    }

    // bulk load (bench only): the secondary indexes dropped, the rows generated in the database (one statement per
    // workspace), then the indexes built once over the loaded table, as a restore would
    async function bulkLoad() {
      const loader = new pg.Client({ connectionString: url });
      await loader.connect();
      // e.g. pgvector's "hnsw graph no longer fits into maintenance_work_mem"
      loader.on("notice", (n) => console.log(`\n  notice: ${n.message}`));
      const { rows: indexes } = await loader.query<{ indexname: string; indexdef: string }>(
        `SELECT indexname, indexdef FROM pg_indexes WHERE tablename IN ('Memory', 'MemoryText') AND indexdef NOT LIKE 'CREATE UNIQUE%' ORDER BY indexname`,
      );
      for (const ix of indexes) await loader.query(`DROP INDEX "${ix.indexname}"`);
      const bulk = corpusLib.bulkLoadSql({ centers: c.centers, model });
      for (const statement of bulk.setup) await loader.query(statement);
      t = performance.now();
      for (const [w, ctx] of ctxs.entries()) {
        await loader.query(bulk.workspace(ctx.workspaceId, ROWS, w * 101));
        process.stdout.write(".");
      }
      const loadSeconds = (performance.now() - t) / 1000;
      for (const statement of bulk.cleanup) await loader.query(statement);
      await loader.query(`SET maintenance_work_mem = '${MAINTENANCE_WORK_MEM}'`);
      const built: string[] = [];
      const tBuild = performance.now();
      for (const ix of indexes) {
        const t0 = performance.now();
        // a partitioned table's index reads "ON ONLY" (the parent alone): built here on every partition
        await loader.query(ix.indexdef.replace(" ON ONLY ", " ON "));
        built.push(`${ix.indexname} ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      }
      const buildSeconds = (performance.now() - tBuild) / 1000;
      // as autovacuum would after a bulk load: the visibility map lets the cap's count read the index only
      await loader.query(`VACUUM ANALYZE "Memory"`);
      await loader.query(`VACUUM ANALYZE "MemoryText"`);
      await loader.end();
      console.log(
        `\n  bulk load (generated in the database, one statement per workspace, secondary indexes dropped)  ${Math.round((WORKSPACES * ROWS) / loadSeconds)} rows/s (${loadSeconds.toFixed(1)} s)`,
      );
      console.log(
        `  index builds after the load (maintenance_work_mem ${MAINTENANCE_WORK_MEM}): ${buildSeconds.toFixed(1)} s (${built.join(", ")}); load + builds ${Math.round((WORKSPACES * ROWS) / (loadSeconds + buildSeconds))} rows/s`,
      );
    }

    const N_REMEMBER = 200;
    t = performance.now();
    for (let i = 0; i < N_REMEMBER; i++) await remember(ctxs[i % WORKSPACES]!, { content: `Order ORD-${48000 + i} was refunded after a courier delay` });
    const rememberSeconds = (performance.now() - t) / 1000;
    console.log(
      `  remember through the service (embedding, cap check, row + audit entry), one at a time      ${Math.round(N_REMEMBER / rememberSeconds)} rows/s`,
    );
    figure("memory.remember.rows_per_s", N_REMEMBER / rememberSeconds, "rows/s");

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
    figure("memory.recall.p50", pct(lat, 0.5));
    figure("memory.recall.p95", pct(lat, 0.95));

    // the candidate query alone (one message: the settings and the two searches), and its plan once
    const { RECALL_SETTINGS, textCandidatesSql, vectorCandidatesSql } = await import("../../server/memory/recall");
    const alone: number[] = [];
    for (let i = 0; i < QUERIES; i++) {
      const q = queryOf(i);
      const scopes = [{ type: "workspace" as const }];
      const statement = vectorCandidatesSql({ workspaceId: q.ctx.workspaceId, model, vector: q.vector, scopes });
      const words = textCandidatesSql({ query: q.text, scopes });
      t = performance.now();
      await executeBatch(q.ctx, [...RECALL_SETTINGS, statement, words]);
      alone.push(performance.now() - t);
      if (i === 0 && process.env.BENCH_PLAN) await printPlans(url, q.ctx.workspaceId, q.text, statement, executeBatch, RECALL_SETTINGS);
    }
    console.log(
      `  of which the candidate query alone (HNSW + full text, one message)                       p50 ${ms(pct(alone, 0.5))}, p95 ${ms(pct(alone, 0.95))}`,
    );
    figure("memory.candidates.p50", pct(alone, 0.5));
    figure("memory.candidates.p95", pct(alone, 0.95));

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
    figure("memory.recall_at_10", hits / (10 * EXACT), "ratio");

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
    figure("memory.step.median", pct(step, 0.5));
    figure("memory.step.p95", pct(step, 0.95));
    console.log(
      `  load after: ${os
        .loadavg()
        .map((x) => x.toFixed(2))
        .join(" ")}`,
    );
    // the recalls' lastRecalledAt writes still in flight (not awaited by a recall)
    const { settleRecallHints } = await import("../../server/memory/recall");
    await settleRecallHints();
    await plain.$disconnect();
    await disconnectDb();
  } finally {
    await stop();
  }
}
await main();
