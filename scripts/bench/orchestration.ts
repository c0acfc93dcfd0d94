/**
 * `npm run bench:orchestration`: what the run engine itself costs, around the model calls.
 *
 * (1) per-step orchestration overhead: sequential teams of 20 agents on the LLM stub at 0 ms latency, executed by
 *     the in-process durable executor, nobody following the runs (so no step streams); per step, the time that is
 *     not the model's HTTP exchange (the stub's request/response, timed at `fetch` and the body read): the
 *     gateway's own work (routing, budget, queuing the usage row), queuing the step's record and the next step's
 *     start on the run's writer (server/jobs/run-writer.ts, committed while the next model call runs), the topology
 *     code. Also (run wall - model time) / 20, which includes every commit the run waits for. Target: median
 *     <= 1.5 ms on the server.
 * (2) a 3-agent sequential run over HTTP: `POST /api/v1/runs` to a Cadre started with `npm start` (127.0.0.1, a
 *     private port, a private CADRE_DATA_DIR under /tmp, headless-initialised with CADRE_INIT_*; provider, model,
 *     agents and team created over REST with the API key) until its terminal event arrives over
 *     `GET /api/v1/runs/{id}/events` (SSE). Target: median <= 40 ms. `npm start` serves the last production build;
 *     (2b) times the same path through the REST and SSE route handlers called in this process (the current source,
 *     no HTTP server), with a breakdown (POST, queued .. started, started .. finished, terminal event .. streamed).
 * (3) parallel efficiency: a parallel team of 8 agents on a stub with 200 ms latency: run wall time (start to
 *     terminal event written). Target <= 230 ms. Also the floor: the same 8 exchanges with the stub sent at once by
 *     plain fetch from this process (no run engine), and where a run's time goes (its first model call, each call's
 *     gateway time and HTTP exchange, the time after the last call). BENCH_PARALLEL_RUNS=<n> (default 5) runs;
 *     BENCH_TIMELINE3=1 prints the last run's statements and calls on one clock (with BENCH_LIST_SQL=1, on embedded
 *     PGlite, the database's own time per statement too); BENCH_PROFILE_WINDOW=1 prints each run's phase boundaries
 *     on the clock of a --cpu-prof profile.
 * (4) 100 concurrent 5-step runs (sequential teams of 5, 0 ms stub) started at once: all succeed, none lost, no
 *     step or model call duplicated; total wall time and throughput. The executor's limits are raised for it
 *     (see RAISED_LIMITS below, printed).
 *
 * Database: embedded PGlite in this process (served on 127.0.0.1, as `npm start` does) by default; with
 * `--server [url]`, fresh databases `cadre_orch_<pid>` (in-process parts) and `cadre_orch_<pid>_http` (the
 * `npm start` server) on that PostgreSQL server (default postgresql://postgres@127.0.0.1:5432/postgres), dropped
 * at the end. In embedded mode the `npm start` server runs its own PGlite in its private data dir (removed at the
 * end). The LLM stubs run in their own processes. Every process started is stopped by its pid.
 *
 * (5)-(7) scheduling under a backlog (claim latency, the other workspace's wait, fairness with two flooding
 *     workspaces) and 200 open event streams on one run: see scripts/bench/scheduling.ts.
 * (8) context budgets: the cost per step of fitting other agents' outputs (and of a summary step): see
 *     scripts/bench/context-budget.ts.
 *
 * Options: --runs <n> (20-step runs for (1), default 10), --http-runs <n> (default 30), --skip-http,
 * --only <parts> (comma-separated among 1,2,2b,3,4,5,6,7,8; e.g. `--only 5,6,7`),
 * --port <n> (npm start port, default 3900 + pid % 1000), --server [url].
 * Environment: BENCH_LIST_SQL=1 lists (2b)'s statements per run (and, on embedded PGlite, each kind's own time in the database); BENCH_TIMELINE=1 prints the events and steps of
 * (2b)'s last three runs; BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" passes flags to (2)'s server.
 */
import { availableParallelism, loadavg } from "node:os";
import { performance } from "node:perf_hooks";
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { schedulingBench } from "./scheduling";
import { figure } from "./figures";
import { contextBudgetBench } from "./context-budget";

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const SEQ_RUNS = option("runs", 10);
const SEQ_AGENTS = 20;
const HTTP_RUNS = option("http-runs", 30);
const HTTP_WARMUP = 5;
const PARALLEL_RUNS = Number(process.env.BENCH_PARALLEL_RUNS ?? 5);
const CONCURRENT_RUNS = 100;
const CONCURRENT_STEPS = 5;
/** (4): the in-process executor's limits for the concurrency part (the defaults are 8 per process, 4 per workspace) */
const RAISED_LIMITS = { maxConcurrent: 100, workspaceConcurrency: 100 };
const PORT = option("port", 3900 + (process.pid % 1000));
const onlyAt = args.indexOf("--only");
const parts = new Set(onlyAt >= 0 ? args[onlyAt + 1]!.split(",").map((p) => p.trim()) : ["1", "2", "2b", "3", "4", "5", "6", "7", "8"]);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
const ms = (v: number) => `${v.toFixed(2)} ms`;
function stats(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const sum = samples.reduce((a, b) => a + b, 0);
  return {
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    min: sorted[0] ?? 0,
    max: sorted[sorted.length - 1] ?? 0,
    mean: sum / Math.max(1, samples.length),
    n: sorted.length,
  };
}
const line = (label: string, s: ReturnType<typeof stats>) => `    ${label.padEnd(54)} median ${ms(s.p50)}  p90 ${ms(s.p90)}  max ${ms(s.max)}  (n=${s.n})`;
const load = () => loadavg()[0]!.toFixed(2);

const serverAt = args.indexOf("--server");
const serverUrl =
  serverAt >= 0 ? (args[serverAt + 1] && !args[serverAt + 1]!.startsWith("--") ? args[serverAt + 1]! : "postgresql://postgres@127.0.0.1:5432/postgres") : null;
const tsx = fileURLToPath(new URL("../../node_modules/.bin/tsx", import.meta.url));
const repoRoot = fileURLToPath(new URL("../..", import.meta.url));

// ---------------------------------------------------------------------------------------------------
// processes and scratch databases

const children = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of children)
    if (child.exitCode === null && child.pid)
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        /* gone */
      }
});

function stopChild(child: ChildProcess, graceMs = 15_000): Promise<void> {
  return new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      children.delete(child);
      return resolve();
    }
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        /* gone */
      }
    }, graceMs);
    child.once("exit", () => {
      clearTimeout(timer);
      children.delete(child);
      resolve();
    });
    child.kill("SIGTERM");
  });
}

async function startStubProcess(latencyMs: number): Promise<{ url: string; close: () => Promise<void> }> {
  const cli = fileURLToPath(new URL("../llm-stub/cli.ts", import.meta.url));
  const child = spawn(tsx, [cli, "--latency", String(latencyMs)], { stdio: ["ignore", "pipe", "inherit"], detached: true });
  children.add(child);
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const match = /listening: (http:\/\/\S+)/.exec(out);
      if (match) resolve(match[1]!);
    });
    child.once("exit", (code) => reject(new Error(`the LLM stub exited (${code}) before listening`)));
  });
  return { url, close: () => stopChild(child) };
}

async function admin(sql: string) {
  const { default: pg } = await import("pg");
  const client = new pg.Client({ connectionString: serverUrl! });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

async function createScratchDatabase(name: string): Promise<string> {
  await admin(`DROP DATABASE IF EXISTS ${name}`);
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(serverUrl!);
  url.pathname = `/${name}`;
  return url.toString();
}

// ---------------------------------------------------------------------------------------------------
// model-call timing: the stub's HTTP exchange, measured at fetch (request sent .. body received)

const stubOrigins = new Set<string>();
const modelCalls: { start: number; end: number }[] = [];
const realFetch = globalThis.fetch;
/** Wraps a fetch (the egress guard's, which model calls go through) so that stub exchanges are timed. */
function timedFetch(inner: typeof fetch): typeof fetch {
  return (async (input: Parameters<typeof fetch>[0], init?: Parameters<typeof fetch>[1]) => {
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    if (![...stubOrigins].some((o) => url.startsWith(o))) return inner(input, init);
    const start = performance.now();
    const res = await inner(input, init);
    const body = await res.arrayBuffer();
    modelCalls.push({ start, end: performance.now() });
    return new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
  }) as typeof fetch;
}

// SQL timing of the engine's raw statements (pg pool under Prisma), labelled by what they do
const sqlTimes = new Map<string, number[]>();
function sqlLabel(message: string): string {
  // every message opens with the scope statement (server/db/execute.ts): label what follows it
  const sql = message.split(";\n").slice(1).join(";\n");
  // the run writer's batches (server/jobs/run-writer.ts): several statements in one query, one commit
  const statements = sql.split(";\n").length;
  if (statements > 1) return `run writer batch of ${statements} statements (step records, usage rows, step starts, events)`;
  if (sql.includes("cadre_begin_step(")) return "step begin (RunStep claim + node.started)";
  if (sql.includes("cadre_record_agent_step(") || sql.includes("cadre_record_agent_steps(") || sql.includes(`'node.finished'`))
    return "step record (RunStep result + node.finished + run.progress + totals)";
  if (sql.includes(`INSERT INTO "UsageRecord"`)) return "gateway usage row (INSERT)";
  if (sql.includes(`"stepsExpected" = GREATEST("stepsExpected",`) && sql.startsWith("UPDATE")) return "expectSteps (UPDATE Run)";
  if (sql.includes(`SUM("inputTokens")`)) return "finishRun (totals + terminal event)";
  if (sql.includes(`'running', "startedAt" = COALESCE`)) return "markStarted (run.started)";
  if (sql.includes(`SELECT "stepId", "status", "attempts", "result" FROM "RunStep"`)) return "stored steps read (execution start)";
  if (sql.includes(`FOR UPDATE SKIP LOCKED`) || sql.includes("cadre_claim_run(")) return "claim (executor)";
  if (sql.includes(`"leaseOwner" = NULL`)) return "lease release";
  if (sql.includes(`type = 'run.queued'`)) return "pins read";
  if (sql.includes(`UPDATE "Model"`)) return "(background) model stats";
  return "other";
}

// ---------------------------------------------------------------------------------------------------
// in-process parts (1), (3), (4)

async function inProcess(url: string, mode: string, isEmbedded: boolean) {
  const { migrate } = await import("../../server/db/migrate");
  const { setEnv } = await import("../../server/env");
  await migrate(url);
  setEnv("DATABASE_URL", url);
  setEnv("CADRE_DATABASE_MODE", isEmbedded ? "embedded" : "server");
  setEnv("LOG_LEVEL", "silent");
  // the LLM stubs listen on 127.0.0.1: the egress guard reaches loopback only through the operator allowlist
  setEnv("CADRE_EGRESS_ALLOW", "127.0.0.1");
  process.env.CADRE_MASTER_KEY ??= Buffer.alloc(32, 9).toString("base64");
  if (!process.env.AUTH_SECRET) setEnv("AUTH_SECRET", Buffer.alloc(32, 5).toString("base64"));
  const { egress, setEgressGuard } = await import("../../server/egress");
  const guard = egress();
  setEgressGuard({ ...guard, fetchWith: (options) => timedFetch(guard.fetchWith(options)) });

  const { db: scopedDb, SYSTEM } = await import("../../server/db/client");
  const { transport } = await import("../../server/db/execute");
  // the bench's own fixtures and checks cross workspaces: the operator's privileged path
  const db = (_scope?: unknown) => scopedDb(SYSTEM("operator"));
  const { newId } = await import("../../lib/ids");
  const { permissionsOf } = await import("../../lib/permissions");
  const { ensureDefaultCatalog } = await import("../../server/models/catalog");
  const { createAgent } = await import("../../server/agents/service");
  const { createTeam } = await import("../../server/teams/service");
  const { startRun } = await import("../../server/runs/service");
  const { startProcessExecutor, stopProcessExecutor } = await import("../../server/jobs/executor");
  const { generate, settleObservations } = await import("../../server/models/gateway");
  type Ctx = import("../../server/context").TenantContext;

  // time the engine's raw statements
  // the bench's read-backs (ids it generated itself), outside the timed statements
  const pool = { query: async (text: string) => ({ rows: (await db().$queryRawUnsafe(text)) as Record<string, unknown>[] }) };
  const send = transport.send;
  const sent = { count: 0 };
  transport.send = async (sql: string) => {
    sent.count++;
    const t0 = performance.now();
    try {
      return await send(sql);
    } finally {
      const label = sqlLabel(sql);
      let list = sqlTimes.get(label);
      if (!list) sqlTimes.set(label, (list = []));
      list.push(performance.now() - t0);
    }
  };

  const stub0 = await startStubProcess(0);
  const stub200 = await startStubProcess(200);
  stubOrigins.add(stub0.url);
  stubOrigins.add(stub200.url);

  async function workspace(label: string) {
    const suffix = Math.random().toString(36).slice(2, 8);
    const user = await db().user.create({ data: { id: newId("usr"), email: `bench-${label}-${suffix}@example.test`, name: "bench" } });
    const ws = await db().workspace.create({ data: { id: newId("ws"), slug: `orch-${label}-${suffix}`, name: `Bench ${label}` } });
    await db().membership.create({ data: { id: newId("mem"), workspaceId: ws.id, userId: user.id, role: "owner" } });
    const ctx: Ctx = {
      workspaceId: ws.id,
      workspaceSlug: ws.slug,
      role: "owner",
      permissions: new Set(permissionsOf("owner")),
      actor: { type: "user", userId: user.id, email: user.email },
    };
    await ensureDefaultCatalog(ctx);
    const models: Record<string, string> = {};
    for (const [name, stub] of [
      ["zero", stub0],
      ["slow", stub200],
    ] as const) {
      const provider = await db().provider.create({
        data: { id: newId("prv"), workspaceId: ws.id, name: `Stub ${name}`, kind: "openai_compatible", baseUrl: stub.url, isLocal: true },
      });
      const model = await db().model.create({
        data: {
          id: newId("mdl"),
          workspaceId: ws.id,
          providerId: provider.id,
          modelId: `bench-${name}`,
          displayName: `Bench ${name}`,
          inputPrice: 1,
          outputPrice: 2,
          contextWindow: 128_000,
          capabilities: ["tools", "json"],
          quality: 0.8,
        },
      });
      models[name] = model.id;
    }
    return { ctx, models };
  }
  const agent = (ctx: Ctx, slug: string, modelId: string) =>
    createAgent(ctx, {
      slug,
      name: slug,
      roleDescription: `The ${slug}.`,
      instructions: `Do your part as ${slug}.`,
      modelPolicy: { type: "pinned", modelId },
      maxOutputTokens: 64,
      temperature: 0.2,
    });

  const main = await workspace("main");
  for (let i = 0; i < SEQ_AGENTS; i++) await agent(main.ctx, `z${i}`, main.models.zero!);
  for (let i = 0; i < 8; i++) await agent(main.ctx, `p${i}`, main.models.slow!);
  await createTeam(main.ctx, { slug: "seq20", name: "seq20", spec: { topology: "sequential", agents: Array.from({ length: SEQ_AGENTS }, (_, i) => `z${i}`) } });
  await createTeam(main.ctx, {
    slug: "seq5",
    name: "seq5",
    spec: { topology: "sequential", agents: Array.from({ length: CONCURRENT_STEPS }, (_, i) => `z${i}`) },
  });
  await createTeam(main.ctx, { slug: "par8", name: "par8", spec: { topology: "parallel", agents: Array.from({ length: 8 }, (_, i) => `p${i}`) } });

  // the executor of this process (startRun wakes it), instrumented around the model gateway
  const ends = new Map<string, { at: number; outcome: string }>();
  const endWaiters = new Map<string, () => void>();
  const genSpans: { runId: string; start: number; end: number }[] = [];
  startProcessExecutor({
    ...RAISED_LIMITS,
    reclaimOrphans: false,
    onRunEnd: (runId, outcome) => {
      ends.set(runId, { at: performance.now(), outcome });
      endWaiters.get(runId)?.();
    },
    deps: {
      generate: async (ctx, req) => {
        const start = performance.now();
        try {
          return await generate(ctx, req);
        } finally {
          genSpans.push({ runId: req.runId ?? "", start, end: performance.now() });
        }
      },
    },
  });
  const ended = (runId: string) => (ends.has(runId) ? Promise.resolve() : new Promise<void>((resolve) => endWaiters.set(runId, resolve)));
  const terminalEventAt = async (runId: string) => {
    const { rows } = await pool.query(
      `SELECT "createdAt" FROM "RunEvent" WHERE "runId" = '${runId}' AND type IN ('run.succeeded','run.failed','run.cancelled')`,
    );
    return rows[0] ? new Date((rows[0] as { createdAt: Date }).createdAt) : null;
  };

  if (parts.has("1")) {
    // ---- (1) per-step overhead
    const loadBefore1 = load();
    const perStep: number[] = [];
    const perStepGap: number[] = [];
    const perStepGateway: number[] = [];
    const runStartup: number[] = [];
    const runFinish: number[] = [];
    const wallMinusModel: number[] = [];
    const seqWalls: number[] = [];
    const statuses: string[] = [];
    const warmups = 2;
    for (let r = 0; r < warmups + SEQ_RUNS; r++) {
      if (r === warmups) sqlTimes.clear();
      await settleObservations();
      const callsFrom = modelCalls.length;
      const spansFrom = genSpans.length;
      const t0 = performance.now();
      const run = await startRun(main.ctx, { team: "seq20", input: `Bench run ${r}: write one sentence.` });
      await ended(run.id);
      const tEnd = ends.get(run.id)!.at;
      const calls = modelCalls.slice(callsFrom);
      const spans = genSpans.slice(spansFrom).filter((s) => s.runId === run.id);
      if (r < warmups) continue;
      statuses.push(ends.get(run.id)!.outcome);
      const modelTime = calls.reduce((a, c) => a + (c.end - c.start), 0);
      seqWalls.push(tEnd - t0);
      wallMinusModel.push((tEnd - t0 - modelTime) / SEQ_AGENTS);
      // per step: the gateway's own time (its span minus the model exchange) + the gap to the next step's gateway call
      for (let i = 0; i < spans.length; i++) {
        const span = spans[i]!;
        const inside = calls.filter((c) => c.start >= span.start && c.end <= span.end).reduce((a, c) => a + (c.end - c.start), 0);
        const gatewayOwn = span.end - span.start - inside;
        perStepGateway.push(gatewayOwn);
        if (i + 1 < spans.length) {
          const gap = spans[i + 1]!.start - span.end;
          perStepGap.push(gap);
          perStep.push(gatewayOwn + gap);
        }
      }
      runStartup.push(spans[0]!.start - t0);
      runFinish.push(tEnd - spans[spans.length - 1]!.end);
    }
    const loadAfter1 = load();
    const sqlStats = [...sqlTimes.entries()].map(([label, list]) => [label, stats(list)] as const).sort((a, b) => b[1].n - a[1].n);

    console.log(
      `\n(1) Per-step orchestration overhead: ${SEQ_RUNS} runs (after ${warmups} warm-up runs) of a sequential team of ${SEQ_AGENTS} agents, LLM stub 0 ms (own process); database: ${mode}`,
    );
    console.log(`    run outcomes: ${[...new Set(statuses)].map((s) => `${statuses.filter((x) => x === s).length} ${s}`).join(", ")}`);
    const ps = stats(perStep);
    console.log(line("per step, instrumented (gateway own + between steps)", ps));
    figure("seq.per_step.median", ps.p50);
    console.log(`      target median <= 1.5 ms: ${ps.p50 <= 1.5 ? "met" : "NOT met"}`);
    console.log(line("  of which: gateway's own work (span - model HTTP)", stats(perStepGateway)));
    console.log(line("  of which: between model gateway calls (engine)", stats(perStepGap)));
    console.log(line("per step, (run wall - model HTTP time) / 20", stats(wallMinusModel)));
    console.log(line("run wall time (startRun .. run finished)", stats(seqWalls)));
    console.log(line("  startRun .. first model call (start, claim, pins)", stats(runStartup)));
    console.log(line("  last model call .. run finished (finishRun, lease)", stats(runFinish)));
    console.log(`    raw SQL statements of the engine during the timed runs (each alone, as sent):`);
    for (const [label, s] of sqlStats) console.log(`      ${label.padEnd(70)} median ${ms(s.p50)}  p90 ${ms(s.p90)}  (n=${s.n})`);
    console.log(`    load average (1 min): ${loadBefore1} before, ${loadAfter1} after (${availableParallelism()} cores)`);
  }
  // ---- (2b) the HTTP path's handlers in this process (the current source; `npm start` serves the last build)
  if (parts.has("2b")) {
    const { storeApiKey } = await import("../../server/auth/api-keys");
    const { executeRoute } = await import("../../server/rest/define");
    const { startRunRoute } = await import("../../server/rest/routes/runs");
    const { apiKeyRunEvents } = await import("../../server/rest/sse-routes");
    const rawKey = `cadre_bench_${Buffer.alloc(24, 3).toString("hex")}`;
    const { ALL_PERMISSIONS } = await import("../../lib/permissions");
    await storeApiKey(
      { workspaceId: main.ctx.workspaceId, createdById: (main.ctx.actor as { userId: string }).userId, name: "bench", scopes: [...ALL_PERMISSIONS] },
      rawKey,
    );
    await createTeam(main.ctx, { slug: "trio", name: "trio", spec: { topology: "sequential", agents: ["z0", "z1", "z2"] } });
    const base = "http://127.0.0.1:3000";
    const loadBefore = load();
    const totals: number[] = [];
    const posts: number[] = [];
    const lags: number[] = [];
    const queued: number[] = [];
    const own: number[] = [];
    const { default: pgMod } = await import("pg");
    const counted = new Map<string, number>();
    const timed = new Map<string, number>(); // milliseconds from send to answer (waiting included), summed per statement
    let counting = false;
    const dbTimes = new Map<string, [number, number]>(); // the embedded database's own time per kind of message
    if (process.env.BENCH_LIST_SQL && isEmbedded) {
      const { timeEmbeddedStatements } = await import("../../server/db/embedded");
      timeEmbeddedStatements((message, spent) => {
        if (!counting) return;
        const kind = `${String.fromCharCode(message[0]!)} ${Buffer.from(message.subarray(5))
          .toString("latin1")
          .replace(/[^ -~]+/g, " ")
          .replace(/^\s*(BEGIN; )?SELECT set_config[^;]*;\s*/, "[scope] ")
          .replace(/(ws|run|agt|prv|mdl|key|stp)_[a-z0-9]+|'s\d+'/g, "…")
          .replace(/\s+/g, " ")
          .slice(0, 90)}`;
        const entry = dbTimes.get(kind) ?? [0, 0];
        entry[0]++;
        entry[1] += spent;
        dbTimes.set(kind, entry);
      });
    }
    const origQuery = pgMod.Client.prototype.query as (...a: unknown[]) => unknown;
    pgMod.Client.prototype.query = function (this: unknown, ...a: unknown[]) {
      if (counting) {
        const q = a[0] as string | { text?: string };
        const text = (typeof q === "string" ? q : (q?.text ?? "?"))
          .replace(/\s+/g, " ")
          .replace(/^(BEGIN; )?SELECT set_config[^;]*;\s*/, "[scope] ")
          .replace(/ws_[a-z0-9]+|run_[a-z0-9]+/g, "…")
          .slice(0, 130);
        counted.set(text, (counted.get(text) ?? 0) + 1);
        const started = performance.now();
        const result = origQuery.apply(this, a);
        if (result && typeof (result as Promise<unknown>).then === "function")
          (result as Promise<unknown>).then(
            () => timed.set(text, (timed.get(text) ?? 0) + performance.now() - started),
            () => undefined,
          );
        return result;
      }
      return origQuery.apply(this, a);
    } as typeof pgMod.Client.prototype.query;
    for (let i = 0; i < HTTP_WARMUP + HTTP_RUNS; i++) {
      await settleObservations();
      counting = i >= HTTP_WARMUP;
      const t = performance.now();
      const res = await executeRoute(
        startRunRoute,
        new Request(`${base}/api/v1/runs`, {
          method: "POST",
          headers: { authorization: `Bearer ${rawKey}`, "content-type": "application/json" },
          body: JSON.stringify({ team: "trio", input: `Handler bench ${i}.` }),
        }),
        {},
      );
      const run = (await res.json()) as { id: string };
      const tPost = performance.now();
      const sse = await apiKeyRunEvents(
        new Request(`${base}/api/v1/runs/${run.id}/events`, { headers: { authorization: `Bearer ${rawKey}`, accept: "text/event-stream" } }),
        { params: Promise.resolve({ runId: run.id }) },
      );
      const text = await sse.text(); // the stream ends after the terminal event
      const tEnd = performance.now();
      counting = false;
      const wallEnd = Date.now();
      if (!/event: run\.succeeded/.test(text)) throw new Error(`handler bench: run ${run.id} did not succeed`);
      if (i < HTTP_WARMUP) continue;
      totals.push(tEnd - t);
      posts.push(tPost - t);
      const terminal = /event: run\.succeeded\ndata: (.*)\n/.exec(text);
      if (terminal) lags.push(wallEnd - new Date((JSON.parse(terminal[1]!) as { createdAt: string }).createdAt).getTime());
      const { rows } = await pool.query(`SELECT "queuedAt", "startedAt", "finishedAt" FROM "Run" WHERE id = '${run.id}'`);
      const r = rows[0] as { queuedAt: Date; startedAt: Date; finishedAt: Date };
      queued.push(new Date(r.startedAt).getTime() - new Date(r.queuedAt).getTime());
      own.push(new Date(r.finishedAt).getTime() - new Date(r.startedAt).getTime());
      if (process.env.BENCH_TIMELINE && i >= HTTP_WARMUP + HTTP_RUNS - 3) {
        const q0 = new Date(r.queuedAt).getTime();
        const ev = await pool.query(`SELECT seq, type, "createdAt" FROM "RunEvent" WHERE "runId" = '${run.id}' ORDER BY seq`);
        const st = await pool.query(`SELECT id, kind, status, "startedAt", "finishedAt" FROM "RunStep" WHERE "runId" = '${run.id}' ORDER BY "startedAt"`);
        console.log(
          `  timeline of ${run.id} (ms after queuedAt; started ${new Date(r.startedAt).getTime() - q0}, finished ${new Date(r.finishedAt).getTime() - q0}, client end ${(wallEnd - q0).toFixed(0)})`,
        );
        for (const e of ev.rows as { seq: number; type: string; createdAt: Date }[])
          console.log(`    event ${e.seq} ${e.type} @${new Date(e.createdAt).getTime() - q0}`);
        for (const x of st.rows as { id: string; kind: string; status: string; startedAt: Date; finishedAt: Date | null }[])
          console.log(`    step ${x.kind} ${x.status} ${new Date(x.startedAt).getTime() - q0}..${x.finishedAt ? new Date(x.finishedAt).getTime() - q0 : "-"}`);
      }
    }
    const s = stats(totals);
    console.log(
      `\n(2b) The same 3-agent sequential run through the REST handlers in this process (POST /api/v1/runs handler .. SSE handler's stream ended after the terminal event; no HTTP server, current source), ${HTTP_RUNS} runs after ${HTTP_WARMUP} warm-up runs; database: ${mode}`,
    );
    console.log(line("POST handler .. terminal event streamed", s));
    figure("handlers.3agent.median", s.p50);
    const perRun = [...counted.values()].reduce((a, b) => a + b, 0) / HTTP_RUNS;
    console.log(`      statements per run (pg client queries, as sent): ${perRun.toFixed(1)}`);
    if (process.env.BENCH_LIST_SQL)
      for (const [t, n] of [...counted].sort((a, b) => b[1] - a[1]))
        console.log(`        ${(n / HTTP_RUNS).toFixed(2).padStart(6)} ${((timed.get(t) ?? 0) / n).toFixed(2).padStart(6)} ms  ${t}`);
    if (process.env.BENCH_LIST_SQL && dbTimes.size > 0) {
      let total = 0;
      console.log("      the embedded database's own time per message (executing it, not waiting for it), per run:");
      for (const [k, [n, t]] of [...dbTimes].sort((a, b) => b[1][1] - a[1][1]).slice(0, 20)) {
        total += t;
        console.log(
          `        ${(n / HTTP_RUNS).toFixed(2).padStart(6)} x ${(t / n).toFixed(2).padStart(5)} ms = ${(t / HTTP_RUNS).toFixed(2).padStart(5)} ms  ${k}`,
        );
      }
      console.log(`        in all ${(total / HTTP_RUNS).toFixed(2)} ms per run (the 20 costliest kinds)`);
    }
    console.log(line("  POST handler (startRun + auth + JSON)", stats(posts)));
    console.log(line("  run queued .. started (ms clock)", stats(queued)));
    console.log(line("  run started .. finished (ms clock)", stats(own)));
    console.log(line("  terminal event written .. streamed (ms clock)", stats(lags)));
    console.log(`    load average (1 min): ${loadBefore} before, ${load()} after`);
  }

  if (parts.has("3")) {
    // ---- (3) parallel efficiency
    const loadBefore3 = load();
    const parWalls: number[] = [];
    const parToEvent: number[] = [];
    const parOverlap: number[] = [];
    const parOwn: number[] = [];
    const parToFirstCall: number[] = [];
    const parExchange: number[] = [];
    const parGateway: number[] = [];
    const parAfterLast: number[] = [];
    const window3 = process.hrtime.bigint() / 1000n;
    const sqlLog: { start: number; end: number; text: string }[] = [];
    const dbTimes3 = new Map<string, [number, number]>();
    if (process.env.BENCH_LIST_SQL && isEmbedded) {
      const { timeEmbeddedStatements } = await import("../../server/db/embedded");
      timeEmbeddedStatements((message, spent) => {
        const kind = `${String.fromCharCode(message[0]!)} ${Buffer.from(message.subarray(5))
          .toString("latin1")
          .replace(/[^ -~]+/g, " ")
          .replace(/^\s*(BEGIN; )?SELECT set_config[^;]*;\s*/, "[scope] ")
          .replace(/(ws|run|agt|prv|mdl|key|stp|use)_[a-z0-9]+|'s\d+'/g, "…")
          .replace(/\s+/g, " ")
          .slice(0, 150)}`;
        if (process.env.BENCH_TIMELINE3) sqlLog.push({ start: performance.now() - spent, end: performance.now(), text: `[db] ${kind.slice(0, 100)}` });
        const e = dbTimes3.get(kind) ?? [0, 0];
        e[0]++;
        e[1] += spent;
        dbTimes3.set(kind, e);
      });
    }
    if (process.env.BENCH_TIMELINE3) {
      const { default: pgMod } = await import("pg");
      const orig = pgMod.Client.prototype.query as (...a: unknown[]) => unknown;
      pgMod.Client.prototype.query = function (this: unknown, ...a: unknown[]) {
        const q = a[0] as string | { text?: string };
        const text = (typeof q === "string" ? q : (q?.text ?? "?"))
          .replace(/\s+/g, " ")
          .replace(/^(BEGIN; )?SELECT set_config[^;]*;\s*/, "[scope] ")
          .slice(0, 110);
        const entry = { start: performance.now(), end: 0, text };
        sqlLog.push(entry);
        const r = orig.apply(this, a);
        if (r && typeof (r as Promise<unknown>).then === "function")
          (r as Promise<unknown>).then(
            () => {
              entry.end = performance.now();
            },
            () => {
              entry.end = performance.now();
            },
          );
        return r;
      } as typeof pgMod.Client.prototype.query;
    }
    for (let r = 0; r < PARALLEL_RUNS + 1; r++) {
      await settleObservations();
      const callsFrom = modelCalls.length;
      const spansFrom = genSpans.length;
      const wall0 = Date.now();
      const t0 = performance.now();
      const run = await startRun(main.ctx, { team: "par8", input: `Parallel bench ${r}.` });
      await ended(run.id);
      const tEnd = ends.get(run.id)!.at;
      if (r === 0) continue; // warm-up
      const calls = modelCalls.slice(callsFrom);
      const spans = genSpans.slice(spansFrom).filter((s) => s.runId === run.id);
      parWalls.push(tEnd - t0);
      parToFirstCall.push(Math.min(...spans.map((s) => s.start)) - t0);
      for (const c of calls) parExchange.push(c.end - c.start);
      for (const s of spans) parGateway.push(s.end - s.start);
      parAfterLast.push(tEnd - Math.max(...spans.map((s) => s.end)));
      if (process.env.BENCH_TIMELINE3 && r === PARALLEL_RUNS) {
        const ev = [
          ...sqlLog.filter((q) => q.start >= t0).map((q) => ({ at: q.start, s: `sql ${(q.end - q.start).toFixed(1)}ms ${q.text}` })),
          ...spans.map((x) => ({ at: x.start, s: "gateway call start" })),
          ...spans.map((x) => ({ at: x.end, s: "gateway call end" })),
          ...calls.map((x) => ({ at: x.start, s: "fetch start" })),
          ...calls.map((x) => ({ at: x.end, s: "fetch end" })),
          { at: tEnd, s: "run end" },
        ].sort((x, y) => x.at - y.at);
        for (const e of ev) console.log(`${(e.at - t0).toFixed(1).padStart(7)} ${e.s}`);
      }
      sqlLog.length = 0;
      if (process.env.BENCH_PROFILE_WINDOW) {
        // phase boundaries of this run in the CPU profile's clock (hrtime, µs): start, last fetch sent, first answer, end
        const us = (t: number) => Math.round((t - performance.now()) * 1000 + Number(process.hrtime.bigint() / 1000n));
        console.log(`profile phases ${us(t0)} ${us(Math.max(...calls.map((c) => c.start)))} ${us(Math.min(...calls.map((c) => c.end)))} ${us(tEnd)}`);
      }
      const at = await terminalEventAt(run.id);
      if (at) parToEvent.push(at.getTime() - wall0);
      parOverlap.push(Math.max(...calls.map((c) => c.start)) - Math.min(...calls.map((c) => c.start)));
      const { rows: own } = await pool.query(`SELECT "startedAt", "finishedAt" FROM "Run" WHERE id = '${run.id}'`);
      const o = own[0] as { startedAt: Date; finishedAt: Date };
      parOwn.push(new Date(o.finishedAt).getTime() - new Date(o.startedAt).getTime());
    }
    for (const [k, [n, t]] of [...dbTimes3].sort((a, b) => b[1][1] - a[1][1]).slice(0, 25))
      console.log(`${(t / (PARALLEL_RUNS + 1)).toFixed(2).padStart(7)} ms/run ${(n / (PARALLEL_RUNS + 1)).toFixed(1).padStart(5)}x ${k}`);
    if (process.env.BENCH_PROFILE_WINDOW) console.log(`profile window ${window3} ${process.hrtime.bigint() / 1000n}`);
    // the floor: the same 8 exchanges with the stub from this process, plain fetch, no run engine (5 rounds after 2)
    const floorWalls: number[] = [];
    const exchangeBody = JSON.stringify({ model: "bench-slow", messages: [{ role: "user", content: "Parallel bench floor." }], max_tokens: 64 });
    for (let round = 0; round < 7; round++) {
      const t = performance.now();
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          const res = await fetch(`${stub200.url}/v1/chat/completions`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: exchangeBody,
          });
          await res.json();
        }),
      );
      if (round >= 2) floorWalls.push(performance.now() - t);
    }
    const pw = stats(parWalls);
    console.log(
      `\n(3) Parallel efficiency: ${PARALLEL_RUNS} runs (after a warm-up run) of a parallel team of 8 agents (no aggregator), LLM stub 200 ms (own process); database: ${mode}`,
    );
    console.log(line("run wall time (startRun .. run finished)", pw));
    console.log(`      target <= 230 ms: ${pw.p50 <= 230 ? "met" : "NOT met"} (median), max ${ms(pw.max)}`);
    figure("parallel8.wall.median", pw.p50);
    console.log(line("the floor: 8 plain exchanges with the stub at once (no engine)", stats(floorWalls)));
    figure("parallel8.floor.median", stats(floorWalls).p50);
    console.log(line("startRun .. terminal event written (ms clock)", stats(parToEvent)));
    console.log(line("the run's own duration (startedAt .. finishedAt)", stats(parOwn)));
    console.log(line("spread of the 8 model calls' start times", stats(parOverlap)));
    console.log(line("startRun .. first gateway call", stats(parToFirstCall)));
    console.log(line("gateway call (each of 8)", stats(parGateway)));
    console.log(line("  of which the stub's HTTP exchange", stats(parExchange)));
    console.log(line("last gateway call returned .. run finished", stats(parAfterLast)));
    console.log(`    load average (1 min): ${loadBefore3} before, ${load()} after`);
  }
  if (parts.has("4")) {
    // ---- (4) 100 concurrent 5-step runs
    const loadBefore4 = load();
    await settleObservations();
    const t0 = performance.now();
    const runs = await Promise.all(Array.from({ length: CONCURRENT_RUNS }, (_, i) => startRun(main.ctx, { team: "seq5", input: `Concurrent ${i}.` })));
    const started = performance.now() - t0;
    await Promise.all(runs.map((r) => ended(r.id)));
    const total = performance.now() - t0;
    const ids = runs.map((r) => `'${r.id}'`).join(",");
    const { rows: runRows } = await pool.query(`SELECT status, "stepsDone", count(*)::int AS n FROM "Run" WHERE id IN (${ids}) GROUP BY status, "stepsDone"`);
    const { rows: stepRows } = await pool.query(
      `SELECT "runId", count(*)::int AS steps, count(DISTINCT "stepId")::int AS distinct_steps, min(attempts)::int AS min_att, max(attempts)::int AS max_att FROM "RunStep" WHERE "runId" IN (${ids}) GROUP BY "runId"`,
    );
    const { rows: usageRows } = await pool.query(`SELECT "runId", count(*)::int AS n FROM "UsageRecord" WHERE "runId" IN (${ids}) GROUP BY "runId"`);
    const { rows: eventRows } = await pool.query(
      `SELECT "runId", count(*)::int AS n, count(DISTINCT seq)::int AS d, max(seq)::int AS mx FROM "RunEvent" WHERE "runId" IN (${ids}) GROUP BY "runId"`,
    );
    const steps = stepRows as { runId: string; steps: number; distinct_steps: number; min_att: number; max_att: number }[];
    const usage = usageRows as { runId: string; n: number }[];
    const events = eventRows as { runId: string; n: number; d: number; mx: number }[];
    const succeeded = (runRows as { status: string; stepsDone: number; n: number }[])
      .filter((r) => r.status === "succeeded" && r.stepsDone === CONCURRENT_STEPS)
      .reduce((a, r) => a + r.n, 0);
    const exactSteps = steps.filter((s) => s.steps === CONCURRENT_STEPS && s.distinct_steps === CONCURRENT_STEPS && s.max_att === 1).length;
    const exactUsage = usage.filter((u) => u.n === CONCURRENT_STEPS).length;
    const gaplessEvents = events.filter((e) => e.n === e.d && e.mx === e.n).length;
    const totalSteps = steps.reduce((a, s) => a + s.steps, 0);
    const ok = succeeded === CONCURRENT_RUNS && exactSteps === CONCURRENT_RUNS && exactUsage === CONCURRENT_RUNS && gaplessEvents === CONCURRENT_RUNS;
    console.log(
      `\n(4) ${CONCURRENT_RUNS} concurrent ${CONCURRENT_STEPS}-step runs (sequential team of ${CONCURRENT_STEPS}, LLM stub 0 ms), started at once in one workspace; executor limits raised to ${RAISED_LIMITS.maxConcurrent} per process and ${RAISED_LIMITS.workspaceConcurrency} per workspace (defaults: CADRE_MAX_CONCURRENT_RUNS=8, CADRE_WORKSPACE_CONCURRENT_RUNS=4); database: ${mode}`,
    );
    console.log(
      `    runs: ${runRows.map((r) => `${(r as { n: number }).n} ${(r as { status: string }).status} with ${(r as { stepsDone: number }).stepsDone} steps done`).join(", ")}`,
    );
    console.log(
      `    steps: ${totalSteps} rows for ${CONCURRENT_RUNS * CONCURRENT_STEPS} expected; runs with exactly ${CONCURRENT_STEPS} distinct steps, 1 attempt each: ${exactSteps}/${CONCURRENT_RUNS}`,
    );
    console.log(
      `    model calls (usage rows): ${usage.reduce((a, u) => a + u.n, 0)}; runs with exactly ${CONCURRENT_STEPS}: ${exactUsage}/${CONCURRENT_RUNS}; runs with gapless unique event seqs: ${gaplessEvents}/${CONCURRENT_RUNS}`,
    );
    console.log(`    none lost, none duplicated: ${ok ? "yes" : "NO"}`);
    console.log(`    all ${CONCURRENT_RUNS} startRun calls returned after ${ms(started)}; all runs finished after ${ms(total)}`);
    console.log(
      `    throughput: ${((CONCURRENT_RUNS / total) * 1000).toFixed(1)} runs/s, ${(((CONCURRENT_RUNS * CONCURRENT_STEPS) / total) * 1000).toFixed(0)} steps/s`,
    );
    console.log(`    load average (1 min): ${loadBefore4} before, ${load()} after`);
  }

  // ---- (5)-(7) scheduling under backlog, event streams (scripts/bench/scheduling.ts)
  await schedulingBench({ mode, isEmbedded, parts, stats, line, load, workspace, agent, query: pool.query, sqlTimes, sentCount: () => sent.count });
  await contextBudgetBench({ parts, stats, line, load, workspace });

  await stopProcessExecutor();
  await settleObservations();
  await stub0.close();
  await stub200.close();
}

// ---------------------------------------------------------------------------------------------------
// (2) over HTTP against `npm start`

async function overHttp(databaseUrl: string | null, mode: string) {
  const stub = await startStubProcess(0);
  const dataDir = mkdtempSync(path.join(tmpdir(), "cadre-orch-bench-"));
  const apiKey = `cadre_bench_${Buffer.alloc(24, 7).toString("hex")}`;
  const base = `http://127.0.0.1:${PORT}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(PORT),
    HOSTNAME: "127.0.0.1",
    CADRE_DATA_DIR: dataDir,
    CADRE_INIT_USER_EMAIL: "bench@example.test",
    CADRE_INIT_USER_PASSWORD: "bench-password-123456",
    CADRE_INIT_WORKSPACE_SLUG: "orch-bench",
    CADRE_INIT_API_KEY: apiKey,
    LOG_LEVEL: "warn",
    NODE_ENV: "production",
    CADRE_EGRESS_ALLOW: "127.0.0.1",
  };
  delete env.DATABASE_URL;
  if (databaseUrl) {
    env.DATABASE_URL = databaseUrl;
    env.CADRE_MASTER_KEY = Buffer.alloc(32, 9).toString("base64");
  }
  const t0 = Date.now();
  const server = spawn(process.execPath, [...(process.env.BENCH_SERVER_NODE_ARGS?.split(" ").filter(Boolean) ?? []), "scripts/start.mjs"], {
    cwd: repoRoot,
    env,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  children.add(server);
  let log = "";
  server.stdout!.on("data", (c: Buffer) => (log += c.toString()));
  server.stderr!.on("data", (c: Buffer) => (log += c.toString()));
  const headers = { authorization: `Bearer ${apiKey}`, "content-type": "application/json" };
  const api = async <T = Record<string, unknown>>(method: string, p: string, body?: unknown): Promise<T> => {
    const res = await realFetch(`${base}${p}`, { method, headers, ...(body ? { body: JSON.stringify(body) } : {}) });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${text.slice(0, 500)}`);
    return JSON.parse(text) as T;
  };
  try {
    for (;;) {
      if (server.exitCode !== null) throw new Error(`npm start exited (${server.exitCode}):\n${log}`);
      if (Date.now() - t0 > 120_000) throw new Error(`npm start did not answer within 120 s:\n${log}`);
      try {
        const res = await realFetch(`${base}/api/v1/agents`, { headers });
        if (res.ok) break;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    const readyMs = Date.now() - t0;
    const provider = await api<{ id: string }>("POST", "/api/v1/providers", {
      name: "Bench stub",
      kind: "openai_compatible",
      baseUrl: stub.url,
      isLocal: true,
    });
    const model = await api<{ id: string }>("POST", "/api/v1/models", {
      providerId: provider.id,
      modelId: "bench-zero",
      displayName: "Bench zero",
      inputPrice: 1,
      outputPrice: 2,
      contextWindow: 128000,
      capabilities: ["tools", "json"],
      quality: 0.8,
    });
    for (const slug of ["h1", "h2", "h3"]) {
      await api("POST", "/api/v1/agents", {
        slug,
        name: slug,
        roleDescription: `The ${slug}.`,
        instructions: "One sentence.",
        modelPolicy: { type: "pinned", modelId: model.id },
        maxOutputTokens: 64,
        temperature: 0.2,
      });
    }
    await api("POST", "/api/v1/teams", { slug: "trio", name: "trio", spec: { topology: "sequential", agents: ["h1", "h2", "h3"] } });

    const loadBefore = load();
    const total: number[] = [];
    const post: number[] = [];
    const firstEvent: number[] = [];
    const queuedToStarted: number[] = [];
    const execution: number[] = [];
    const delivery: number[] = [];
    let lastType = "";
    for (let i = 0; i < HTTP_WARMUP + HTTP_RUNS; i++) {
      const wall0 = Date.now();
      const t = performance.now();
      const run = await api<{ id: string }>("POST", "/api/v1/runs", { team: "trio", input: `HTTP bench ${i}: one sentence.` });
      const tPost = performance.now();
      const res = await realFetch(`${base}/api/v1/runs/${run.id}/events`, { headers: { authorization: headers.authorization, accept: "text/event-stream" } });
      const reader = res.body!.getReader();
      const decoder = new TextDecoder();
      let buf = "";
      let tFirst = 0;
      let terminal: { createdAt: string } | null = null;
      outer: for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += decoder.decode(value, { stream: true });
        let idx: number;
        while ((idx = buf.indexOf("\n\n")) >= 0) {
          const block = buf.slice(0, idx);
          buf = buf.slice(idx + 2);
          const data = /^data: (.*)$/m.exec(block);
          if (!data) continue;
          if (!tFirst) tFirst = performance.now();
          const ev = JSON.parse(data[1]!) as { type: string; createdAt: string };
          if (["run.succeeded", "run.failed", "run.cancelled"].includes(ev.type)) {
            terminal = ev;
            lastType = ev.type;
            break outer;
          }
        }
      }
      const tEnd = performance.now();
      const wallEnd = Date.now();
      await reader.cancel().catch(() => undefined);
      if (i < HTTP_WARMUP) continue;
      total.push(tEnd - t);
      post.push(tPost - t);
      firstEvent.push(tFirst - tPost);
      const detail = await api<{ queuedAt: string; startedAt: string | null; finishedAt: string | null }>("GET", `/api/v1/runs/${run.id}`);
      if (detail.startedAt) queuedToStarted.push(new Date(detail.startedAt).getTime() - new Date(detail.queuedAt).getTime());
      if (detail.startedAt && detail.finishedAt) execution.push(new Date(detail.finishedAt).getTime() - new Date(detail.startedAt).getTime());
      if (terminal) delivery.push(wallEnd - new Date(terminal.createdAt).getTime());
      void wall0;
    }
    const s = stats(total);
    console.log(
      `\n(2) 3-agent sequential run over HTTP: POST /api/v1/runs .. terminal event over SSE, ${HTTP_RUNS} runs after ${HTTP_WARMUP} warm-up runs; npm start on ${base} (ready in ${readyMs} ms), LLM stub 0 ms (own process); database: ${mode}`,
    );
    console.log(line("POST /api/v1/runs .. terminal event received", s));
    figure("http.3agent.median", s.p50);
    console.log(`      target median <= 40 ms: ${s.p50 <= 40 ? "met" : "NOT met"} (last terminal event: ${lastType})`);
    console.log(line("  POST /api/v1/runs response", stats(post)));
    console.log(line("  POST response .. first SSE event", stats(firstEvent)));
    console.log(line("  run queued .. started (ms clock, server)", stats(queuedToStarted)));
    console.log(line("  run started .. finished (ms clock, server)", stats(execution)));
    console.log(line("  terminal event written .. received (ms clock)", stats(delivery)));
    console.log(`    load average (1 min): ${loadBefore} before, ${load()} after`);
  } finally {
    await stopChild(server);
    await stub.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------------

console.log(
  `Orchestration benchmark — Node ${process.version}, ${process.platform}/${process.arch}, ${availableParallelism()} cores, load average ${loadavg()
    .map((v) => v.toFixed(2))
    .join(" ")}`,
);
const scratch: string[] = [];
let embedded: { url: string; stop: () => Promise<void> } | undefined;
try {
  let url: string;
  let mode: string;
  if (serverUrl) {
    const name = `cadre_orch_${process.pid}`;
    url = await createScratchDatabase(name);
    scratch.push(name);
    mode = `PostgreSQL server (fresh database ${name}, dropped at the end)`;
  } else {
    const { startEmbeddedDatabase } = await import("../../server/db/embedded");
    embedded = await startEmbeddedDatabase({});
    url = embedded.url;
    mode = "embedded PGlite (in memory, served on 127.0.0.1)";
  }
  await inProcess(url, mode, !serverUrl);
  const { stopRunEventListener } = await import("../../server/jobs/notify");
  await stopRunEventListener();
  const { disconnectDb } = await import("../../server/db/client");
  await disconnectDb();
  await embedded?.stop();
  embedded = undefined;
  if (!args.includes("--skip-http") && parts.has("2")) {
    if (serverUrl) {
      const name = `cadre_orch_${process.pid}_http`;
      const httpUrl = await createScratchDatabase(name);
      scratch.push(name);
      await overHttp(httpUrl, `PostgreSQL server (fresh database ${name}, dropped at the end)`);
    } else {
      await overHttp(null, "embedded PGlite of `npm start` (private CADRE_DATA_DIR under /tmp, removed at the end)");
    }
  }
} finally {
  for (const child of [...children]) await stopChild(child);
  await embedded?.stop().catch(() => undefined);
  if (serverUrl) {
    const { disconnectDb } = await import("../../server/db/client");
    await disconnectDb().catch(() => undefined);
    for (const name of scratch)
      await admin(`DROP DATABASE IF EXISTS ${name}`).catch((e: unknown) => console.error(`could not drop ${name}: ${(e as Error).message}`));
  }
}
process.exit(0);
