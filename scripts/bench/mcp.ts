/**
 * `npm run bench:mcp [postgresql://…]`: the hosted MCP endpoint over HTTP, on embedded PGlite (served on 127.0.0.1 as
 * `npm start` does) or on the PostgreSQL server whose URL is the first argument (a scratch database, dropped at the
 * end). An API key of the workspace; the endpoint served by a local HTTP server in this process, as a route handler;
 * one agent offered, on the LLM stub answering at once (a 0 ms model). Per request, median wall time:
 * - `tools/list` (JSON answer, within a session): target <= 10 ms;
 * - the agent's run alone: started and followed to its end in process (startRun + followRun, no MCP, no HTTP);
 * - `tools/call` of the agent's tool over HTTP (SSE answer): the difference with the run alone is what the MCP call
 *   adds (authentication, session, the server, the transport, the audit entry, HTTP): target <= 10 ms.
 * The run alone and the call are measured in turn, in blocks of 10, so that both see the same load. BENCH_N: samples
 * per figure (default 100).
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { performance } from "node:perf_hooks";
import { Readable } from "node:stream";
import { scratchDatabase } from "./scratch-database";

const serverUrl = process.argv[2];
const N = Number(process.env.BENCH_N ?? 100);
const sorted = (x: number[]) => [...x].sort((p, q) => p - q);
const median = (x: number[]) => sorted(x)[Math.floor(x.length / 2)]!;
const p90 = (x: number[]) => sorted(x)[Math.floor(x.length * 0.9)]!;
const report = (label: string, wall: number[]) => {
  console.log(`  ${label.padEnd(58)} median ${median(wall).toFixed(2)} ms, p90 ${p90(wall).toFixed(2)} ms`);
  return median(wall);
};

async function main() {
  process.env.AUTH_SECRET ??= "bench-secret-0123456789abcdef0123456789";
  process.env.CADRE_MASTER_KEY ??= Buffer.alloc(32, 7).toString("base64");
  process.env.CADRE_EGRESS_ALLOW = "127.0.0.1";
  process.env.LOG_LEVEL = "silent";
  const { url, stop } = await scratchDatabase(serverUrl, "mcp");
  const { migrate } = await import("../../server/db/migrate");
  const { setEnv } = await import("../../server/env");
  await migrate(url);
  process.env.DATABASE_URL = url;
  setEnv("DATABASE_URL", url);
  const { startLlmStub } = await import("../llm-stub/server");
  const { startExecutor } = await import("../../server/jobs/executor");
  const { makeRunWorkspace, useStubProvider, addAgent } = await import("../../test/fixtures/runs");
  const { generateRawApiKey, storeApiKey } = await import("../../server/auth/api-keys");
  const { permissionsOf } = await import("../../lib/permissions");
  const { handleMcpRequest } = await import("../../server/mcp-endpoint/handler");
  const { followRun } = await import("../../server/mcp-endpoint/follow-run");
  const { startRun } = await import("../../server/runs/service");
  const { testDb } = await import("../../test/db");

  const stub = await startLlmStub();
  const rw = await makeRunWorkspace("bench-mcp");
  const modelId = await useStubProvider(rw.ws.id, stub.url);
  const agent = await addAgent(rw.ctx, "echo", { modelPolicy: { type: "pinned", modelId }, maxOutputTokens: 32 });
  await testDb().agent.updateMany({ where: { id: agent.id }, data: { mcpExposed: true } });
  const raw = generateRawApiKey();
  await storeApiKey({ workspaceId: rw.ws.id, createdById: rw.ws.users.owner.id, name: "bench", scopes: [...permissionsOf("owner")] }, raw);
  const executor = startExecutor({ pollMs: 5, workspaceIds: [rw.ws.id], reclaimOrphans: false });

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      const headers = new Headers(Object.entries(req.headers).flatMap(([k, v]) => (typeof v === "string" ? [[k, v] as [string, string]] : [])));
      const request = new Request(`http://127.0.0.1${req.url}`, {
        method: req.method,
        headers,
        body: req.method === "POST" ? Buffer.concat(chunks) : undefined,
      });
      const response = await handleMcpRequest(request, rw.ws.slug);
      res.writeHead(response.status, Object.fromEntries(response.headers));
      if (response.body) Readable.fromWeb(response.body as never).pipe(res);
      else res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/mcp/${rw.ws.slug}`;
  const base = { authorization: `Bearer ${raw}`, "content-type": "application/json" };
  let id = 0;
  const rpc = async (method: string, params: unknown, accept: string, session?: string) => {
    const res = await fetch(endpoint, {
      method: "POST",
      headers: { ...base, accept, ...(session ? { "mcp-session-id": session } : {}) },
      body: JSON.stringify({ jsonrpc: "2.0", id: ++id, method, params }),
    });
    const text = await res.text();
    if (res.status !== 200 || text.includes('"error"')) throw new Error(`${method}: ${res.status} ${text.slice(0, 300)}`);
    return { res, text };
  };
  try {
    const init = await rpc("initialize", { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "bench", version: "1" } }, "application/json");
    const session = init.res.headers.get("mcp-session-id")!;
    console.log(`The hosted MCP endpoint over HTTP, ${serverUrl ? "PostgreSQL server" : "embedded PGlite"}; ${N} samples; Node ${process.version}`);
    for (let i = 0; i < 20; i++) await rpc("tools/list", {}, "application/json", session);
    const lists: number[] = [];
    for (let i = 0; i < N; i++) {
      const t = performance.now();
      await rpc("tools/list", {}, "application/json", session);
      lists.push(performance.now() - t);
    }
    report("tools/list (JSON)", lists);

    const alone: number[] = [];
    const calls: number[] = [];
    const runAlone = async () => {
      const run = await startRun(rw.ctx, { agent: agent.id, input: "ping" }, { watched: true });
      const ended = await followRun(rw.ctx, run.id);
      if (ended.status !== "succeeded") throw new Error(`run ${ended.status}`);
    };
    const callTool = async () => {
      const { text } = await rpc("tools/call", { name: "agent_echo", arguments: { input: "ping" } }, "application/json, text/event-stream", session);
      if (text.includes('"isError":true')) throw new Error(text);
    };
    for (let i = 0; i < 5; i++) {
      await runAlone();
      await callTool();
    }
    for (let start = 0; start < N; start += 10) {
      for (const [op, into] of [
        [runAlone, alone],
        [callTool, calls],
      ] as const) {
        for (let i = start; i < Math.min(N, start + 10); i++) {
          const t = performance.now();
          await op();
          into.push(performance.now() - t);
        }
      }
    }
    const a = report("the agent's run alone (in process, 0 ms model)", alone);
    const c = report("tools/call of the agent over HTTP (SSE)", calls);
    console.log(`  ${"  → the MCP call adds".padEnd(58)} ${(c - a).toFixed(2)} ms per call`);
  } finally {
    server.close();
    await executor.stop();
    await stub.close();
    const { disconnectDb } = await import("../../server/db/client");
    await disconnectDb();
    await testDb().$disconnect();
    await stop();
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
