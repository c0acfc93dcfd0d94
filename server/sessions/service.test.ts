/**
 * Sessions (issue 14), through the real executor, gateway and provider code against the LLM stub:
 * - a message is a run of the session's target; the answer is appended when the run ends; the next message's run
 *   sees the earlier turns (what the stub received), and the history lists them in order;
 * - one message at a time: two sends at once give one run and one 409, and nothing half-written;
 * - REST: create, send (JSON waiting for the reply, and the event stream), history; the session's subject is the runs';
 *   a message may name the target's version and a model policy for its run;
 * - another workspace's member and API key get 404 for every session route.
 */
import { beforeEach, describe, expect, it, vi } from "vitest";
import { testDb as db } from "@/test/db";
import type { LlmStub, StubCall } from "@/scripts/llm-stub/server";
import { createAgent, updateAgent } from "@/server/agents/service";
import { waitForRun, type RunWorkspace } from "@/test/fixtures/runs";
import { useStubRuns } from "@/test/fixtures/stub-runs";
import { appErrorOf, callerFor, makeApiKey, makeWorkspace, rest } from "@/test/helpers";
import { createSession, listSessionMessages, sendMessage } from "./service";

vi.setConfig({ testTimeout: 120_000 });

const h = useStubRuns("sessions", {}, async (h) => {
  await createAgent(h.rw.ctx, { slug: "helper", name: "Helper", modelPolicy: { type: "pinned", modelId: h.modelId }, maxOutputTokens: 128, temperature: 0 });
});
let stub: LlmStub;
let rw: RunWorkspace;
beforeEach(() => void ({ stub, rw } = h));
const executor = () => h.executor();
const chats = () => stub.calls.filter((c) => c.path === "/v1/chat/completions");
const userText = (c: StubCall) =>
  (c.body as { messages: { role: string; content: unknown }[] }).messages
    .filter((m) => m.role === "user")
    .map((m) => (typeof m.content === "string" ? m.content : JSON.stringify(m.content)))
    .join("\n");

describe("a session", () => {
  it("answers each message with a run; the next run sees the earlier turns; the history is in order", async () => {
    executor();
    const session = await createSession(rw.ctx, { agent: "helper", subject: "customer:7", title: "Orders" });
    expect(session).toMatchObject({ targetType: "agent", agent: { slug: "helper", name: "Helper" }, subject: "customer:7", busyRunId: null, messageCount: 0 });

    stub.reply({ content: "Your order ORD-1 ships Tuesday." });
    const first = await sendMessage(rw.ctx, session.id, { content: "When does ORD-1 ship?" }, { waitMs: 60_000 });
    expect(first.runStatus).toBe("succeeded");
    expect(first.message).toMatchObject({ seq: 1, role: "user", content: "When does ORD-1 ship?", runId: first.runId });
    expect(first.reply).toMatchObject({ seq: 2, role: "assistant", content: "Your order ORD-1 ships Tuesday.", runId: first.runId, status: "ok" });
    const run = await db().run.findUniqueOrThrow({ where: { id: first.runId } });
    expect(run).toMatchObject({ sessionId: session.id, subject: "customer:7", input: "When does ORD-1 ship?" });

    const second = await sendMessage(rw.ctx, session.id, { content: "And what day was that again?" }, { waitMs: 60_000 });
    expect(second.runStatus).toBe("succeeded");
    const prompt = userText(chats().at(-1)!);
    expect(prompt).toContain('<context from="conversation, message 1 (the person)">\nWhen does ORD-1 ship?');
    expect(prompt).toContain('<context from="conversation, message 2 (your answer)">\nYour order ORD-1 ships Tuesday.');
    expect(prompt.startsWith("And what day was that again?")).toBe(true);

    const history = await listSessionMessages(rw.ctx, { sessionId: session.id });
    expect(history.items.map((m) => [m.seq, m.role])).toEqual([
      [1, "user"],
      [2, "assistant"],
      [3, "user"],
      [4, "assistant"],
    ]);
    const after = await db().session.findUniqueOrThrow({ where: { id: session.id } });
    expect(after).toMatchObject({ busyRunId: null, messageCount: 4 });
  });

  it("folds turns older than the history window into the session's summary, which the run then sees first", async () => {
    executor();
    const session = await createSession(rw.ctx, { agent: "helper" });
    // 44 earlier turns, written as the runs would have (no run needed for the history)
    await db().sessionMessage.createMany({
      data: Array.from({ length: 44 }, (_, i) => ({
        id: `smsg_old${i}`,
        workspaceId: rw.ws.id,
        sessionId: session.id,
        seq: i + 1,
        role: i % 2 === 0 ? "user" : "assistant",
        content: i === 0 ? "My favourite colour is teal." : `turn ${i + 1}`,
      })),
    });
    await db().session.update({ where: { id: session.id }, data: { messageCount: 44 } });
    stub.reply({ content: "The person's favourite colour is teal.", when: "running summary" });
    const sent = await sendMessage(rw.ctx, session.id, { content: "What colour do I like?" }, { waitMs: 60_000 });
    expect(sent.runStatus).toBe("succeeded");
    // the window holds the last 40 turns (5..44); 1..4 went into the summary, in a step of the run
    const summaryCall = chats().find((c) => JSON.stringify(c.body).includes("running summary"))!;
    expect(userText(summaryCall)).toContain("My favourite colour is teal.");
    expect(userText(summaryCall)).not.toContain("turn 5");
    const answerPrompt = userText(chats().at(-1)!);
    expect(answerPrompt).toContain('<context from="conversation summary, messages 1 to 4">\nThe person\'s favourite colour is teal.');
    expect(answerPrompt).toContain('<context from="conversation, message 5 (the person)">');
    expect(answerPrompt).not.toContain("My favourite colour is teal.");
    expect(await db().session.findUniqueOrThrow({ where: { id: session.id } })).toMatchObject({
      summary: "The person's favourite colour is teal.",
      summarizedThroughSeq: 4,
    });
    const step = await db().runStep.findFirstOrThrow({ where: { runId: sent.runId, stepId: "session~summary" } });
    expect(step).toMatchObject({ kind: "summary", status: "succeeded" });
  });

  it("takes one message at a time: two sends at once start one run, the other is a 409 and writes nothing", async () => {
    // no executor: the first message stays unanswered, so the session stays busy
    const session = await createSession(rw.ctx, { agent: "helper" });
    const tries = await Promise.allSettled([0, 1].map((i) => sendMessage(rw.ctx, session.id, { content: `message ${i}` })));
    const ok = tries.filter((t) => t.status === "fulfilled");
    const refused = tries.filter((t) => t.status === "rejected");
    expect(ok).toHaveLength(1);
    expect(refused).toHaveLength(1);
    expect((refused[0] as PromiseRejectedResult).reason).toMatchObject({ code: "CONFLICT" });
    expect(await db().run.count({ where: { sessionId: session.id } })).toBe(1);
    expect(await db().sessionMessage.count({ where: { sessionId: session.id } })).toBe(1);
    const third = await appErrorOf(sendMessage(rw.ctx, session.id, { content: "again" }));
    expect(third.code).toBe("CONFLICT");

    // once the run ends (here: it is answered), the session takes the next message
    executor();
    const busy = (await db().session.findUniqueOrThrow({ where: { id: session.id } })).busyRunId!;
    await waitForRun(busy, undefined, 60_000);
    const next = await sendMessage(rw.ctx, session.id, { content: "now" }, { waitMs: 60_000 });
    expect(next.message.seq).toBe(3);
    expect(next.reply?.seq).toBe(4);
  });
});

describe("sessions over REST", () => {
  it("a message can name an earlier version of the target and a model policy for its run (the playground's choices)", async () => {
    executor();
    await updateAgent(rw.ctx, "helper", { instructions: "Version two." });
    const key = (await makeApiKey(rw.ws, "member")).raw;
    const created = await rest("POST", "/api/v1/sessions", { key, body: { agent: "helper" } });
    const policy = { type: "pinned", modelId: h.modelId };
    const sent = await rest("POST", "/api/v1/sessions/{sessionId}/messages", {
      key,
      params: { sessionId: created.body.id },
      body: { content: "Which version?", version: 1, modelPolicy: policy },
      query: { wait: "60" },
    });
    expect(sent.status).toBe(200);
    expect(sent.body.runStatus).toBe("succeeded");
    const run = await db().run.findUniqueOrThrow({ where: { id: sent.body.runId } });
    expect(run).toMatchObject({ agentVersion: 1, modelPolicyOverride: policy, sessionId: created.body.id });
    const current = await sendMessage(rw.ctx, created.body.id, { content: "And now?" }, { waitMs: 60_000 });
    expect(await db().run.findUniqueOrThrow({ where: { id: current.runId } })).toMatchObject({ agentVersion: 2, modelPolicyOverride: null });
  });

  it("create, send with JSON (waiting) and as an event stream, history; another workspace gets 404", async () => {
    executor();
    const key = (await makeApiKey(rw.ws, "member")).raw;
    const created = await rest("POST", "/api/v1/sessions", { key, body: { agent: "helper", subject: "customer:8", metadata: { channel: "web" } } });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    expect(created.body).toMatchObject({ subject: "customer:8", metadata: { channel: "web" } });

    stub.reply({ content: "Hello from the stub." });
    const sent = await rest("POST", "/api/v1/sessions/{sessionId}/messages", {
      key,
      params: { sessionId: id },
      body: { content: "Hi" },
      query: { wait: "60" },
    });
    expect(sent.status).toBe(200);
    expect(sent.body).toMatchObject({ runStatus: "succeeded", message: { seq: 1 }, reply: { seq: 2, content: "Hello from the stub." } });

    const streamed = await rest("POST", "/api/v1/sessions/{sessionId}/messages", {
      key,
      params: { sessionId: id },
      body: { content: "Stream it" },
      accept: "text/event-stream",
    }).catch((e: unknown) => e);
    // the stream is SSE, not JSON: rest() cannot parse it, but the run exists and ends with the answer
    expect(streamed).toBeInstanceOf(SyntaxError);
    await vi.waitFor(async () => expect((await db().session.findUniqueOrThrow({ where: { id } })).messageCount).toBe(4), { timeout: 60_000 });

    const history = await rest("GET", "/api/v1/sessions/{sessionId}/messages", { key, params: { sessionId: id } });
    expect(history.body.data.map((m: { role: string }) => m.role)).toEqual(["user", "assistant", "user", "assistant"]);

    const other = await makeWorkspace("sessions-other");
    const otherKey = (await makeApiKey(other, "owner")).raw;
    const otherMember = callerFor(other.users.owner, other.slug);
    for (const [method, path, body] of [
      ["GET", "/api/v1/sessions/{sessionId}", undefined],
      ["GET", "/api/v1/sessions/{sessionId}/messages", undefined],
      ["POST", "/api/v1/sessions/{sessionId}/messages", { content: "hijack" }],
      ["DELETE", "/api/v1/sessions/{sessionId}", undefined],
    ] as const) {
      const res = await rest(method, path, { key: otherKey, params: { sessionId: id }, ...(body ? { body, query: { wait: "0" } } : {}) });
      expect(res.status, `${method} ${path}`).toBe(404);
    }
    await expect(otherMember.sessions.get({ sessionId: id })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(otherMember.sessions.messages({ sessionId: id })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(otherMember.sessions.send({ sessionId: id, content: "hijack" })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(otherMember.sessions.delete({ sessionId: id })).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect(await db().sessionMessage.count({ where: { sessionId: id } })).toBe(4);

    const deleted = await rest("DELETE", "/api/v1/sessions/{sessionId}", { key, params: { sessionId: id } });
    expect(deleted.status).toBe(200);
    expect(await db().sessionMessage.count({ where: { sessionId: id } })).toBe(0);
    expect(await db().run.count({ where: { workspaceId: rw.ws.id } })).toBe(2);
  });
});
