/**
 * `npm run bench:tools [postgresql://…]`: what Cadre adds to one tool call, on embedded PGlite (served on 127.0.0.1
 * as `npm start` does) or on the PostgreSQL server whose URL is the first argument (a scratch database, dropped at
 * the end). Per call, median wall time:
 * - the receiver alone: a plain `fetch` of a local HTTP tool that answers at once (no Cadre);
 * - the same call as a run's tool step: the step's start, the call-time checks (grant, the registry read, the
 *   arguments' schema, the approval policy, the rate-limit window), the flush of the run's writes, the workspace's
 *   egress lists, the egress guard, the executor, and the step's record (write-behind, committed by the next call's
 *   flush): the difference is Cadre's overhead;
 * - an MCP `tools/call` round trip through the MCP executor (a session per call) against a local MCP server.
 * The first two are measured in turn, in blocks of 20 samples, so that both see the same load of a shared machine.
 * BENCH_N sets the samples per variant (default 300).
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { performance } from "node:perf_hooks";
import { scratchDatabase } from "./scratch-database";

const serverUrl = process.argv[2];
const N = Number(process.env.BENCH_N ?? 300);
const median = (x: number[]) => [...x].sort((p, q) => p - q)[Math.floor(x.length / 2)]!;
const p90 = (x: number[]) => [...x].sort((p, q) => p - q)[Math.floor(x.length * 0.9)]!;

function report(label: string, wall: number[]): number {
  const m = median(wall);
  console.log(`  ${label.padEnd(64)} median ${m.toFixed(3)} ms, p90 ${p90(wall).toFixed(3)} ms`);
  return m;
}

async function timed(label: string, n: number, op: (i: number) => Promise<unknown>): Promise<number> {
  return (await interleaved(n, [[label, op]]))[0]!;
}

/**
 * Variants measured in turn, a block of BLOCK samples each (a×20, b×20, a×20, ...): on a shared machine both see the
 * same load, so the difference of their medians is not one between a quiet and a busy stretch. `between` runs
 * (untimed) after each block: the tool step's writes are committed there, so that no variant's writes are left to
 * run inside another's timing (PGlite runs in this process); the block's first call finds no record of an earlier one
 * to commit, as a call after a model turn does not.
 */
const BLOCK = 20;
async function interleaved(n: number, variants: [string, (i: number) => Promise<unknown>][], between?: () => Promise<void>): Promise<number[]> {
  for (let i = 0; i < Math.min(30, n); i++) for (const [, op] of variants) await op(-1 - i);
  await between?.();
  const walls = variants.map(() => [] as number[]);
  for (let start = 0; start < n; start += BLOCK) {
    for (const [v, [, op]] of variants.entries()) {
      for (let i = start; i < Math.min(n, start + BLOCK); i++) {
        const t = performance.now();
        await op(i);
        walls[v]!.push(performance.now() - t);
      }
      await between?.();
    }
  }
  return variants.map(([label], v) => report(label, walls[v]!));
}

async function main() {
  const receiver = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end('{"ok":true}');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  const { url, stop } = await scratchDatabase(serverUrl, "tools");
  try {
    const { migrate } = await import("../../server/db/migrate");
    const { setEnv } = await import("../../server/env");
    await migrate(url);
    setEnv("DATABASE_URL", url);
    setEnv("LOG_LEVEL", "silent");
    setEnv("CADRE_EGRESS_ALLOW", "127.0.0.1");
    const { disconnectDb } = await import("../../server/db/client");
    const { createPostgresStep } = await import("../../server/jobs/step");
    const { callTool } = await import("../../server/tools/call");
    const { createTool } = await import("../../server/tools/service");
    const { permissionsOf } = await import("../../lib/permissions");
    const { PrismaClient } = await import("../../server/db/generated/client");
    const { PrismaPg } = await import("@prisma/adapter-pg");
    const plain = new PrismaClient({ adapter: new PrismaPg({ connectionString: url, max: 2 }) });
    const user = await plain.user.create({ data: { id: "usr_bench_tools", email: "bench-tools@example.test" } });
    const ws = await plain.workspace.create({ data: { id: "ws_bench_tools", slug: "bench-tools", name: "bench" } });
    await plain.membership.create({ data: { id: "mem_bench_tools", workspaceId: ws.id, userId: user.id, role: "owner" } });
    const ctx = {
      workspaceId: ws.id,
      workspaceSlug: ws.slug,
      actor: { type: "user", userId: user.id },
      role: "owner",
      permissions: new Set(permissionsOf("owner")),
    } as unknown as import("../../server/context").TenantContext;
    await createTool(ctx, {
      name: "ping",
      description: "Pings the receiver",
      inputSchema: { type: "object", properties: { n: { type: "integer" } }, required: ["n"] },
      config: { method: "POST", urlTemplate: `${receiverUrl}/ping`, headers: {}, bodyTemplate: null },
    });
    const run = await plain.run.create({
      data: { id: "run_bench_tools", workspaceId: ws.id, targetType: "agent", input: "bench", status: "running", createdByType: "user", createdById: user.id },
    });
    const step = createPostgresStep({ runId: run.id, workspaceId: ws.id });
    const agent = { agentId: "agt_bench_tools", slug: "bench", allowedTools: ["ping"] };
    const abortSignal = new AbortController().signal;

    console.log(`One tool call, ${serverUrl ? "PostgreSQL server" : "embedded PGlite"}; ${N} samples each; Node ${process.version}`);
    let k = 0;
    const [alone = 0, through = 0] = await interleaved(
      N,
      [
        [
          "the receiver alone (fetch, no Cadre)",
          async () => {
            const res = await fetch(`${receiverUrl}/ping`, { method: "POST", body: '{"n":1}', headers: { "content-type": "application/json" } });
            await res.text();
          },
        ],
        [
          "a run's tool step (checks, guard, executor, record)",
          async () => {
            const callId = `agent~tool${++k}.1`;
            await step.run(
              callId,
              () => callTool({ ctx, runId: run.id, step, abortSignal }, { callId, agentStepId: "agent", name: "ping", input: { n: k }, agent, reason: "" }),
              { kind: "tool", nodeId: "agent" },
            );
          },
        ],
      ],
      () => step.flush(),
    );
    await step.flush();
    console.log(`  ${"  → Cadre adds".padEnd(64)} ${(through - alone).toFixed(3)} ms per call`);

    const { mcpBenchServer } = await import("./tools-mcp-server");
    const mcp = await mcpBenchServer();
    try {
      const { createMcpServer } = await import("../../server/tools/mcp-servers");
      await createMcpServer(ctx, { name: "bench", url: mcp.url });
      const { resolveTools } = await import("../../server/tools/registry");
      const { mcpExecutor } = await import("../../server/tools/mcp-executor");
      const tool = (await resolveTools(ctx, ["bench_echo"])).get("bench_echo");
      if (!tool) throw new Error("the bench MCP server's tool was not synced");
      await timed("an MCP tools/call round trip (a session per call)", Math.min(N, 200), async (i) => {
        const out = await mcpExecutor(
          { text: `hello ${i}` },
          { ctx, runId: run.id, stepId: `mcp${i}`, idempotencyKey: `${run.id}:mcp${i}`, agentId: agent.agentId, abortSignal, egressLists: null, tool },
        );
        if (out.isError) throw new Error(String(out.output));
      });
    } finally {
      await mcp.close();
    }
    await plain.$disconnect();
    await disconnectDb();
  } finally {
    await stop();
    await new Promise((resolve) => receiver.close(resolve));
  }
}
await main();
