/**
 * `npm run bench:router`: the model router's and the gateway's own cost.
 *
 * (a) routing decision time: `route()` over a synthetic 500-model catalog, 10,000 decisions (target p99 < 1 ms).
 * (b) gateway overhead per call: `generate()` against the local LLM stub (0 ms latency) vs a direct AI SDK
 *     `generateText` to the same stub model, interleaved, after a warm-up (target: median difference < 1 ms).
 *     What the caller waits for in the gateway: the catalog and preset (per-process cache, read from the database
 *     once per 2 s or after a change), routing, the budget check (cached budget row and month-to-date counter), the
 *     usage row write (one INSERT). The observed-stats update (one UPDATE) runs in the background; it is settled
 *     outside the timed window and reported apart. A per-step breakdown follows, with the cache misses on their own.
 *     Streaming, in the same interleaved loop: `generate()` with `onTextDelta` vs a direct `streamText` that reads
 *     the stream the same way (text deltas, tool calls, usage); so both the gateway's overhead on a streamed call and
 *     what streaming itself adds per call (streamed vs not, direct and through the gateway).
 *
 * Database: an in-process embedded PGlite (served on 127.0.0.1, like `npm start` in embedded mode); or, with
 * `--server [url]`, a fresh database `cadre_bench_<pid>` created on that PostgreSQL server (default
 * postgresql://postgres@127.0.0.1:5432/postgres) and dropped at the end; or the database at BENCH_DATABASE_URL (a
 * scratch database: the bench migrates it and writes rows to it, and leaves it).
 * The LLM stub runs in its own process (like a real model server); `--stub-in-process` runs it in the bench's
 * process instead, as the first version of this bench did (its request handling then shares the measured event loop).
 * Options: --iterations <n> (routing, default 10000), --calls <n> (gateway, default 300), --warmup <n> (default 50), --skip-routing,
 * --skip-gateway, --server [url], --stub-in-process; the regimes of the protocol (scripts/bench/figures.ts):
 * --stub-latency <ms> (realistic model calls; then use fewer --calls), --cold (catalog and budget caches emptied
 * before every timed call). Headline figures are also printed as `::figure::` lines for `npm run bench:protocol`.
 */
import { availableParallelism, loadavg } from "node:os";
import { performance } from "node:perf_hooks";
import { modelConstraintsSchema } from "../../lib/schemas/model-policy";
import { route, type CatalogEntry } from "../../server/models/router";
import { figure, regimeOf } from "./figures";

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const ITERATIONS = option("iterations", 10_000);
const CALLS = option("calls", 300);
const WARMUP_CALLS = option("warmup", 50);
const REGIME = regimeOf(args);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
const ms = (v: number) => `${v.toFixed(3)} ms`;
function stats(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p90: percentile(sorted, 90), p99: percentile(sorted, 99), max: sorted[sorted.length - 1]!, n: sorted.length };
}

// ---------------------------------------------------------------------------------------------------
// (a) routing decisions over 500 models

/** Deterministic pseudo-random numbers (mulberry32), so every run routes the same catalog. */
function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function syntheticCatalog(size: number): CatalogEntry[] {
  const random = rng(42);
  const kinds = ["openai", "anthropic", "openai_compatible", "openai_compatible"];
  const caps = ["tools", "json", "vision", "embeddings"];
  return Array.from({ length: size }, (_, i) => {
    const kind = kinds[i % kinds.length]!;
    const local = kind === "openai_compatible" && random() < 0.5;
    const price = random() * 20;
    return {
      id: `mdl_${i.toString().padStart(5, "0")}`,
      providerId: `prv_${i % 25}`,
      providerKind: kind,
      providerName: `Provider ${i % 25}`,
      isLocal: local,
      modelId: `model-${i}`,
      displayName: `Model ${i}`,
      inputPrice: Math.round(price * 100) / 100,
      outputPrice: Math.round(price * 4 * 100) / 100,
      contextWindow: [8_192, 32_768, 128_000, 200_000][Math.floor(random() * 4)]!,
      capabilities: caps.filter(() => random() < 0.6),
      quality: Math.round(random() * 100) / 100,
      enabled: random() < 0.95,
      latencyP95Ms: random() < 0.1 ? null : Math.round(200 + random() * 5000),
      errorRate: random() < 0.7 ? 0 : Math.round(random() * 30) / 100,
    };
  });
}

function benchRouting() {
  const catalog = syntheticCatalog(500);
  const policies = [
    { name: "balanced (min quality 0.6)", constraints: modelConstraintsSchema.parse({ minQuality: 0.6 }) },
    {
      name: "constrained (quality, p95, cost cap, tools+json, local first)",
      constraints: modelConstraintsSchema.parse({
        minQuality: 0.5,
        maxP95LatencyMs: 3000,
        maxCostPerCallUsd: 0.05,
        requiredCapabilities: ["tools", "json"],
        localFirst: true,
      }),
    },
    { name: "preferred providers", constraints: modelConstraintsSchema.parse({ preferredProviders: ["prv_3", "anthropic"], minQuality: 0.3 }) },
  ];
  const open = new Set(catalog.filter((_, i) => i % 50 === 0).map((e) => e.id)); // 10 open circuits
  console.log(`\n(a) Routing decision time: route() over a synthetic catalog of ${catalog.length} models, ${ITERATIONS} decisions per policy`);
  const rows: string[] = [];
  for (const policy of policies) {
    const req = { constraints: policy.constraints, promptTokens: 2000, maxOutputTokens: 1000, openCircuits: open };
    for (let i = 0; i < 1000; i++) route(catalog, req); // warm-up (JIT)
    const samples: number[] = new Array(ITERATIONS);
    let feasible = 0;
    for (let i = 0; i < ITERATIONS; i++) {
      const t0 = performance.now();
      const decision = route(catalog, req);
      samples[i] = performance.now() - t0;
      feasible = decision.fallbacks.length + 1;
    }
    const s = stats(samples);
    const key = policy.name.split(" ")[0];
    figure(`route.${key}.p50`, s.p50);
    figure(`route.${key}.p99`, s.p99);
    rows.push(`  ${policy.name.padEnd(62)} p50 ${ms(s.p50)}  p90 ${ms(s.p90)}  p99 ${ms(s.p99)}  max ${ms(s.max)}  (${feasible} feasible)`);
  }
  for (const row of rows) console.log(row);
  return rows;
}

// ---------------------------------------------------------------------------------------------------
// (b) gateway overhead against the stub

async function benchGateway() {
  const { startEmbeddedDatabase } = await import("../../server/db/embedded");

  let embedded: Awaited<ReturnType<typeof startEmbeddedDatabase>> | undefined;
  let url = process.env.BENCH_DATABASE_URL;
  let mode = url ? "PostgreSQL (BENCH_DATABASE_URL)" : "embedded PGlite (in memory, served on 127.0.0.1)";
  let dropScratch: (() => Promise<void>) | undefined;
  const serverAt = args.indexOf("--server");
  if (serverAt >= 0) {
    const next = args[serverAt + 1];
    const scratch = await createScratchDatabase(next && !next.startsWith("--") ? next : "postgresql://postgres@127.0.0.1:5432/postgres");
    url = scratch.url;
    dropScratch = scratch.drop;
    mode = `PostgreSQL server (fresh database ${scratch.name}, dropped at the end)`;
  }
  if (!url) {
    embedded = await startEmbeddedDatabase({});
    url = embedded.url;
  }
  try {
    return await measureGateway(url, mode, embedded !== undefined);
  } finally {
    await embedded?.stop();
    await dropScratch?.();
  }
}

/**
 * The LLM stub in a child process (`npm run stub:llm`'s script), as a model server is in real use: its own request
 * handling then does not run on the event loop being measured. Killed when the bench exits, whatever the outcome.
 */
async function startStubProcess(): Promise<{ url: string; close: () => Promise<void> }> {
  const { spawn } = await import("node:child_process");
  const { fileURLToPath } = await import("node:url");
  const cli = fileURLToPath(new URL("../llm-stub/cli.ts", import.meta.url));
  const tsx = fileURLToPath(new URL("../../node_modules/.bin/tsx", import.meta.url));
  const child = spawn(tsx, [cli, "--latency", String(REGIME.stubLatencyMs)], { stdio: ["ignore", "pipe", "inherit"] });
  process.once("exit", () => child.kill("SIGTERM"));
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const match = /listening: (http:\/\/\S+)/.exec(out);
      if (match) resolve(match[1]!);
    });
    child.once("exit", (code) => reject(new Error(`the LLM stub exited (${code}) before listening`)));
  });
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

/** A fresh database on a PostgreSQL server (its name carries the bench's pid), and how to drop it. */
async function createScratchDatabase(serverUrl: string): Promise<{ url: string; name: string; drop: () => Promise<void> }> {
  const { default: pg } = await import("pg");
  const name = `cadre_bench_${process.pid}`;
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: serverUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`DROP DATABASE IF EXISTS ${name}`);
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: async () => {
      const { disconnectDb } = await import("../../server/db/client");
      await disconnectDb(); // no connection may stay open on the database being dropped
      await admin(`DROP DATABASE IF EXISTS ${name}`);
    },
  };
}

async function measureGateway(url: string, mode: string, isEmbedded: boolean) {
  const { migrate } = await import("../../server/db/migrate");
  const { setEnv } = await import("../../server/env");
  await migrate(url);
  setEnv("DATABASE_URL", url);
  setEnv("CADRE_DATABASE_MODE", isEmbedded ? "embedded" : "server");
  setEnv("LOG_LEVEL", "silent");
  setEnv("CADRE_EGRESS_ALLOW", "127.0.0.1"); // the LLM stub listens on 127.0.0.1
  process.env.CADRE_MASTER_KEY ??= Buffer.alloc(32, 9).toString("base64");

  const { db, disconnectDb, SYSTEM } = await import("../../server/db/client");
  const { newId } = await import("../../lib/ids");
  const { permissionsOf } = await import("../../lib/permissions");
  const { generate, settleObservations } = await import("../../server/models/gateway");
  const { ensureDefaultCatalog } = await import("../../server/models/catalog");
  const { loadCatalog, resolvePolicy, routeFor } = await import("../../server/models/routing");
  const { invalidateCatalogCache } = await import("../../server/models/catalog-cache");
  const { assertWithinBudget } = await import("../../server/ledger/budget-check");
  const { configureBudgetCache } = await import("../../server/ledger/budget-cache");
  const { recordUsage } = await import("../../server/ledger/record");
  const { recordModelObservation } = await import("../../server/models/stats");
  const { createLanguageModel } = await import("../../server/models/provider-factory");
  const { startLlmStub } = await import("../llm-stub/server");
  const { generateText, streamText } = await import("ai");
  type Ctx = import("../../server/context").TenantContext;

  const stubInProcess = args.includes("--stub-in-process");
  const stub = stubInProcess ? await startLlmStub({ latencyMs: REGIME.stubLatencyMs }) : await startStubProcess();
  const suffix = Math.random().toString(36).slice(2, 8);
  const user = await db(SYSTEM("operator")).user.create({ data: { id: newId("usr"), email: `bench-${suffix}@example.test`, name: "bench" } });
  const workspace = await db(SYSTEM("operator")).workspace.create({ data: { id: newId("ws"), slug: `bench-${suffix}`, name: "Bench" } });
  await db(SYSTEM("operator")).membership.create({ data: { id: newId("mem"), workspaceId: workspace.id, userId: user.id, role: "owner" } });
  const ctx: Ctx = {
    workspaceId: workspace.id,
    workspaceSlug: workspace.slug,
    role: "owner",
    permissions: new Set(permissionsOf("owner")),
    actor: { type: "user", userId: user.id, email: user.email },
  };
  await ensureDefaultCatalog(ctx);
  await db(SYSTEM("operator")).provider.updateMany({ where: { workspaceId: workspace.id, kind: "simulator" }, data: { enabled: false } });
  const provider = await db(SYSTEM("operator")).provider.create({
    data: { id: newId("prv"), workspaceId: workspace.id, name: "Stub", kind: "openai_compatible", baseUrl: stub.url, isLocal: true },
  });
  const benchModel = await db(SYSTEM("operator")).model.create({
    data: {
      id: newId("mdl"),
      workspaceId: workspace.id,
      providerId: provider.id,
      modelId: "bench",
      displayName: "Bench",
      inputPrice: 1,
      outputPrice: 2,
      contextWindow: 128_000,
      capabilities: ["tools", "json"],
      quality: 0.8,
    },
  });
  // a monthly budget, so the budget check does its full work (limit + month-to-date spend)
  await db(SYSTEM("operator")).budget.create({ data: { workspaceId: workspace.id, monthlyLimitUsd: 1_000_000 } });

  const direct = createLanguageModel({ id: provider.id, kind: "openai_compatible", name: provider.name, baseUrl: stub.url, isLocal: true }, "bench", undefined);
  const prompt = "Summarise the benefits of routing model calls by constraints in one sentence.";
  const policy = { type: "preset" as const, preset: "balanced" };
  let deltas = 0;
  const onTextDelta = (delta: string) => {
    deltas += delta.length > 0 ? 1 : 0;
  };
  const callDirect = () => generateText({ model: direct, prompt, maxOutputTokens: 64, maxRetries: 0 });
  const callGateway = () => generate(ctx, { policy, prompt, maxOutputTokens: 64 });
  // what the gateway does with a stream, minus the gateway: read every part, hand on the text, keep the usage
  const callDirectStream = async () => {
    const result = streamText({ model: direct, prompt, maxOutputTokens: 64, maxRetries: 0, onError: () => {} });
    let text = "";
    let usage: unknown;
    for await (const part of result.stream) {
      if (part.type === "text-delta") {
        text += part.text;
        onTextDelta(part.text);
      } else if (part.type === "finish") usage = part.totalUsage;
      else if (part.type === "error") throw part.error;
    }
    return { text, usage };
  };
  const callGatewayStream = () => generate(ctx, { policy, prompt, maxOutputTokens: 64, onTextDelta });

  const samples = { direct: [] as number[], gateway: [] as number[], directStream: [] as number[], gatewayStream: [] as number[] };
  const backgroundSamples: number[] = [];
  const timed = (name: keyof typeof samples, call: () => Promise<unknown>, background: boolean) => async () => {
    if (REGIME.cold) {
      invalidateCatalogCache(ctx.workspaceId);
      configureBudgetCache();
    }
    const t0 = performance.now();
    await call();
    samples[name].push(performance.now() - t0);
    if (!background) return;
    const t1 = performance.now();
    await settleObservations(); // the background stats write, outside the timed window
    backgroundSamples.push(performance.now() - t1);
  };
  const variants = [
    timed("direct", callDirect, false),
    timed("gateway", callGateway, true),
    timed("directStream", callDirectStream, false),
    timed("gatewayStream", callGatewayStream, true),
  ];
  for (let i = 0; i < WARMUP_CALLS; i++) for (const variant of variants) await variant();
  for (const list of [...Object.values(samples), backgroundSamples]) list.length = 0;
  deltas = 0;

  const loadBefore = loadavg()[0]!;
  for (let i = 0; i < CALLS; i++) {
    // interleaved, rotating which goes first, so drift (GC, JIT, table growth) hits all alike
    for (let k = 0; k < variants.length; k++) await variants[(i + k) % variants.length]!();
  }
  const loadAfter = loadavg()[0]!;
  const d = stats(samples.direct);
  const g = stats(samples.gateway);
  const ds = stats(samples.directStream);
  const gs = stats(samples.gatewayStream);
  const bg = stats(backgroundSamples);
  const deltasPerCall = deltas / (2 * CALLS);
  const usageRows = await db(SYSTEM("operator")).usageRecord.count({ where: { workspaceId: workspace.id } });

  // where the overhead goes: each step of the gateway on its own, same data
  const steps: [string, () => Promise<unknown>][] = [
    ["catalog + preset (per-process cache, hit)", () => Promise.all([resolvePolicy(ctx, policy), loadCatalog(ctx)])],
    [
      "catalog + preset (miss: 2 reads in parallel; per 2 s)",
      () => {
        invalidateCatalogCache(ctx.workspaceId);
        return Promise.all([resolvePolicy(ctx, policy), loadCatalog(ctx)]);
      },
    ],
    ["budget check (cached row + month-to-date counter)", () => assertWithinBudget(ctx, { estimateUsd: 0.001 })],
    [
      "budget check (miss: budget row + SUM; per 2 s)",
      () => {
        configureBudgetCache(); // clears the row and the counters
        return assertWithinBudget(ctx, { estimateUsd: 0.001 });
      },
    ],
    [
      "usage row write (one INSERT, awaited)",
      () =>
        recordUsage(ctx, {
          modelName: "bench",
          providerKind: "openai_compatible",
          inputTokens: 10,
          outputTokens: 10,
          costUsd: 0.00003,
          latencyMs: 1,
          outcome: "ok",
        }),
    ],
    ["(background) observed stats update (one UPDATE)", () => recordModelObservation(ctx, benchModel.id, { latencyMs: 1, outcome: "ok" })],
  ];
  const breakdown: [string, number][] = [];
  for (const [name, fn] of steps) {
    for (let i = 0; i < 20; i++) await fn();
    const samples: number[] = [];
    for (let i = 0; i < 100; i++) {
      const t0 = performance.now();
      await fn();
      samples.push(performance.now() - t0);
    }
    breakdown.push([name, stats(samples).p50]);
  }
  const catalog = await loadCatalog(ctx);
  const resolved = await resolvePolicy(ctx, policy);
  const routeSamples: number[] = [];
  for (let i = 0; i < 1000; i++) {
    const t0 = performance.now();
    routeFor(catalog.entries, { resolved, promptTokens: 20, maxOutputTokens: 64 });
    routeSamples.push(performance.now() - t0);
  }
  breakdown.push(["routing (in memory)", stats(routeSamples).p50]);

  const added = g.p50 - d.p50;
  const addedStream = gs.p50 - ds.p50;
  figure("gateway.added.median", added);
  figure("gateway.stream.added.median", addedStream);
  figure("gateway.median", g.p50);
  figure("direct.median", d.p50);
  console.log(
    `\n(b) Gateway overhead per call: ${CALLS} calls of each kind after ${WARMUP_CALLS} warm-up calls, ${REGIME.label}, LLM stub ` +
      `(${stubInProcess ? "in this process" : "in its own process"}), database: ${mode}`,
  );
  const lines = [
    `  direct AI SDK generateText      median ${ms(d.p50)}  p90 ${ms(d.p90)}  p99 ${ms(d.p99)}`,
    `  gateway generate()              median ${ms(g.p50)}  p90 ${ms(g.p90)}  p99 ${ms(g.p99)}`,
    `  added by the gateway (medians)  ${ms(added)}   (what the caller waits for; target < 1 ms: ${added < 1 ? "met" : "NOT met"})`,
    `  direct AI SDK streamText        median ${ms(ds.p50)}  p90 ${ms(ds.p90)}  p99 ${ms(ds.p99)}  (${deltasPerCall.toFixed(1)} text deltas per call)`,
    `  gateway generate({onTextDelta}) median ${ms(gs.p50)}  p90 ${ms(gs.p90)}  p99 ${ms(gs.p99)}`,
    `  added by the gateway, streamed  ${ms(addedStream)}   (medians)`,
    `  streaming adds per call         ${ms(ds.p50 - d.p50)} direct, ${ms(gs.p50 - g.p50)} through the gateway (medians, streamed minus not)`,
    `  background stats write          median ${ms(bg.p50)} after generate() returned (not in the figures above)`,
    `  usage rows written              ${usageRows} (one per gateway call, warm-up included)`,
    `  load average (1 min)            ${loadBefore.toFixed(2)} before, ${loadAfter.toFixed(2)} after the timed calls (${availableParallelism()} cores, shared with whatever else runs)`,
    `  breakdown (median of each step alone):`,
    ...breakdown.map(([name, v]) => `    ${name.padEnd(56)} ${ms(v)}`),
    `    (each database step is one round trip to ${isEmbedded ? "PGlite" : "PostgreSQL"} or two in parallel; misses happen once per workspace per 2 s, or after a change)`,
  ];
  for (const line of lines) console.log(line);

  await stub.close();
  await disconnectDb();
  return { mode, direct: d, gateway: g, directStream: ds, gatewayStream: gs, breakdown };
}

console.log(`Model router and gateway benchmark — Node ${process.version}, ${process.platform}/${process.arch}`);
if (!args.includes("--skip-routing")) benchRouting();
if (!args.includes("--skip-gateway")) await benchGateway();
