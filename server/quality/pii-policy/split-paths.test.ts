/**
 * The PII policy's paths each on their own, with "storage" off (a run's answers then stored as they are), through the
 * real executor against the LLM stub: what a run remembers at its end follows "memory", a session's reply follows
 * "sessions", and what the API returns follows "outputs" (redacted at read time, the live event stream too).
 */
import { beforeEach, describe, expect, it, vi } from "vitest";
import { newId } from "@/lib/ids";
import { createAgent } from "@/server/agents/service";
import { createSession, listSessionMessages, sendMessage } from "@/server/sessions/service";
import { getRun, getRunStep, getRunSummary, listRunEvents, listRuns, startRun } from "@/server/runs/service";
import { runEventsStream } from "@/server/runs/sse";
import { testDb as db } from "@/test/db";
import { waitForRun } from "@/test/fixtures/runs";
import { useStubRuns } from "@/test/fixtures/stub-runs";
import { makeApiKey, rest } from "@/test/helpers";
import { updatePiiPolicy } from "./service";

vi.setConfig({ testTimeout: 120_000 });

const EMAIL = "jane.doe@example.com";
const ANSWER = `Write to ${EMAIL} about it.`;

const h = useStubRuns("pii-split", {}, async (h) => {
  // an embedding model on the stub's provider: what a run remembers is embedded there
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
  await updatePiiPolicy(h.rw.ctx, { actions: { email: "redact" }, paths: { storage: false } });
});
beforeEach(() => void h.executor());

const agent = (slug: string, memoryPolicy: unknown = null) =>
  createAgent(h.rw.ctx, {
    slug,
    name: slug,
    modelPolicy: { type: "pinned", modelId: h.modelId },
    maxOutputTokens: 128,
    temperature: 0,
    memoryPolicy: memoryPolicy as never,
  });

async function storedOutput(runId: string): Promise<string> {
  const row = await db().run.findUniqueOrThrow({ where: { id: runId } });
  return JSON.stringify(row.output);
}

describe("each path on its own (storage off)", () => {
  it("memory: the episode a run remembers at its end is redacted, while its output is stored as it is", async () => {
    await agent("support", { read: ["agent"], write: "episodic" });
    h.stub.reply({ content: ANSWER });
    const run = await startRun(h.rw.ctx, { agent: "support", input: `Who is ${EMAIL}?` });
    expect((await waitForRun(run.id, undefined, 60_000)).status).toBe("succeeded");
    expect(await storedOutput(run.id)).toContain(EMAIL);
    const episodes = await db().memory.findMany({ where: { workspaceId: h.rw.ws.id, kind: "episodic" } });
    expect(episodes).toHaveLength(1);
    expect(episodes[0]!.content).toContain("I was asked: Who is [EMAIL]?");
    expect(episodes[0]!.content).toContain("I answered: Write to [EMAIL] about it.");
    expect(episodes[0]!.content).not.toContain(EMAIL);
  });

  it("memory off: the episode keeps the value", async () => {
    await updatePiiPolicy(h.rw.ctx, { paths: { memory: false } });
    await agent("support", { read: ["agent"], write: "episodic" });
    h.stub.reply({ content: ANSWER });
    const run = await startRun(h.rw.ctx, { agent: "support", input: "Who?" });
    expect((await waitForRun(run.id, undefined, 60_000)).status).toBe("succeeded");
    const [episode] = await db().memory.findMany({ where: { workspaceId: h.rw.ws.id, kind: "episodic" } });
    expect(episode!.content).toContain(EMAIL);
  });

  it("sessions: the assistant's reply is kept redacted in the session (the run's output as it is)", async () => {
    await agent("helper");
    const session = await createSession(h.rw.ctx, { agent: "helper" });
    h.stub.reply({ content: ANSWER });
    await sendMessage(h.rw.ctx, session.id, { content: "Whom do I write to?" }, { waitMs: 60_000 });
    const page = await listSessionMessages(h.rw.ctx, { sessionId: session.id });
    expect(page.items.map((m) => [m.role, m.content])).toEqual([
      ["user", "Whom do I write to?"],
      ["assistant", "Write to [EMAIL] about it."],
    ]);
    const run = await db().run.findFirstOrThrow({ where: { sessionId: session.id } });
    expect(await storedOutput(run.id)).toContain(EMAIL);
  });

  it("sessions off: the reply is the run's output", async () => {
    await updatePiiPolicy(h.rw.ctx, { paths: { sessions: false } });
    await agent("helper");
    const session = await createSession(h.rw.ctx, { agent: "helper" });
    h.stub.reply({ content: ANSWER });
    await sendMessage(h.rw.ctx, session.id, { content: "Whom?" }, { waitMs: 60_000 });
    const page = await listSessionMessages(h.rw.ctx, { sessionId: session.id });
    expect(page.items[1]).toMatchObject({ role: "assistant", content: ANSWER });
  });

  it("outputs: what the API returns is redacted at read time (run, list, step, events, REST), what is stored is not", async () => {
    await agent("helper");
    h.stub.reply({ content: ANSWER });
    const run = await startRun(h.rw.ctx, { agent: "helper", input: "Whom?" });
    expect((await waitForRun(run.id, undefined, 60_000)).status).toBe("succeeded");
    expect(await storedOutput(run.id)).toContain(EMAIL);
    const redacted = "Write to [EMAIL] about it.";
    const detail = await getRun(h.rw.ctx, run.id);
    expect(detail.output).toBe(redacted);
    expect(detail.steps.find((st) => st.stepId === "agent")?.output).toBe(redacted);
    expect((await getRunStep(h.rw.ctx, run.id, "agent")).output).toBe(redacted);
    expect((await getRunSummary(h.rw.ctx, run.id)).output).toBe(redacted);
    expect((await listRuns(h.rw.ctx, {})).items.find((r) => r.id === run.id)?.output).toBe(redacted);
    const events = JSON.stringify(await listRunEvents(h.rw.ctx, run.id));
    expect(events).toContain("[EMAIL]");
    expect(events).not.toContain(EMAIL);
    // the live event stream (SSE), read from the start of the finished run
    const streamed = await new Response(runEventsStream({ runId: run.id, workspaceId: h.rw.ws.id }, 0, undefined, "req_test_pii").body).text();
    expect(streamed).toContain("event: run.succeeded");
    expect(streamed).toContain("[EMAIL]");
    expect(streamed).not.toContain(EMAIL);
    const key = (await makeApiKey(h.rw.ws, "viewer")).raw;
    const res = await rest("GET", "/api/v1/runs/{runId}", { key, params: { runId: run.id } });
    expect(res.status).toBe(200);
    expect(JSON.stringify(res.body)).not.toContain(EMAIL);
    expect(res.body.output).toBe(redacted);

    // outputs off as well: returned as stored
    await updatePiiPolicy(h.rw.ctx, { paths: { outputs: false } });
    expect((await getRun(h.rw.ctx, run.id)).output).toBe(ANSWER);
  });
});
