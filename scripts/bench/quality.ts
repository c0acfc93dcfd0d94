/**
 * `npm run bench:quality`: what the quality gate costs, in sections (each a function in SECTIONS; another section
 * measures the judges' gate when it lands). In process, no database: the policy itself is read once per run (one
 * indexed row, pinned for the run), so a step pays only for the recognisers.
 *
 * PII and secret redaction (server/quality/pii):
 * - throughput in MB/s over a text of prose with a finding every ~500 characters (emails, phones, cards, IBANs, IPs,
 *   keys) and over clean prose, for the default policy (secrets and tokens) and for every entity on;
 * - the cost it adds to a step: one answer of 2 KB and one tool result of 8 KB redacted, median µs per step.
 * BENCH_MB sets the size of the throughput texts (default 4).
 *
 * The judges' gate (server/jobs/quality-gate.ts), `npm run bench:quality -- gate`: a single-agent run on the LLM stub
 * answering at once (a 0 ms model), with and without a gate of one judge (also on the stub, answering "pass" at
 * once), started and followed to its end in process, in alternating blocks of 10; the difference of the medians is
 * what the gate adds per judged output (the judge's durable step, its model call through the gateway, its verdict
 * and consensus rows and events). Embedded PGlite, or the PostgreSQL server at BENCH_DATABASE_URL (a scratch
 * database, dropped at the end). BENCH_N: runs per figure (default 100).
 */
import { performance } from "node:perf_hooks";
import { DEFAULT_PII_POLICY, PII_ENTITIES, type PiiPolicy } from "@/lib/schemas/pii";
import { compilePolicy, redactString, redactText } from "@/server/quality/pii/redact";

const MB = Number(process.env.BENCH_MB ?? 4);
const median = (x: number[]) => [...x].sort((p, q) => p - q)[Math.floor(x.length / 2)]!;

const PROSE =
  "The quarterly review covers onboarding, the support backlog and the migration plan. Version 2.4.1 shipped on " +
  "2026-11-03 with commit 9f3c2ab; order 4410-2231-9987 was refunded. The team will meet again next Tuesday. ";
// built at run time, never committed as such
const FINDINGS = [
  "jane.doe@example.com",
  "+44 20 7946 0958",
  "4111 1111 1111 1111",
  "GB82 WEST 1234 5698 7654 32",
  "192.168.10.24",
  `gh${"p_"}${"Zq4Wm8Rt2Yp6Lk0Hj3Gf7Ds1Az5Xc9Vb8Nm4"}`,
  `AK${"IA"}Q7W2E4R6T8Y3U5I7`,
];

function text(bytes: number, withFindings: boolean): string {
  let out = "";
  let i = 0;
  while (out.length < bytes) {
    out += PROSE + PROSE.slice(0, 260);
    if (withFindings) out += ` contact ${FINDINGS[i++ % FINDINGS.length]} today. `;
  }
  return out.slice(0, bytes);
}

const ALL_ON: PiiPolicy = { ...DEFAULT_PII_POLICY, actions: Object.fromEntries(PII_ENTITIES.map((e) => [e, "redact"])) as PiiPolicy["actions"] };
const POLICIES = { "default (secrets, JWTs)": compilePolicy(DEFAULT_PII_POLICY), "every entity": compilePolicy(ALL_ON) };

function throughput(): void {
  console.log(`\nPII and secret redaction: throughput over ${MB} MB (pieces of 64 KB)`);
  for (const [label, policy] of Object.entries(POLICIES)) {
    for (const dense of [true, false]) {
      const piece = text(64 * 1024, dense);
      const pieces = Math.ceil((MB * 1024 * 1024) / piece.length);
      redactText(piece, policy, "storage"); // compiled and warm
      let found = 0;
      const start = performance.now();
      for (let i = 0; i < pieces; i++) found += redactText(piece, policy, "storage").findings.length;
      const seconds = (performance.now() - start) / 1000;
      const rate = (pieces * piece.length) / 1024 / 1024 / seconds;
      console.log(`  ${`${label}, ${dense ? "a finding per ~500 chars" : "clean prose"}`.padEnd(58)} ${rate.toFixed(1).padStart(7)} MB/s  (${found} findings)`);
    }
  }
}

function stepCost(): void {
  console.log("\nPII and secret redaction: cost added to a step (a 2 KB answer and an 8 KB tool result)");
  const answer = text(2048, true);
  const toolResult = text(8192, true);
  for (const [label, policy] of Object.entries(POLICIES)) {
    const samples: number[] = [];
    for (let i = 0; i < 2000; i++) {
      const start = performance.now();
      redactString(answer, policy, "storage");
      redactString(toolResult, policy, "tool_results");
      samples.push((performance.now() - start) * 1000);
    }
    console.log(`  ${label.padEnd(58)} median ${median(samples.slice(200)).toFixed(0).padStart(5)} µs per step`);
  }
}

async function gateOverhead(): Promise<void> {
  const N = Number(process.env.BENCH_N ?? 100);
  process.env.AUTH_SECRET ??= "bench-secret-0123456789abcdef0123456789";
  process.env.CADRE_MASTER_KEY ??= Buffer.alloc(32, 7).toString("base64");
  process.env.CADRE_EGRESS_ALLOW = "127.0.0.1";
  process.env.LOG_LEVEL = "silent";
  const { scratchDatabase } = await import("./scratch-database");
  const { url, stop } = await scratchDatabase(process.env.BENCH_DATABASE_URL, "quality");
  const { migrate } = await import("../../server/db/migrate");
  const { setEnv } = await import("../../server/env");
  await migrate(url);
  process.env.DATABASE_URL = url;
  setEnv("DATABASE_URL", url);
  const { startLlmStub } = await import("../llm-stub/server");
  const { startExecutor } = await import("../../server/jobs/executor");
  const { makeRunWorkspace, useStubProvider, addAgent } = await import("../../test/fixtures/runs");
  const { createJudge } = await import("../../server/quality/judges/service");
  const { updateAgent } = await import("../../server/agents/service");
  const { startRun } = await import("../../server/runs/service");
  const { followRun } = await import("../../server/mcp-endpoint/follow-run");
  const { testDb } = await import("../../test/db");

  const stub = await startLlmStub();
  const rw = await makeRunWorkspace("bench-quality");
  const modelId = await useStubProvider(rw.ws.id, stub.url);
  const policy = { type: "pinned" as const, modelId };
  await createJudge(rw.ctx, {
    slug: "bench-judge",
    name: "bench-judge",
    instructions: "Judge the answer. [[bench:judge]]",
    rubric: { criteria: [{ key: "accuracy", description: "Facts are right", weight: 1 }], scale: { min: 1, max: 5 } },
    modelPolicy: policy,
    maxOutputTokens: 128,
  });
  await addAgent(rw.ctx, "plain", { modelPolicy: policy, maxOutputTokens: 32 });
  await addAgent(rw.ctx, "gated", { modelPolicy: policy, maxOutputTokens: 32 });
  await updateAgent(rw.ctx, "gated", { qualityGate: { judges: ["bench-judge"], maxRevisions: 0, onFail: "fail", passThreshold: 0.7, failThreshold: 0.4 } });
  const pass = JSON.stringify({ scores: { accuracy: 5 }, verdict: "pass", rationale: "right", issues: [] });
  const executor = startExecutor({ pollMs: 5, workspaceIds: [rw.ws.id], reclaimOrphans: false });
  const runOnce = async (agent: string) => {
    if (agent === "gated") stub.reply({ when: "[[bench:judge]]", content: pass });
    const run = await startRun(rw.ctx, { agent, input: "Say hello." });
    const ended = await followRun(rw.ctx, run.id, { timeoutMs: 30_000 });
    if (ended.status !== "succeeded") throw new Error(`the ${agent} run ended ${ended.status}`);
  };
  try {
    for (let i = 0; i < 5; i++) for (const agent of ["plain", "gated"]) await runOnce(agent); // warm
    const samples: Record<string, number[]> = { plain: [], gated: [] };
    for (let start = 0; start < N; start += 10) {
      for (const agent of ["plain", "gated"]) {
        for (let i = start; i < Math.min(N, start + 10); i++) {
          const t = performance.now();
          await runOnce(agent);
          samples[agent]!.push(performance.now() - t);
        }
      }
    }
    const verdicts = await testDb().judgeVerdict.count({ where: { workspaceId: rw.ws.id } });
    const plain = median(samples.plain!);
    const gated = median(samples.gated!);
    console.log(
      `\nThe judges' gate: one judge on a 0 ms model, ${process.env.BENCH_DATABASE_URL ? "PostgreSQL" : "embedded PGlite"}; ${N} runs each (${verdicts} verdicts)`,
    );
    console.log(`  ${"a single-agent run, no gate".padEnd(58)} median ${plain.toFixed(2)} ms`);
    console.log(`  ${"the same with a gate of one judge (pass)".padEnd(58)} median ${gated.toFixed(2)} ms`);
    console.log(`  ${"  → the gate adds per judged output".padEnd(58)} ${(gated - plain).toFixed(2)} ms`);
  } finally {
    await executor.stop();
    await stub.close();
    const { disconnectDb } = await import("../../server/db/client");
    await disconnectDb();
    await testDb().$disconnect();
    await stop();
  }
}

/** Each section prints its own lines. */
const SECTIONS: [string, () => void | Promise<void>][] = [
  ["pii-throughput", throughput],
  ["pii-step-cost", stepCost],
  ["gate", gateOverhead],
];

const only = process.argv[2];
for (const [name, run] of SECTIONS) if (!only || only === name) await run();
process.exit(0);
