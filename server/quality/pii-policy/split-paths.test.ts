/**
 * The PII policy's paths each on their own, with "storage" off (a run's answers then stored as they are), through the
 * real executor against the LLM stub: what a run remembers at its end follows "memory", a session's reply follows
 * "sessions", and what the API returns follows "outputs" (redacted at read time).
 */
import { beforeEach, describe, expect, it, vi } from "vitest";
import { newId } from "@/lib/ids";
import { createAgent } from "@/server/agents/service";
import { createSession, listSessionMessages, sendMessage } from "@/server/sessions/service";
import { startRun } from "@/server/runs/service";
import { testDb as db } from "@/test/db";
import { waitForRun } from "@/test/fixtures/runs";
import { useStubRuns } from "@/test/fixtures/stub-runs";
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
});
