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
 * BENCH_N sets the samples per variant (default 300).
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { performance } from "node:perf_hooks";
import pg from "pg";

const serverUrl = process.argv[2];
const N = Number(process.env.BENCH_N ?? 300);
const median = (x: number[]) => [...x].sort((p, q) => p - q)[Math.floor(x.length / 2)]!;
const p90 = (x: number[]) => [...x].sort((p, q) => p - q)[Math.floor(x.length * 0.9)]!;

async function timed(label: string, n: number, op: (i: number) => Promise<unknown>): Promise<number> {
  for (let i = 0; i < Math.min(30, n); i++) await op(-1 - i);
  const wall: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await op(i);
    wall.push(performance.now() - t);
  }
  const m = median(wall);
  console.log(`  ${label.padEnd(64)} median ${m.toFixed(3)} ms, p90 ${p90(wall).toFixed(3)} ms`);
  return m;
}

async function scratchDatabase(): Promise<{ url: string; stop: () => Promise<void> }> {
  if (serverUrl) {
    const name = `cadre_bench_tools_${process.pid}`;
    const root = new pg.Client({ connectionString: serverUrl });
    await root.connect();
    await root.query(`CREATE DATABASE ${name}`);
    return {
      url: serverUrl.replace(/\/[^/]*$/, `/${name}`),
      stop: async () => {
        await root.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await root.end();
      },
    };
  }
  const { startEmbeddedDatabase } = await import("../../server/db/embedded");
  const embedded = await startEmbeddedDatabase({});
  return { url: embedded.url, stop: () => embedded.stop() };
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
  const { url, stop } = await scratchDatabase();
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
    const alone = await timed("the receiver alone (fetch, no Cadre)", N, async () => {
      const res = await fetch(`${receiverUrl}/ping`, { method: "POST", body: '{"n":1}', headers: { "content-type": "application/json" } });
      await res.text();
    });
    let k = 0;
    const through = await timed("a run's tool step (checks, guard, executor, record)", N, async () => {
      const callId = `agent~tool${++k}.1`;
      await step.run(
        callId,
        () => callTool({ ctx, runId: run.id, step, abortSignal }, { callId, agentStepId: "agent", name: "ping", input: { n: k }, agent, reason: "" }),
        {
          kind: "tool",
          nodeId: "agent",
        },
      );
    });
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
