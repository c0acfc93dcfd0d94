/**
 * The workspace's PII policy on every path, each through its real code path against the LLM stub: a run's answer
 * (stored step, events, run output, as the API returns it), a tool's result entering the next prompt (what the stub
 * received), a memory write, a session message. The log path is server/logger.test.ts (logs belong to no workspace).
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import type { StubCall } from "@/scripts/llm-stub/server";
import { createAgent } from "@/server/agents/service";
import { getMemory, remember, updateMemory } from "@/server/memory/service";
import { resolveUserTenant } from "@/server/workspaces/tenant";
import { getRun, startRun } from "@/server/runs/service";
import { createSession, listSessionMessages, sendMessage } from "@/server/sessions/service";
import { createTool } from "@/server/tools/service";
import { eventRows, stepRows, waitForRun } from "@/test/fixtures/runs";
import { useStubRuns } from "@/test/fixtures/stub-runs";
import { auditRows, makeWorkspace, uniq } from "@/test/helpers";
import { getPiiSettings, updatePiiPolicy } from "./service";

vi.setConfig({ testTimeout: 120_000 });

// built at run time: nothing secret-looking is committed
const EMAIL = "jane.doe@example.com";
const TOKEN = `gh${"p_"}${"Zq4Wm8Rt2Yp6Lk0Hj3Gf7Ds1Az5Xc9Vb8Nm4"}`;
const PHONE = "+44 20 7946 0958";

const h = useStubRuns("pii", {}, async (h) => {
  await createAgent(h.rw.ctx, { slug: "helper", name: "Helper", modelPolicy: { type: "pinned", modelId: h.modelId }, maxOutputTokens: 128, temperature: 0 });
  await updatePiiPolicy(h.rw.ctx, { actions: { email: "redact", phone: "hash" } });
});

let receiver: http.Server;
let receiverUrl: string;
beforeAll(async () => {
  receiver = http.createServer((_req, res) => {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ customer: EMAIL, apiKey: TOKEN, phone: PHONE }));
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((resolve) => receiver.close(resolve)));
beforeEach(() => void h.executor());

/** memories embed with the simulator: a workspace of its own (the stub's has no embedding model), same policy */
async function memoryOwner() {
  const ws = await makeWorkspace("pii-memory");
  const owner = await resolveUserTenant(ws.users.owner, ws.slug, `req_test${uniq()}`);
  await updatePiiPolicy(owner, { actions: { email: "redact", phone: "hash" } });
  return owner;
}

const chats = () => h.stub.calls.filter((c) => c.path === "/v1/chat/completions");
const toolMessages = (c: StubCall) => (c.body as { messages: { role: string; content: unknown }[] }).messages.filter((m) => m.role === "tool");

describe("the PII policy on every path", () => {
  it("the policy change is audited; the default is gone", async () => {
    expect(await getPiiSettings(h.rw.ctx)).toMatchObject({ isDefault: false, policy: { actions: { email: "redact", phone: "hash", secret: "redact" } } });
    const [entry] = await auditRows(h.rw.ws.id, "workspace.pii.update");
    expect(entry).toMatchObject({ targetType: "workspace", metadata: { from: { actions: { email: "keep" } }, to: { actions: { email: "redact" } } } });
  });

  it("a run's answer is stored and returned redacted: step row, events, run output (the original is kept nowhere)", async () => {
    h.stub.reply({ content: `Write to ${EMAIL}, call ${PHONE}, key ${TOKEN}.` });
    const run = await startRun(h.rw.ctx, { agent: "helper", input: "Who do I contact?" });
    expect((await waitForRun(run.id, undefined, 60_000)).status).toBe("succeeded");
    const stored = JSON.stringify({ steps: await stepRows(run.id), events: await eventRows(run.id), run: await getRun(h.rw.ctx, run.id) });
    for (const value of [EMAIL, TOKEN, PHONE, "7946"]) expect(stored).not.toContain(value);
    expect(JSON.stringify((await getRun(h.rw.ctx, run.id)).output)).toMatch(/Write to \[EMAIL\], call \[PHONE:[0-9a-f]{12}\], key \[SECRET\]\./);
  });

  it("a tool's result enters the next prompt redacted (what the model was sent) and is stored redacted", async () => {
    await createTool(h.rw.ctx, {
      name: "lookup_customer",
      description: "Looks a customer up",
      inputSchema: { type: "object", properties: { id: { type: "string" } }, required: ["id"] },
      config: { method: "GET", urlTemplate: `${receiverUrl}/customers/{{id}}`, headers: {}, bodyTemplate: null },
    });
    await createAgent(h.rw.ctx, {
      slug: "clerk",
      name: "Clerk",
      modelPolicy: { type: "pinned", modelId: h.modelId },
      maxOutputTokens: 128,
      temperature: 0,
      allowedTools: ["lookup_customer"],
    });
    h.stub.toolCalls({ calls: [{ name: "lookup_customer", arguments: { id: "c-7" } }] });
    const run = await startRun(h.rw.ctx, { agent: "clerk", input: "Find customer c-7" });
    expect((await waitForRun(run.id, undefined, 60_000)).status).toBe("succeeded");
    const second = chats()[1]!;
    const sent = JSON.stringify(toolMessages(second));
    expect(sent).toContain("[EMAIL]");
    expect(sent).toContain("[SECRET]");
    for (const value of [EMAIL, TOKEN, "7946"]) expect(sent).not.toContain(value);
    expect(JSON.stringify(await stepRows(run.id))).not.toContain(EMAIL);
  });

  it("a memory write is stored redacted (written and updated)", async () => {
    const owner = await memoryOwner();
    const m = await remember(owner, { content: `The customer is ${EMAIL}` });
    expect((await getMemory(owner, m.id)).content).toBe("The customer is [EMAIL]");
    const updated = await updateMemory(owner, m.id, { content: `Now ${PHONE}` });
    expect(updated.content).toMatch(/^Now \[PHONE:[0-9a-f]{12}\]$/);
  });

  it("a session message is stored (and asked) redacted", async () => {
    const session = await createSession(h.rw.ctx, { agent: "helper" });
    await sendMessage(h.rw.ctx, session.id, { content: `My email is ${EMAIL}` }, { waitMs: 60_000 });
    const page = await listSessionMessages(h.rw.ctx, { sessionId: session.id });
    expect(page.items[0]).toMatchObject({ role: "user", content: "My email is [EMAIL]" });
    expect(JSON.stringify(chats().map((c) => c.body))).not.toContain(EMAIL);
  });

  it("a path turned off keeps the value there (memory), while the others still redact", async () => {
    const owner = await memoryOwner();
    await updatePiiPolicy(owner, { paths: { memory: false } });
    expect((await remember(owner, { content: `Reach ${EMAIL}` })).content).toBe(`Reach ${EMAIL}`);
    await updatePiiPolicy(owner, { paths: { memory: true } });
    expect((await remember(owner, { content: `Reach ${EMAIL} again` })).content).toBe("Reach [EMAIL] again");
  });
});
