/**
 * The hosted MCP endpoint (issue 15), over HTTP with the MCP SDK's own client, against the real executor and the
 * LLM stub:
 * - an API key of the workspace lists the offered agents and teams as tools (not the others), calls an agent as a
 *   tool (a run; progress notifications; its output), reads runs and agents as resources, gets a shared agent's
 *   instructions as a prompt; every call is audited with the client's name;
 * - a cancelled call cancels its run, also when the cancellation reaches another process than the call's (never
 *   through another key's or session's request id);
 * - refused: no credentials (401 with the protected-resource metadata), another workspace's key (403, no tool
 *   list), a session id presented by another key (404), a foreign Host or Origin (DNS rebinding, 403), GET (405);
 * - a viewer's key gets no agent tools, and calling one is a tool error; offering is a setting changed through REST.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { testDb as db } from "@/test/db";
import { addAgent, addTeam, waitForRun, type RunWorkspace } from "@/test/fixtures/runs";
import { useStubRuns } from "@/test/fixtures/stub-runs";
import { serveWeb, type WebServer } from "@/test/fixtures/web-server";
import { auditRows, makeApiKey, makeWorkspace, rest } from "@/test/helpers";
import type { LlmStub } from "@/scripts/llm-stub/server";
import { mcpCallTestHooks } from "./call-runs";
import { handleMcpRequest } from "./handler";
import { newId } from "@/lib/ids";

vi.setConfig({ testTimeout: 60_000 });

const h = useStubRuns("mcp-endpoint", {}, async (h) => {
  const pinned = { type: "pinned" as const, modelId: h.modelId };
  await addAgent(h.rw.ctx, "helper", { modelPolicy: pinned, instructions: "Answer briefly and cite order numbers." });
  await addAgent(h.rw.ctx, "hidden", { modelPolicy: pinned });
  await addTeam(h.rw.ctx, "duo", { topology: "sequential", agents: ["helper", "hidden"] });
  await db().agent.updateMany({ where: { workspaceId: h.rw.ws.id, slug: "helper" }, data: { mcpExposed: true, mcpSharePrompt: true } });
  await db().team.updateMany({ where: { workspaceId: h.rw.ws.id, slug: "duo" }, data: { mcpExposed: true } });
});
let stub: LlmStub;
let rw: RunWorkspace;
let server: WebServer;
beforeEach(() => void ({ stub, rw } = h));
beforeAll(async () => {
  server = await serveWeb((request) => handleMcpRequest(request, new URL(request.url).pathname.split("/").at(-1)!));
});
afterAll(() => server.close());

const endpoint = (slug = rw.ws.slug) => `${server.url}/api/mcp/${slug}`;

async function connect(key: string, slug?: string, name = "test-client"): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
  const transport = new StreamableHTTPClientTransport(new URL(endpoint(slug)), { requestInit: { headers: { authorization: `Bearer ${key}` } } });
  const client = new Client({ name, version: "1.2.3" });
  await client.connect(transport);
  return { client, transport };
}

const textOf = (result: CallToolResult) =>
  result.content
    .filter((c) => c.type === "text")
    .map((c) => (c as { text: string }).text)
    .join("\n");

function post(body: unknown, headers: Record<string, string>, slug?: string) {
  return fetch(endpoint(slug), {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json, text/event-stream", ...headers },
    body: JSON.stringify(body),
  });
}
const initialize = {
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "1" } },
};

describe("the hosted MCP endpoint with an API key", () => {
  it("lists the offered agents and teams as tools, calls an agent (progress, output, audit), reads resources and prompts", async () => {
    h.executor();
    const key = await makeApiKey(rw.ws, "member");
    const { client, transport } = await connect(key.raw, undefined, "Claude Desktop");
    expect(transport.sessionId).toMatch(/^[A-Za-z0-9_-]{16,}$/);
    expect(client.getServerVersion()?.name).toBe("cadre");

    const tools = (await client.listTools()).tools.map((t) => t.name);
    expect(tools).toEqual(expect.arrayContaining(["agent_helper", "team_duo", "list_agents", "start_run", "get_run", "cancel_run", "recall_memory"]));
    expect(tools).not.toContain("agent_hidden");
    const helperTool = (await client.listTools()).tools.find((t) => t.name === "agent_helper")!;
    expect(helperTool.description).toContain("The helper.");
    expect(helperTool.inputSchema.required).toEqual(["input"]);

    stub.reply({ content: "Order ORD-9 ships Friday." });
    const progress: { progress: number; total?: number }[] = [];
    const result = (await client.callTool({ name: "agent_helper", arguments: { input: "When does ORD-9 ship?" } }, undefined, {
      onprogress: (p) => void progress.push(p),
    })) as CallToolResult;
    expect(result.isError).toBeFalsy();
    expect(textOf(result)).toBe("Order ORD-9 ships Friday.");
    const link = result.content.find((c) => c.type === "resource_link") as { uri: string };
    const runId = link.uri.replace("cadre://runs/", "");
    const run = await db().run.findUniqueOrThrow({ where: { id: runId } });
    expect(run).toMatchObject({ workspaceId: rw.ws.id, status: "succeeded", input: "When does ORD-9 ship?", createdByType: "api_key", channel: "mcp" });
    expect(progress.length).toBeGreaterThanOrEqual(1);
    expect(progress.at(-1)).toMatchObject({ progress: 1, total: 1 });

    const audit = (await auditRows(rw.ws.id, "mcp.call")).find((a) => a.targetId === runId);
    expect(audit?.metadata).toMatchObject({ method: "tools/call", tool: "agent_helper", client: "Claude Desktop", clientVersion: "1.2.3", channel: "mcp" });

    const resources = (await client.listResources()).resources.map((r) => r.uri);
    expect(resources).toEqual(expect.arrayContaining(["cadre://agents/helper", `cadre://runs/${runId}`]));
    const read = await client.readResource({ uri: `cadre://runs/${runId}` });
    expect(JSON.parse((read.contents[0] as { text: string }).text)).toMatchObject({ id: runId, status: "succeeded", output: "Order ORD-9 ships Friday." });
    await expect(client.readResource({ uri: "cadre://agents/hidden" })).rejects.toThrow(/not found/);

    const prompts = (await client.listPrompts()).prompts.map((p) => p.name);
    expect(prompts).toEqual(["agent_helper"]);
    const prompt = await client.getPrompt({ name: "agent_helper", arguments: { task: "Where is ORD-1?" } });
    expect((prompt.messages[0]!.content as { text: string }).text).toBe("Answer briefly and cite order numbers.\n\nWhere is ORD-1?");

    const started = (await client.callTool({ name: "start_run", arguments: { target: "team:duo", input: "Go" } })) as CallToolResult;
    const queued = JSON.parse(textOf(started)) as { runId: string; status: string };
    expect(queued.status).toBe("queued");
    const followed = JSON.parse(textOf((await client.callTool({ name: "get_run", arguments: { runId: queued.runId, wait: 30 } })) as CallToolResult));
    expect(followed).toMatchObject({ runId: queued.runId, status: "succeeded", stepsDone: 2 });
    await client.close();
  });

  it("a cancelled call cancels its run", async () => {
    h.executor();
    const key = await makeApiKey(rw.ws, "member");
    const { client } = await connect(key.raw);
    stub.hold();
    const abort = new AbortController();
    const call = client.callTool({ name: "agent_helper", arguments: { input: "Take your time" } }, undefined, { signal: abort.signal });
    await vi.waitFor(() => expect(stub.calls.length).toBeGreaterThan(0), { timeout: 20_000 });
    const run = await db().run.findFirstOrThrow({ where: { workspaceId: rw.ws.id, input: "Take your time" } });
    abort.abort("the person stopped it");
    await expect(call).rejects.toThrow();
    await vi.waitFor(async () => expect((await db().run.findUniqueOrThrow({ where: { id: run.id } })).cancelRequestedAt).not.toBeNull(), { timeout: 10_000 });
    stub.release();
    expect((await waitForRun(run.id)).status).toBe("cancelled");
    await client.close();
  });

  it("a cancellation reaching another process than the call's cancels its run; another key's or session's does nothing", async () => {
    h.executor();
    const key = await makeApiKey(rw.ws, "member");
    const other = await makeApiKey(rw.ws, "member");
    const openSession = async (raw: string) => {
      const res = await post(initialize, { authorization: `Bearer ${raw}` });
      expect(res.status).toBe(200);
      await res.body?.cancel();
      return res.headers.get("mcp-session-id")!;
    };
    const session = await openSession(key.raw);
    const secondSession = await openSession(key.raw);
    const otherSession = await openSession(other.raw);
    stub.hold();
    const callId = 7;
    const call = post(
      { jsonrpc: "2.0", id: callId, method: "tools/call", params: { name: "agent_helper", arguments: { input: "Elsewhere" } } },
      { authorization: `Bearer ${key.raw}`, "mcp-session-id": session },
    ).then((res) => res.text());
    await vi.waitFor(() => expect(stub.calls.length).toBeGreaterThan(0), { timeout: 20_000 });
    const run = await db().run.findFirstOrThrow({ where: { workspaceId: rw.ws.id, input: "Elsewhere" } });
    await vi.waitFor(async () => expect(await db().mcpCallRun.count({ where: { runId: run.id } })).toBe(1), { timeout: 10_000 });
    // another process: this one's calls in progress are not there
    (globalThis as { __cadreMcpInflight?: Map<string, AbortController> }).__cadreMcpInflight?.clear();
    const cancel = (raw: string, sessionId?: string) =>
      post(
        { jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: callId, reason: "stop" } },
        { authorization: `Bearer ${raw}`, ...(sessionId ? { "mcp-session-id": sessionId } : {}) },
      );
    // the same request id from another key, another session of the same key, or no session: nothing happens
    for (const [raw, sessionId] of [
      [other.raw, otherSession],
      [key.raw, secondSession],
      [key.raw, undefined],
    ] as const) {
      expect((await cancel(raw, sessionId)).status).toBe(202);
      expect((await db().run.findUniqueOrThrow({ where: { id: run.id } })).cancelRequestedAt).toBeNull();
    }
    // the same string id is another request than the number
    const asString = await post(
      { jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: String(callId) } },
      { authorization: `Bearer ${key.raw}`, "mcp-session-id": session },
    );
    expect(asString.status).toBe(202);
    expect((await db().run.findUniqueOrThrow({ where: { id: run.id } })).cancelRequestedAt).toBeNull();
    // the call's own key and session: its run is cancelled (audited like any cancel)
    expect((await cancel(key.raw, session)).status).toBe(202);
    expect((await db().run.findUniqueOrThrow({ where: { id: run.id } })).cancelRequestedAt).not.toBeNull();
    stub.release();
    expect((await waitForRun(run.id)).status).toBe("cancelled");
    expect((await auditRows(rw.ws.id, "run.cancel")).filter((a) => a.targetId === run.id)).toHaveLength(1);
    // the process that follows the call answers it (the run was cancelled) and forgets the record
    expect(await call).toContain("cancelled");
    expect(await db().mcpCallRun.count({ where: { runId: run.id } })).toBe(0);
  });

  it("a cancellation reaching another process after the run started, before it was recorded, still cancels it", async () => {
    h.executor();
    const key = await makeApiKey(rw.ws, "member");
    const res = await post(initialize, { authorization: `Bearer ${key.raw}` });
    await res.body?.cancel();
    const session = res.headers.get("mcp-session-id")!;
    stub.hold();
    // the call is held between its run's start and the record of that run (mcpCallTestHooks, test-only)
    let started!: (runId: string) => void;
    const runStarted = new Promise<string>((resolve) => (started = resolve));
    let proceed!: () => void;
    const gate = new Promise<void>((resolve) => (proceed = resolve));
    mcpCallTestHooks.runStarted = async (runId) => {
      started(runId);
      await gate;
    };
    try {
      const call = post(
        { jsonrpc: "2.0", id: 11, method: "tools/call", params: { name: "agent_helper", arguments: { input: "In between" } } },
        { authorization: `Bearer ${key.raw}`, "mcp-session-id": session },
      ).then((r) => r.text());
      call.catch(() => {}); // awaited below; not an unhandled rejection while an expectation fails first
      const runId = await runStarted;
      // another process: this one's calls in progress are not there
      (globalThis as { __cadreMcpInflight?: Map<string, AbortController> }).__cadreMcpInflight?.clear();
      const cancelled = await post(
        { jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: 11, reason: "stop" } },
        { authorization: `Bearer ${key.raw}`, "mcp-session-id": session },
      );
      expect(cancelled.status).toBe(202);
      proceed();
      await vi.waitFor(async () => expect((await db().run.findUniqueOrThrow({ where: { id: runId } })).cancelRequestedAt).not.toBeNull(), { timeout: 10_000 });
      stub.release();
      expect((await waitForRun(runId)).status).toBe("cancelled");
      // the call answers the run it cancelled as a tool error (its status as it was then: cancelled, or still running)
      const answer = await call;
      expect(answer).toContain(runId);
      expect(answer).toContain('"isError":true');
      expect(await db().mcpCallRun.count({ where: { runId } })).toBe(0);
    } finally {
      mcpCallTestHooks.runStarted = undefined;
      proceed();
      stub.release();
    }
  });

  it("a viewer's key gets no agent tools, and calling one is a tool error that starts nothing", async () => {
    const key = await makeApiKey(rw.ws, "viewer");
    const { client } = await connect(key.raw);
    const tools = (await client.listTools()).tools.map((t) => t.name);
    expect(tools).toEqual(expect.arrayContaining(["list_agents", "get_run", "recall_memory"]));
    expect(tools.filter((t) => /^(agent|team)_|start_run|cancel_run/.test(t))).toEqual([]);
    const result = (await client.callTool({ name: "agent_helper", arguments: { input: "x" } })) as CallToolResult;
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain("FORBIDDEN");
    expect(await db().run.count({ where: { workspaceId: rw.ws.id } })).toBe(0);
    await expect(client.callTool({ name: "agent_nope", arguments: { input: "x" } })).rejects.toThrow(/Unknown tool/);
    await client.close();
  });
});

describe("auditing every tool call", () => {
  it("list_agents and get_run are audited with the client's name, like the calls that change something", async () => {
    const key = await makeApiKey(rw.ws, "viewer");
    const { client } = await connect(key.raw, undefined, "Cursor");
    const listed = JSON.parse(textOf((await client.callTool({ name: "list_agents", arguments: {} })) as CallToolResult)) as { slug: string }[];
    expect(listed.map((t) => t.slug).sort()).toEqual(["duo", "helper"]);
    const runId = newId("run");
    await db().run.create({ data: { id: runId, workspaceId: rw.ws.id, targetType: "agent", input: "x", createdByType: "user" } });
    const got = JSON.parse(textOf((await client.callTool({ name: "get_run", arguments: { runId } })) as CallToolResult));
    expect(got).toMatchObject({ runId, status: "queued" });
    const audit = await auditRows(rw.ws.id, "mcp.call");
    const byTool = (tool: string) => audit.filter((a) => (a.metadata as { tool?: string }).tool === tool);
    expect(byTool("list_agents")).toHaveLength(1);
    expect(byTool("list_agents")[0]).toMatchObject({ targetType: "workspace", targetId: rw.ws.id, actorType: "api_key" });
    expect(byTool("list_agents")[0]!.metadata).toMatchObject({ method: "tools/call", client: "Cursor", clientVersion: "1.2.3", channel: "mcp" });
    expect(byTool("get_run")).toHaveLength(1);
    expect(byTool("get_run")[0]).toMatchObject({ targetType: "run", targetId: runId });
    expect(byTool("get_run")[0]!.metadata).toMatchObject({ method: "tools/call", client: "Cursor", channel: "mcp" });
    await client.close();
  });
});

describe("the MCP Inspector's command line", () => {
  const build = path.resolve("node_modules/@modelcontextprotocol/inspector-cli/build");
  // cwd: the CLI looks for "../package.json" from the working directory (its own, for its client name)
  const inspector = (args: string[]) =>
    promisify(execFile)(process.execPath, [path.join(build, "index.js"), endpoint(), "--transport", "http", ...args], { cwd: build, timeout: 60_000 });

  it("lists the tools and calls an agent", async () => {
    h.executor();
    const key = await makeApiKey(rw.ws, "member");
    const auth = ["--header", `Authorization: Bearer ${key.raw}`];
    const listed = JSON.parse((await inspector([...auth, "--method", "tools/list"])).stdout) as { tools: { name: string }[] };
    expect(listed.tools.map((t) => t.name)).toEqual(expect.arrayContaining(["agent_helper", "team_duo", "get_run"]));
    stub.reply({ content: "Inspected." });
    const called = JSON.parse(
      (await inspector([...auth, "--method", "tools/call", "--tool-name", "agent_helper", "--tool-arg", "input=Hello"])).stdout,
    ) as CallToolResult;
    expect(textOf(called)).toBe("Inspected.");
    await expect(inspector(["--method", "tools/list"])).rejects.toThrow(/401|Unauthorized|invalid/i);
  });
});

describe("what the endpoint refuses", () => {
  it("no credentials: 401 pointing at the protected-resource metadata; a bad key: 401 invalid_token", async () => {
    const none = await post(initialize, {});
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toBe(`Bearer resource_metadata="${server.url}/.well-known/oauth-protected-resource/api/mcp/${rw.ws.slug}"`);
    const bad = await post(initialize, { authorization: `Bearer cadre_${"x".repeat(40)}` });
    expect(bad.status).toBe(401);
    expect(bad.headers.get("www-authenticate")).toMatch(/^Bearer error="invalid_token", error_description="[^"]+", resource_metadata="/);
  });

  it("another workspace's key gets 403 and no tool list; its own endpoint lists nothing of this workspace", async () => {
    const other = await makeWorkspace("mcp-other");
    const key = await makeApiKey(other, "owner");
    const init = await post(initialize, { authorization: `Bearer ${key.raw}` });
    expect(init.status).toBe(403);
    const list = await post({ jsonrpc: "2.0", id: 2, method: "tools/list" }, { authorization: `Bearer ${key.raw}` });
    expect(list.status).toBe(403);
    expect(await list.text()).not.toContain("agent_helper");
    const { client } = await connect(key.raw, other.slug);
    expect((await client.listTools()).tools.map((t) => t.name)).not.toContain("agent_helper");
    await client.close();
  });

  it("a session belongs to the key that opened it: another key of the same workspace presenting it gets 404", async () => {
    const owner = await makeApiKey(rw.ws, "member");
    const thief = await makeApiKey(rw.ws, "member");
    const { client, transport } = await connect(owner.raw);
    const session = transport.sessionId!;
    const stolen = await post({ jsonrpc: "2.0", id: 2, method: "tools/list" }, { authorization: `Bearer ${thief.raw}`, "mcp-session-id": session });
    expect(stolen.status).toBe(404);
    const own = await post({ jsonrpc: "2.0", id: 2, method: "tools/list" }, { authorization: `Bearer ${owner.raw}`, "mcp-session-id": session });
    expect(own.status).toBe(200);
    // again, now that this process remembers the session (sessions.ts: read once per few seconds): still the owner's
    const again = await post({ jsonrpc: "2.0", id: 4, method: "tools/list" }, { authorization: `Bearer ${thief.raw}`, "mcp-session-id": session });
    expect(again.status).toBe(404);
    // the client ends its session (DELETE): it is gone for its owner too
    await transport.terminateSession();
    await client.close();
    const ended = await post({ jsonrpc: "2.0", id: 3, method: "tools/list" }, { authorization: `Bearer ${owner.raw}`, "mcp-session-id": session });
    expect(ended.status).toBe(404);
  });

  it("a foreign Host or Origin (DNS rebinding) is refused before authentication; GET is 405", async () => {
    const key = await makeApiKey(rw.ws, "member");
    const auth = { authorization: `Bearer ${key.raw}` };
    // fetch will not send a foreign Host header: the handler is called directly for that one
    const rebound = await handleMcpRequest(
      new Request(endpoint(), {
        method: "POST",
        headers: {
          ...auth,
          host: "evil.example.com",
          origin: "http://evil.example.com",
          "content-type": "application/json",
          accept: "application/json, text/event-stream",
        },
        body: JSON.stringify(initialize),
      }),
      rw.ws.slug,
    );
    expect(rebound.status).toBe(403);
    expect((await post(initialize, { ...auth, origin: "https://attacker.example" })).status).toBe(403);
    expect((await post(initialize, { ...auth, origin: server.url })).status).toBe(200);
    const get = await fetch(endpoint(), { headers: { ...auth, accept: "text/event-stream" } });
    expect(get.status).toBe(405);
  });

  it("answers JSON to a client that accepts only JSON", async () => {
    const key = await makeApiKey(rw.ws, "member");
    const res = await fetch(endpoint(), {
      method: "POST",
      headers: { authorization: `Bearer ${key.raw}`, "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify(initialize),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("application/json");
    expect(((await res.json()) as { result: { serverInfo: { name: string } } }).result.serverInfo.name).toBe("cadre");
  });
});

describe("offering agents and teams over MCP", () => {
  it("PATCH /agents/{id}/mcp and /teams/{id}/mcp change what the endpoint lists, audited; another workspace gets 404", async () => {
    const admin = await makeApiKey(rw.ws, "admin");
    const patched = await rest("PATCH", "/api/v1/agents/{agentId}/mcp", { key: admin.raw, params: { agentId: "hidden" }, body: { exposed: true } });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ slug: "hidden", mcpExposed: true, mcpSharePrompt: false });
    const team = await rest("PATCH", "/api/v1/teams/{teamId}/mcp", { key: admin.raw, params: { teamId: "duo" }, body: { exposed: false } });
    expect(team.body).toMatchObject({ slug: "duo", mcpExposed: false });
    const { client } = await connect(admin.raw);
    const tools = (await client.listTools()).tools.map((t) => t.name);
    expect(tools).toContain("agent_hidden");
    expect(tools).not.toContain("team_duo");
    await client.close();
    const audit = (await auditRows(rw.ws.id, "agent.update")).find((a) => (a.metadata as { mcp?: unknown }).mcp);
    expect(audit?.metadata).toMatchObject({ slug: "hidden", mcp: { mcpExposed: true, mcpSharePrompt: false } });

    const other = await makeWorkspace("mcp-other2");
    const foreign = await makeApiKey(other, "owner");
    const refused = await rest("PATCH", "/api/v1/agents/{agentId}/mcp", { key: foreign.raw, params: { agentId: "hidden" }, body: { exposed: false } });
    expect(refused.status).toBe(404);
    const viewer = await makeApiKey(rw.ws, "viewer");
    expect((await rest("PATCH", "/api/v1/teams/{teamId}/mcp", { key: viewer.raw, params: { teamId: "duo" }, body: { exposed: true } })).status).toBe(403);
  });
});
