/**
 * The OpenAI-compatible endpoint with the official `openai` SDK, pointed at a real HTTP server on 127.0.0.1 serving the
 * route definitions, the runs executed by the real executor and provider code against the LLM stub:
 * - the model list names the workspace's agents and teams; a chat completion is a run (audited with channel openai)
 *   whose output and ledger token totals are the answer; earlier turns and a system message reach the run's input;
 * - streaming: chat.completion.chunk deltas from the run's live text, the usage chunk, [DONE]; with outputs redacted
 *   at read time, the redacted answer in one piece;
 * - errors in OpenAI's shape: unknown model 404, another workspace's agent 404, a key without runs:create 403, a bad
 *   key 401, unsupported parameters 400, the monthly budget used up 402 (insufficient_quota).
 */
import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { testDb as db } from "@/test/db";
import type { LlmStub } from "@/scripts/llm-stub/server";
import { createAgent } from "@/server/agents/service";
import { createTeam } from "@/server/teams/service";
import { updateBudget } from "@/server/ledger/budgets";
import { updatePiiPolicy } from "@/server/quality/pii-policy/service";
import { openAiChatCompletionsRoute, openAiModelsRoute } from "@/server/rest/routes/openai";
import { makeRunWorkspace, type RunWorkspace } from "@/test/fixtures/runs";
import { startRouteServer, type RouteServer } from "@/test/fixtures/route-server";
import { useStubRuns } from "@/test/fixtures/stub-runs";
import { makeApiKey } from "@/test/helpers";
import { runInputOf } from "./chat";

vi.setConfig({ testTimeout: 60_000 });

const h = useStubRuns(
  "openai",
  {},
  async (h) => {
    const policy = { type: "pinned" as const, modelId: h.modelId };
    await createAgent(h.rw.ctx, { slug: "helper", name: "Helper", modelPolicy: policy, maxOutputTokens: 256, temperature: 0 });
    await createAgent(h.rw.ctx, { slug: "editor", name: "Editor", modelPolicy: policy, maxOutputTokens: 256, temperature: 0 });
    await createTeam(h.rw.ctx, { slug: "desk", name: "Desk", spec: { topology: "sequential", agents: ["helper", "editor"] } });
  },
  // streamed answers word by word, slowly enough for the step to write node.delta events
  { chunkDelayMs: 60 },
);
let server: RouteServer;
let stub: LlmStub;
let rw: RunWorkspace;
let client: OpenAI;
const clientWith = (apiKey: string) => new OpenAI({ apiKey, baseURL: `${server.url}/api/v1/openai`, maxRetries: 0 });

beforeAll(async () => {
  server = await startRouteServer([openAiChatCompletionsRoute, openAiModelsRoute]);
});
afterAll(async () => {
  await server.close();
});
beforeEach(async () => {
  ({ stub, rw } = h);
  client = clientWith((await makeApiKey(rw.ws, "member")).raw);
});

async function apiError(promise: Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(OpenAI.APIError);
  return error as InstanceType<typeof OpenAI.APIError>;
}

describe("GET /api/v1/openai/models", () => {
  it("lists the workspace's agents and teams as models", async () => {
    const models = [];
    for await (const model of client.models.list()) models.push(model);
    expect(models.map((m) => m.id).sort()).toEqual(["agent:editor", "agent:helper", "team:desk"]);
    expect(models[0]).toMatchObject({ object: "model", owned_by: rw.ws.slug });
  });
});

describe("POST /api/v1/openai/chat/completions", () => {
  it("answers with the run's output and its ledger's usage; the run is an ordinary run, audited with its channel", async () => {
    h.executor();
    stub.reply({ content: "Paris is the capital of France." });
    const completion = await client.chat.completions.create({ model: "agent:helper", messages: [{ role: "user", content: "Capital of France?" }] });
    expect(completion.object).toBe("chat.completion");
    expect(completion.model).toBe("agent:helper@1");
    expect(completion.choices).toEqual([
      { index: 0, message: { role: "assistant", content: "Paris is the capital of France.", refusal: null }, finish_reason: "stop", logprobs: null },
    ]);
    const runId = completion.id.replace(/^chatcmpl-/, "");
    const run = await db().run.findUniqueOrThrow({ where: { id: runId } });
    expect(run).toMatchObject({ workspaceId: rw.ws.id, status: "succeeded", input: "Capital of France?", createdByType: "api_key", channel: "openai" });
    expect(completion.usage).toEqual({ prompt_tokens: run.inputTokens, completion_tokens: run.outputTokens, total_tokens: run.inputTokens + run.outputTokens });
    expect(completion.usage!.completion_tokens).toBeGreaterThan(0);
    const audit = await db().auditLog.findFirstOrThrow({ where: { workspaceId: rw.ws.id, action: "run.start", targetId: runId } });
    expect(audit.metadata).toMatchObject({ agent: "helper", channel: "openai" });
  });

  it("runs a team (team:<slug>) and a pinned version (@1); earlier turns and the system message reach the run's input", async () => {
    h.executor();
    stub.reply({ content: "A draft." });
    stub.reply({ content: "We greeted each other." });
    const completion = await client.chat.completions.create({
      model: "team:desk@1",
      messages: [
        { role: "system", content: "Answer in one sentence." },
        { role: "user", content: "Hello there." },
        { role: "assistant", content: "Hi! How can I help?" },
        { role: "user", content: [{ type: "text", text: "Summarise our talk." }] },
      ],
    });
    expect(completion.model).toBe("team:desk@1");
    const run = await db().run.findUniqueOrThrow({ where: { id: completion.id.replace(/^chatcmpl-/, "") } });
    expect(run.status).toBe("succeeded");
    expect(run.input.startsWith("Summarise our talk.\n\n<conversation")).toBe(true);
    expect(run.input).toContain('<turn n="2" from="you">\nHi! How can I help?\n</turn>');
    expect(run.input).toContain("<caller-instructions>\nAnswer in one sentence.\n</caller-instructions>");
    // the team's final answer (its last agent's), not a node's draft
    expect(completion.choices[0]!.message.content).toBe("We greeted each other.");
  });

  it("streams chat.completion.chunk deltas from the run's live text, then the usage chunk and [DONE]", async () => {
    h.executor();
    const answer = "One two three four five six seven eight nine ten eleven twelve.";
    stub.reply({ content: answer });
    const stream = await client.chat.completions.create({
      model: "agent:helper",
      messages: [{ role: "user", content: "Count to twelve." }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.every((c) => c.object === "chat.completion.chunk" && c.id === chunks[0]!.id)).toBe(true);
    const text = chunks.map((c) => c.choices[0]?.delta.content ?? "").join("");
    expect(text).toBe(answer);
    // the text came in more than one delta: the run's live node.delta events
    expect(chunks.filter((c) => c.choices[0]?.delta.content).length).toBeGreaterThan(1);
    expect(chunks.at(-2)!.choices[0]!.finish_reason).toBe("stop");
    const usage = chunks.at(-1)!;
    expect(usage.choices).toEqual([]);
    const run = await db().run.findUniqueOrThrow({ where: { id: chunks[0]!.id.replace(/^chatcmpl-/, "") } });
    expect(usage.usage).toEqual({ prompt_tokens: run.inputTokens, completion_tokens: run.outputTokens, total_tokens: run.inputTokens + run.outputTokens });
    const deltas = await db().runEvent.count({ where: { runId: run.id, type: "node.delta" } });
    expect(deltas).toBeGreaterThan(0);
  });

  it("unknown model: 404 model_not_found; another workspace's agent: 404 too", async () => {
    const unknown = await apiError(client.chat.completions.create({ model: "agent:nobody", messages: [{ role: "user", content: "Hi" }] }));
    expect(unknown.status).toBe(404);
    expect(unknown.error).toMatchObject({ type: "invalid_request_error", code: "model_not_found", param: "model" });
    const bare = await apiError(client.chat.completions.create({ model: "nobody", messages: [{ role: "user", content: "Hi" }] }));
    expect(bare.status).toBe(404);

    const other = await makeRunWorkspace("openai-other");
    await createAgent(other.ctx, { slug: "secret-agent", name: "Secret" });
    const foreign = await apiError(client.chat.completions.create({ model: "agent:secret-agent", messages: [{ role: "user", content: "Hi" }] }));
    expect(foreign.status).toBe(404);
    expect(foreign.message).not.toContain(other.ws.slug);
    expect(await db().run.count({ where: { workspaceId: other.ws.id } })).toBe(0);
  });

  it("a key without runs:create: 403; a bad key: 401 invalid_api_key", async () => {
    const readOnly = clientWith((await makeApiKey(rw.ws, "member", ["runs:read", "agents:read"])).raw);
    const denied = await apiError(readOnly.chat.completions.create({ model: "agent:helper", messages: [{ role: "user", content: "Hi" }] }));
    expect(denied.status).toBe(403);
    expect(denied.error).toMatchObject({ type: "permission_error" });
    expect((await apiError(readOnly.models.list())).status).toBe(403);
    const bad = await apiError(
      clientWith("cadre_sk_not_a_key").chat.completions.create({ model: "agent:helper", messages: [{ role: "user", content: "Hi" }] }),
    );
    expect(bad.status).toBe(401);
    expect(bad.error).toMatchObject({ code: "invalid_api_key" });
    expect(await db().run.count({ where: { workspaceId: rw.ws.id } })).toBe(0);
  });

  it("refuses unsupported parameters with 400 naming them (tools, n > 1, logprobs, a last message not from the user)", async () => {
    const tools = await apiError(
      client.chat.completions.create({
        model: "agent:helper",
        messages: [{ role: "user", content: "Hi" }],
        tools: [{ type: "function", function: { name: "f", parameters: {} } }],
      }),
    );
    expect(tools.status).toBe(400);
    expect(tools.error).toMatchObject({ type: "invalid_request_error", param: "tools" });
    expect((await apiError(client.chat.completions.create({ model: "agent:helper", messages: [{ role: "user", content: "Hi" }], n: 2 }))).status).toBe(400);
    const logprobs = await apiError(client.chat.completions.create({ model: "agent:helper", messages: [{ role: "user", content: "Hi" }], logprobs: true }));
    expect(logprobs.error).toMatchObject({ param: "logprobs" });
    const last = await apiError(client.chat.completions.create({ model: "agent:helper", messages: [{ role: "assistant", content: "Hi" }] }));
    expect(last.status).toBe(400);
    expect(last.message).toContain("role user");
    // accepted and ignored, as documented: the agent's settings decide
    stub.reply({ content: "Fine." });
    h.executor();
    const ok = await client.chat.completions.create({ model: "agent:helper", messages: [{ role: "user", content: "Hi" }], temperature: 1.5, max_tokens: 5 });
    expect(ok.choices[0]!.message.content).toBe("Fine.");
  });

  it("a run that fails: 500 run_failed with the run's error, not retried by the SDK (one run); mid-stream: an error event", async () => {
    h.executor();
    stub.fail({ status: 400, times: 10 });
    const retrying = new OpenAI({ apiKey: client.apiKey, baseURL: client.baseURL, maxRetries: 2 });
    const error = await apiError(retrying.chat.completions.create({ model: "agent:helper", messages: [{ role: "user", content: "Fail please." }] }));
    expect(error.status).toBe(500);
    expect(error.error).toMatchObject({ type: "server_error", code: "run_failed" });
    expect(error.headers?.get("x-should-retry")).toBe("false");
    expect(await db().run.count({ where: { workspaceId: rw.ws.id } })).toBe(1);

    const stream = await client.chat.completions.create({ model: "agent:helper", messages: [{ role: "user", content: "Fail again." }], stream: true });
    const streamed = await apiError(
      (async () => {
        for await (const _ of stream);
      })(),
    );
    expect(streamed.message).toContain("failed");
  });

  it("with the PII policy redacting outputs at read time (storage off), the stream sends the redacted answer, never the value", async () => {
    h.executor();
    await updatePiiPolicy(rw.ctx, { actions: { email: "redact" }, paths: { storage: false, outputs: true } });
    try {
      stub.reply({ content: "Write to jane.doe@example.com about it." });
      const stream = await client.chat.completions.create({ model: "agent:helper", messages: [{ role: "user", content: "Whom?" }], stream: true });
      const chunks: OpenAI.ChatCompletionChunk[] = [];
      for await (const chunk of stream) chunks.push(chunk);
      expect(chunks.map((c) => c.choices[0]?.delta.content ?? "").join("")).toBe("Write to [EMAIL] about it.");
      expect(JSON.stringify(chunks)).not.toContain("jane.doe@example.com");
    } finally {
      await updatePiiPolicy(rw.ctx, { actions: { email: "keep" }, paths: { storage: true } });
    }
  });

  it("the monthly budget used up: 402 insufficient_quota, nothing queued", async () => {
    await updateBudget(rw.ctx, { monthlyLimitUsd: 0, perRunLimitUsd: null });
    const error = await apiError(client.chat.completions.create({ model: "agent:helper", messages: [{ role: "user", content: "Hi" }] }));
    expect(error.status).toBe(402);
    expect(error.error).toMatchObject({ type: "insufficient_quota", code: "insufficient_quota" });
    expect(await db().run.count({ where: { workspaceId: rw.ws.id } })).toBe(0);
  });
});

describe("runInputOf", () => {
  it("is the user's message alone when there is nothing else", () => {
    expect(runInputOf([{ role: "user", content: "Just this." }])).toBe("Just this.");
  });
});
