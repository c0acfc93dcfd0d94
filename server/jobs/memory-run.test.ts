/**
 * Memory in runs (issue 14), through the real executor, gateway and provider code against the LLM stub (a chat model
 * and an embedding model on the same OpenAI-compatible provider):
 * - an agent whose policy writes episodes remembers what it was asked and answered when its run ends (exactly once,
 *   with the run and step as provenance); the next run of the same agent recalls it and the stub receives it in the
 *   prompt, cited by id inside an untrusted block; the `~memory` step records which memories entered the prompt;
 * - the subject scope: a run for customer:1 never sees customer:2's memories; a run without a subject skips the scope
 *   and says so;
 * - the memory tools act in the agent's scopes only.
 */
import { beforeEach, describe, expect, it, vi } from "vitest";
import { testDb as db } from "@/test/db";
import { newId } from "@/lib/ids";
import type { LlmStub, StubCall } from "@/scripts/llm-stub/server";
import { getRun, startRun } from "@/server/runs/service";
import { createAgent } from "@/server/agents/service";
import { remember } from "@/server/memory/service";
import type { MemoryPolicyInput } from "@/lib/schemas/memory-policy";
import { stepRows, waitForRun, type RunWorkspace } from "@/test/fixtures/runs";
import { useStubRuns } from "@/test/fixtures/stub-runs";

vi.setConfig({ testTimeout: 120_000 });

/** Every text embeds to one 384-dimensional vector (the stub's own are 8 long): recall then ranks by full text. */
function resetStub() {
  stub.reset();
  stub.embedding({ when: "", vector: Array.from({ length: 384 }, (_, i) => (i === 0 ? 1 : 0)) });
}

const h = useStubRuns("memory-runs", { inputPrice: 1, outputPrice: 2 }, async (h) => {
  // the workspace's memory model: an embedding model of the same provider (the simulator is off)
  const chat = await db().model.findUniqueOrThrow({ where: { id: h.modelId } });
  await db().model.create({
    data: {
      id: newId("mdl"),
      workspaceId: h.rw.ws.id,
      providerId: chat.providerId,
      modelId: "embed-384",
      displayName: "embed-384",
      inputPrice: 0.02,
      outputPrice: 0,
      contextWindow: 8_000,
      capabilities: ["embeddings"],
      quality: 0.9,
    },
  });
  h.stub.embedding({ when: "", vector: Array.from({ length: 384 }, (_, i) => (i === 0 ? 1 : 0)) });
  h.executor();
});
let stub: LlmStub;
let rw: RunWorkspace;
let modelId: string;
beforeEach(() => void ({ stub, rw, modelId } = h));

const agentWith = (slug: string, memoryPolicy: MemoryPolicyInput | null, allowedTools: string[] = []) =>
  createAgent(rw.ctx, {
    slug,
    name: slug,
    instructions: `Help customers as ${slug}.`,
    modelPolicy: { type: "pinned", modelId },
    maxOutputTokens: 256,
    temperature: 0,
    allowedTools,
    memoryPolicy: memoryPolicy as never,
  });

const chats = () => stub.calls.filter((c) => c.path === "/v1/chat/completions");
const userText = (c: StubCall) =>
  (c.body as { messages: { role: string; content: unknown }[] }).messages
    .filter((m) => m.role === "user")
    .map((m) => (typeof m.content === "string" ? m.content : JSON.stringify(m.content)))
    .join("\n");

async function runToEnd(input: { agent: string; input: string; subject?: string }) {
  const run = await startRun(rw.ctx, input);
  const done = await waitForRun(run.id, undefined, 60_000);
  expect(done.status, done.error ?? "").toBe("succeeded");
  return done;
}

describe("episodic memory", () => {
  it("one run's episode is recalled by the next run of the same agent and reaches its prompt, cited", async () => {
    const agent = await agentWith("support", { read: ["agent"], write: "episodic" });
    stub.reply({ content: "The refund window for ORD-48213 is 30 days." });
    const first = await runToEnd({ agent: "support", input: "What is the refund window for order ORD-48213?" });

    const episodes = await db().memory.findMany({ where: { workspaceId: rw.ws.id, kind: "episodic" } });
    expect(episodes).toHaveLength(1);
    const episode = episodes[0]!;
    expect(episode).toMatchObject({ scopeType: "agent", scopeId: agent.id, source: "run", embeddingModel: expect.stringContaining("embed-384") });
    expect(episode.sourceRef).toEqual({ runId: first.id, stepId: "memory~support" });
    expect(episode.content).toContain("ORD-48213");
    expect(episode.content).toContain("30 days");
    // the first run recalled nothing (there was nothing yet) and said so in its memory step
    const firstSteps = Object.fromEntries((await stepRows(first.id)).map((s) => [s.stepId, s]));
    expect(firstSteps["agent~memory"]).toMatchObject({ kind: "memory", status: "succeeded", output: "No memory matched." });
    expect(firstSteps["memory~support"]).toMatchObject({ kind: "memory", status: "succeeded" });
    expect(firstSteps["memory~support"]!.output).toContain(episode.id);

    resetStub();
    const second = await runToEnd({ agent: "support", input: "Remind me: the refund window of ORD-48213?" });
    const prompt = userText(chats()[0]!);
    expect(prompt).toContain(`<context from="memory ${episode.id} (episodic, agent ${agent.id},`);
    expect(prompt).toContain("I answered: The refund window for ORD-48213 is 30 days.");
    const steps = Object.fromEntries((await stepRows(second.id)).map((s) => [s.stepId, s]));
    const recalled = steps["agent~memory"]!;
    expect(recalled.kind).toBe("memory");
    expect((recalled.result as { memories: { id: string }[] }).memories.map((m) => m.id)).toEqual([episode.id]);
    expect(recalled.output).toContain(episode.id);
    expect(recalled.modelName).toBe("embed-384");
    expect((steps.agent!.result as { memories?: string[] }).memories).toEqual([episode.id]);
    // the run's trace says which memories entered the prompt
    const trace = await getRun(rw.ctx, second.id);
    expect(trace.steps.find((s) => s.stepId === "agent~memory")?.memories).toEqual([
      { id: episode.id, scope: { type: "agent", id: agent.id }, kind: "episodic", score: expect.any(Number) },
    ]);
    expect(trace.steps.find((s) => s.stepId === "agent")?.memories).toBeNull();
    expect(steps.agent!.inputSeen).toContain(episode.id);
    // the query's embedding is a usage row of the run, on the memory step
    const usage = await db().usageRecord.findMany({ where: { runId: second.id, modelName: "embed-384" } });
    expect(usage.map((u) => u.stepId).sort()).toEqual(["agent~memory", "memory~support"]);
    // the second run wrote its own episode: two now
    expect(await db().memory.count({ where: { workspaceId: rw.ws.id, kind: "episodic" } })).toBe(2);
  });

  it("an agent without a memory policy neither recalls nor remembers", async () => {
    await agentWith("plain", null);
    await remember(rw.ctx, { content: "The plain agent's secret handshake is blue." });
    const run = await runToEnd({ agent: "plain", input: "What is the plain agent's handshake?" });
    expect(userText(chats()[0]!)).not.toContain("<context");
    expect((await stepRows(run.id)).map((s) => s.kind)).toEqual(["agent"]);
    expect(await db().memory.count({ where: { workspaceId: rw.ws.id } })).toBe(1);
  });
});

describe("extracted facts", () => {
  it("the agent's model lists the run's lasting facts; each is a memory of its write scope, written with the step's record", async () => {
    const agent = await agentWith("notary", { extractFacts: true });
    stub.reply({ content: "Noted: the Lyon warehouse closes at 6 pm on Saturdays.", when: "Lyon", times: 1 });
    stub.reply({ content: JSON.stringify({ facts: ["The Lyon warehouse closes at 6 pm on Saturdays.", "  "] }), when: "Extract the lasting facts" });
    const run = await runToEnd({ agent: "notary", input: "Remember the Lyon warehouse hours: it closes at 6 pm on Saturdays." });
    const facts = await db().memory.findMany({ where: { workspaceId: rw.ws.id, source: "run" } });
    expect(facts.map((f) => f.content)).toEqual(["The Lyon warehouse closes at 6 pm on Saturdays."]);
    expect(facts[0]).toMatchObject({ kind: "semantic", scopeType: "agent", scopeId: agent.id, sourceRef: { runId: run.id, stepId: "memory~notary~facts" } });
    const step = (await stepRows(run.id)).find((s) => s.stepId === "memory~notary~facts")!;
    expect(step).toMatchObject({ kind: "memory", status: "succeeded" });
    expect(step.output).toContain(facts[0]!.id);
    // the facts call and its embedding are the step's, in the ledger
    const usage = await db().usageRecord.findMany({ where: { runId: run.id, stepId: "memory~notary~facts" } });
    expect(usage.map((u) => u.modelName).sort()).toEqual(["embed-384", "stub-small"]);
    // no episode: the policy writes none
    expect(await db().memory.count({ where: { workspaceId: rw.ws.id, kind: "episodic" } })).toBe(0);
  });
});

describe("the subject scope", () => {
  it("a run for customer:1 recalls customer:1's memories only; a run without a subject skips the scope", async () => {
    await agentWith("concierge", { read: ["subject"] });
    await remember(rw.ctx, { scope: { type: "subject", id: "customer:1" }, content: "Customer prefers delivery on Fridays." });
    await remember(rw.ctx, { scope: { type: "subject", id: "customer:2" }, content: "Customer prefers delivery on Mondays." });

    const one = await runToEnd({ agent: "concierge", input: "When does the customer prefer delivery?", subject: "customer:1" });
    const prompt = userText(chats()[0]!);
    expect(prompt).toContain("Fridays");
    expect(prompt).not.toContain("Mondays");
    expect((await db().run.findUniqueOrThrow({ where: { id: one.id } })).subject).toBe("customer:1");

    resetStub();
    const none = await runToEnd({ agent: "concierge", input: "When does the customer prefer delivery?" });
    expect(userText(chats()[0]!)).not.toContain("delivery on");
    const step = (await stepRows(none.id)).find((s) => s.stepId === "agent~memory")!;
    expect((step.result as { skipped: string[] }).skipped).toEqual(["subject"]);
    expect(step.inputSeen).toContain("this run has no subject");
  });
});

describe("the memory tools", () => {
  it("remember writes to the agent's scope with the call as provenance; forget refuses another scope's memory", async () => {
    const agent = await agentWith("scribe", { read: ["agent"], writeScope: "agent" }, ["remember", "forget"]);
    const foreign = await remember(rw.ctx, { scope: { type: "subject", id: "customer:9" }, content: "Not the scribe's to forget." });
    stub.toolCalls({
      calls: [
        { name: "remember", arguments: { content: "The warehouse closes at 6 pm on Saturdays.", importance: 0.8 } },
        { name: "forget", arguments: { memoryId: foreign.id } },
      ],
    });
    const run = await runToEnd({ agent: "scribe", input: "Note the warehouse hours." });
    const written = await db().memory.findFirstOrThrow({ where: { workspaceId: rw.ws.id, content: { contains: "warehouse closes" } } });
    expect(written).toMatchObject({ scopeType: "agent", scopeId: agent.id, source: "run", kind: "semantic", importance: 0.8 });
    expect(written.sourceRef).toEqual({ runId: run.id, stepId: "agent~tool1.1" });
    // the foreign memory is still there; the agent heard it is not in its scopes
    expect(await db().memory.findFirst({ where: { id: foreign.id } })).not.toBeNull();
    const forget = (await stepRows(run.id)).find((s) => s.stepId === "agent~tool1.2")!;
    expect(forget.output).toContain(`No memory ${foreign.id} in this agent's scopes`);
  });
});
