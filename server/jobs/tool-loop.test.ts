/**
 * Agents that call tools, through the real executor, gateway and provider code against the LLM stub (scripted tool
 * calls in the OpenAI format) and a receiver on 127.0.0.1 for HTTP tools:
 * - the loop: turn, tool call, turn; the result reaches the model as an untrusted block; the steps are recorded
 *   (kinds turn, tool, agent), the ledger puts every turn on the agent's step, the run counts one step;
 * - the call is checked when it executes: a tool disabled after the run started is refused to the agent;
 * - durability: a crash between an HTTP call and its record (in process, and the SIGKILL of a real executor process)
 *   repeats the call with the SAME Idempotency-Key and records it once; a crash after its record does not call again;
 * - approvals: the run parks (no process holds it), a decision wakes it; approve runs the call, deny feeds the
 *   refusal back to the agent;
 * - caps: a model that keeps calling tools stops at the per-step limit, a team's agents at the per-run limit, with a
 *   clear reason;
 * - rate limits: a call over the tool's workspace or per-agent limit parks the run until the window turns, then runs.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { testDb as db } from "@/test/db";
import { startLlmStub, type LlmStub, type StubCall } from "@/scripts/llm-stub/server";
import { modelCircuitBreaker } from "@/server/models/circuit-breaker";
import { configureGateway, settleObservations } from "@/server/models/gateway";
import { startRun } from "@/server/runs/service";
import { createAgent } from "@/server/agents/service";
import { createTool, updateTool } from "@/server/tools/service";
import { decideApprovalAndWake as decideApproval } from "@/server/runs/approvals";
import { addTeam, makeRunWorkspace, stepRows, usageRows, useStubProvider, waitForRun, type RunWorkspace } from "@/test/fixtures/runs";
import { TOOL_CALLS_PER_RUN, TOOL_CALLS_PER_STEP } from "@/lib/schemas/tools";
import { executeRun } from "./run-function";
import { createPostgresStep, configureSteps, RunSuspendedError } from "./step";
import { startExecutor, type Executor } from "./executor";
import { kill, killChildren, startChild } from "@/test/fixtures/executor-process";

vi.setConfig({ testTimeout: 120_000 });

let stub: LlmStub;
let rw: RunWorkspace;
let modelId: string;
const executors: Executor[] = [];
/** the HTTP tools' receiver: every request it got */
const received: { method: string; url: string; key: string | undefined; body: string }[] = [];
let receiver: http.Server;
let receiverUrl: string;

beforeAll(async () => {
  stub = await startLlmStub();
  receiver = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      received.push({ method: req.method ?? "", url: req.url ?? "", key: req.headers["idempotency-key"] as string | undefined, body });
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ ok: true, order: "A-17", status: "shipped" }));
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await stub.close();
  await new Promise((resolve) => receiver.close(resolve));
});

beforeEach(async () => {
  stub.reset();
  received.length = 0;
  modelCircuitBreaker().reset();
  configureGateway({ retryBackoffMs: 10 });
  configureSteps({ baseDelayMs: 10 });
  rw = await makeRunWorkspace("tools");
  modelId = await useStubProvider(rw.ws.id, stub.url, { inputPrice: 1, outputPrice: 2 });
});

afterEach(async () => {
  killChildren();
  await Promise.all(executors.splice(0).map((e) => e.stop()));
  configureGateway();
  configureSteps();
  await settleObservations();
});

const agentWith = (slug: string, allowedTools: string[]) =>
  createAgent(rw.ctx, {
    slug,
    name: slug,
    instructions: `Use your tools as ${slug}.`,
    modelPolicy: { type: "pinned", modelId },
    maxOutputTokens: 256,
    temperature: 0,
    allowedTools,
  });

const executor = () => {
  const e = startExecutor({ pollMs: 30, workspaceIds: [rw.ws.id], reclaimOrphans: false });
  executors.push(e);
  return e;
};

const chats = () => stub.calls.filter((c) => c.path === "/v1/chat/completions");
type Message = { role: string; content: unknown; tool_call_id?: string };
const messages = (c: StubCall) => (c.body as { messages: Message[] }).messages;
const toolMessages = (c: StubCall) => messages(c).filter((m) => m.role === "tool");
const text = (content: unknown) => (typeof content === "string" ? content : JSON.stringify(content));

const orderTool = () =>
  createTool(rw.ctx, {
    name: "lookup_order",
    description: "Looks an order up",
    inputSchema: { type: "object", properties: { order: { type: "string" } }, required: ["order"] },
    config: { method: "POST", urlTemplate: `${receiverUrl}/orders/{{order}}`, headers: {}, bodyTemplate: null },
  });

describe("an agent step with tools", () => {
  it("turn, tool call, turn: the result comes back as untrusted data; steps, ledger and counts are right", async () => {
    await agentWith("mathy", ["calculator"]);
    stub.toolCalls({ calls: [{ name: "calculator", arguments: { expression: "6 * 7" } }] });
    executor();
    const run = await startRun(rw.ctx, { agent: "mathy", input: "What is six times seven?" });
    const done = await waitForRun(run.id, undefined, 60_000);
    expect(done.status).toBe("succeeded");

    expect(chats()).toHaveLength(2);
    const [first, second] = chats();
    expect((first!.body as { tools?: { function: { name: string } }[] }).tools?.map((t) => t.function.name)).toEqual(["calculator"]);
    const results = toolMessages(second!);
    expect(results).toHaveLength(1);
    expect(text(results[0]!.content)).toContain('<context from="tool calculator">');
    expect(text(results[0]!.content)).toContain("42");

    const steps = await stepRows(run.id);
    const byId = Object.fromEntries(steps.map((s) => [s.stepId, s]));
    expect(byId["agent~turn1"]?.kind).toBe("turn");
    expect(byId["agent~tool1.1"]?.kind).toBe("tool");
    expect(byId["agent~tool1.1"]?.output).toContain("42");
    expect(byId["agent~turn2"]?.kind).toBe("turn");
    expect(byId.agent?.kind).toBe("agent");
    expect(byId.agent?.status).toBe("succeeded");
    // every model turn is the agent step's in the ledger
    const usage = await usageRows(run.id);
    expect(usage).toHaveLength(2);
    expect(usage.every((u) => u.stepId === "agent")).toBe(true);
    const row = await db().run.findUniqueOrThrow({ where: { id: run.id } });
    expect(row.stepsDone).toBe(1);
    expect(Number(row.costUsd)).toBeGreaterThan(0);
    expect(Number(byId.agent!.costUsd)).toBeCloseTo(Number(row.costUsd), 8);
  });

  it("checks the call when it executes: a tool disabled after the run began is refused to the agent", async () => {
    await orderTool();
    await agentWith("shipper", ["lookup_order"]);
    stub.toolCalls({ calls: [{ name: "lookup_order", arguments: { order: "A-17" } }] });
    // the registry changes between the offer (turn 1) and the call: disabled
    const run = await startRun(rw.ctx, { agent: "shipper", input: "Where is order A-17?" });
    let disabled = false;
    const gate = createPostgresStep({
      runId: run.id,
      workspaceId: rw.ws.id,
      hooks: {
        afterStore: async (stepId) => {
          if (stepId === "agent~turn1" && !disabled) {
            disabled = true;
            await updateTool(rw.ctx, "lookup_order", { enabled: false });
          }
        },
      },
    });
    expect(await executeRun({ runId: run.id, workspaceId: rw.ws.id }, gate)).toBe("succeeded");
    expect(received).toHaveLength(0);
    const result = text(toolMessages(chats()[1]!)[0]!.content);
    expect(result).toContain("not available");
  });
});

describe("a tool's cost per call", () => {
  it("is on the ledger and the agent step's share, and is not counted as a model call", async () => {
    await orderTool();
    await updateTool(rw.ctx, "lookup_order", { costPerCallUsd: 0.25 });
    await agentWith("shipper", ["lookup_order"]);
    stub.toolCalls({ calls: [{ name: "lookup_order", arguments: { order: "A-17" } }] });
    executor();
    const run = await startRun(rw.ctx, { agent: "shipper", input: "Where is order A-17?" });
    expect((await waitForRun(run.id, undefined, 60_000)).status).toBe("succeeded");
    const usage = await usageRows(run.id);
    const tool = usage.filter((u) => u.providerKind === "tool");
    expect(tool).toHaveLength(1);
    expect(tool[0]).toMatchObject({ modelName: "tool:lookup_order", stepId: "agent", outcome: "ok" });
    expect(Number(tool[0]!.costUsd)).toBeCloseTo(0.25, 8);
    const models = usage.filter((u) => u.providerKind !== "tool");
    const row = await db().run.findUniqueOrThrow({ where: { id: run.id } });
    const modelCost = models.reduce((n, u) => n + Number(u.costUsd), 0);
    expect(Number(row.costUsd)).toBeCloseTo(modelCost + 0.25, 8);
    const agentStep = (await stepRows(run.id)).find((s) => s.stepId === "agent")!;
    expect(Number(agentStep.costUsd)).toBeCloseTo(modelCost + 0.25, 8);
  });
});

describe("durability of a tool call", () => {
  it("a crash between the HTTP call and its record repeats it with the same Idempotency-Key and records it once", async () => {
    await orderTool();
    await agentWith("shipper", ["lookup_order"]);
    stub.toolCalls({ calls: [{ name: "lookup_order", arguments: { order: "A-17" } }] });
    const run = await startRun(rw.ctx, { agent: "shipper", input: "Where is order A-17?" });
    const event = { runId: run.id, workspaceId: rw.ws.id };
    const crashing = createPostgresStep({
      ...event,
      hooks: {
        beforeStore: (stepId) => {
          if (stepId === "agent~tool1.1") throw new RunSuspendedError("killed between the call and its record");
        },
      },
    });
    expect(await executeRun(event, crashing)).toBe("suspended");
    expect(received).toHaveLength(1);
    expect(await executeRun(event, createPostgresStep(event))).toBe("succeeded");
    expect(received).toHaveLength(2);
    expect(received[0]!.key).toBe(`${run.id}:agent~tool1.1`);
    expect(received[1]!.key).toBe(received[0]!.key);
    const tool = (await stepRows(run.id)).filter((s) => s.stepId === "agent~tool1.1");
    expect(tool).toHaveLength(1);
    expect(tool[0]!.status).toBe("succeeded");
  });

  it("SIGKILL of the executor's process between the HTTP call and its record: one Idempotency-Key, one record", async () => {
    await orderTool();
    await agentWith("shipper", ["lookup_order"]);
    stub.toolCalls({ calls: [{ name: "lookup_order", arguments: { order: "A-17" } }] });
    // a real executor process that stops dead once the call returned, before its record is written (the step's
    // beforeStore hook: its start and everything before it committed, the record not), then is killed
    const { child, waitFor } = startChild({ CADRE_CHILD_WORKSPACE: rw.ws.id, CADRE_CHILD_LEASE_MS: "600", CADRE_CHILD_HANG: "inside:agent~tool1.1" });
    await waitFor("READY", 60_000);
    const run = await startRun(rw.ctx, { agent: "shipper", input: "Where is order A-17?" });
    await waitFor("HANG inside agent~tool1.1", 60_000);
    await kill(child);
    expect(received).toHaveLength(1);
    const interrupted = (await stepRows(run.id)).find((s) => s.stepId === "agent~tool1.1");
    expect(interrupted).toMatchObject({ status: "running", attempts: 1 });

    // this process takes the run over once the dead process's lease has expired
    executor();
    expect((await waitForRun(run.id, undefined, 60_000)).status).toBe("succeeded");
    // at least once, with one key: the retried call carried the same Idempotency-Key as the first delivery
    expect(received).toHaveLength(2);
    expect(received.map((r) => r.key)).toEqual([`${run.id}:agent~tool1.1`, `${run.id}:agent~tool1.1`]);
    expect(received.map((r) => r.url)).toEqual(["/orders/A-17", "/orders/A-17"]);
    // recorded once: one step row (its second attempt), one tool.finished event, and the model was given that result
    const tool = (await stepRows(run.id)).filter((s) => s.stepId === "agent~tool1.1");
    expect(tool).toHaveLength(1);
    expect(tool[0]).toMatchObject({ status: "succeeded", attempts: 2, kind: "tool" });
    expect((tool[0]!.result as { isError: boolean; output: string }).isError).toBe(false);
    expect((tool[0]!.result as { output: string }).output).toContain("shipped");
    const finished = await db().runEvent.findMany({ where: { runId: run.id, type: "tool.finished" } });
    expect(finished).toHaveLength(1);
    expect((finished[0]!.data as { callId: string }).callId).toBe("agent~tool1.1");
    const last = chats().at(-1)!;
    expect(text(toolMessages(last)[0]?.content)).toContain("shipped");
  });

  it("a crash after the call's record does not call again", async () => {
    await orderTool();
    await agentWith("shipper", ["lookup_order"]);
    stub.toolCalls({ calls: [{ name: "lookup_order", arguments: { order: "A-17" } }] });
    const run = await startRun(rw.ctx, { agent: "shipper", input: "Where is order A-17?" });
    const event = { runId: run.id, workspaceId: rw.ws.id };
    const crashing = createPostgresStep({
      ...event,
      hooks: {
        afterStore: (stepId) => {
          if (stepId === "agent~tool1.1") throw new RunSuspendedError("killed after the record");
        },
      },
    });
    expect(await executeRun(event, crashing)).toBe("suspended");
    expect(await executeRun(event, createPostgresStep(event))).toBe("succeeded");
    expect(received).toHaveLength(1);
    expect(received[0]!.method).toBe("POST");
    expect(received[0]!.url).toBe("/orders/A-17");
  });
});

describe("caps", () => {
  it(`a model that keeps calling tools stops at ${TOOL_CALLS_PER_STEP} calls per step with a clear reason`, async () => {
    await agentWith("looper", ["current_time"]);
    stub.toolCalls({ calls: [{ name: "current_time", arguments: {} }], times: TOOL_CALLS_PER_STEP + 5 });
    executor();
    const run = await startRun(rw.ctx, { agent: "looper", input: "Loop." });
    const done = await waitForRun(run.id, undefined, 60_000);
    expect(done.status).toBe("failed");
    const row = await db().run.findUniqueOrThrow({ where: { id: run.id } });
    expect(row.error).toContain(`at most ${TOOL_CALLS_PER_STEP} tool calls`);
    expect((await stepRows(run.id)).filter((s) => s.kind === "tool")).toHaveLength(TOOL_CALLS_PER_STEP);
  });

  it(`a team whose agents keep calling tools stops at ${TOOL_CALLS_PER_RUN} calls per run with a clear reason`, async () => {
    // 7 agents one after the other, 15 calls each (under the per-step cap): the 7th agent's turn goes past the run's cap
    const perAgent = 15;
    const agents = Array.from({ length: Math.ceil((TOOL_CALLS_PER_RUN + 1) / perAgent) }, (_, i) => `caller${i + 1}`);
    expect(perAgent * (agents.length - 1)).toBeLessThanOrEqual(TOOL_CALLS_PER_RUN);
    for (const slug of agents) {
      await agentWith(slug, ["current_time"]);
      // each agent's first turn asks for the calls; its next turn (the script used up) answers in text
      stub.toolCalls({ calls: Array.from({ length: perAgent }, () => ({ name: "current_time", arguments: {} })), when: `Use your tools as ${slug}.` });
    }
    await addTeam(rw.ctx, "callers", { topology: "sequential", agents });
    executor();
    const run = await startRun(rw.ctx, { team: "callers", input: "Each of you: check the time." });
    const done = await waitForRun(run.id, undefined, 90_000);
    expect(done.status).toBe("failed");
    const row = await db().run.findUniqueOrThrow({ where: { id: run.id } });
    expect(row.error).toContain(`a run may make at most ${TOOL_CALLS_PER_RUN} tool calls`);
    // the last agent's calls were never made: the cap is checked before a turn's calls run
    expect((await stepRows(run.id)).filter((s) => s.kind === "tool")).toHaveLength(perAgent * (agents.length - 1));
  });
});

describe("rate limits", () => {
  /** Waits out the last seconds of a minute: the test's calls then fall in one window. */
  const sameMinute = async () => {
    const left = 60_000 - (Date.now() % 60_000);
    if (left < 8_000) await new Promise((resolve) => setTimeout(resolve, left + 100));
  };
  /** Until the run parks on the call's rate limit: the step waiting for it, the run's lease let go. */
  const parkedOnLimit = async (runId: string, stepId: string) => {
    for (let i = 0; i < 400; i++) {
      const [run, step] = await Promise.all([db().run.findUniqueOrThrow({ where: { id: runId } }), db().runStep.findFirst({ where: { runId, stepId } })]);
      if (step?.status === "waiting" && run.wakeAt && !run.leaseOwner) return { run, step };
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error("the run did not park on the rate limit");
  };

  it.each([
    ["workspace", { rateLimitPerMinute: 1 }, "workspace"],
    ["per-agent", { agentRateLimitPerMinute: 1 }, "per-agent"],
  ] as const)("a call over the tool's %s limit waits durably for the next window, then runs", async (_name, limits, says) => {
    await orderTool();
    await updateTool(rw.ctx, "lookup_order", limits);
    await agentWith("counter", ["lookup_order"]);
    stub.toolCalls({
      calls: [
        { name: "lookup_order", arguments: { order: "A-1" } },
        { name: "lookup_order", arguments: { order: "A-2" } },
      ],
    });
    await sameMinute();
    executor();
    const run = await startRun(rw.ctx, { agent: "counter", input: "Look both up." });
    const { run: parked, step } = await parkedOnLimit(run.id, "agent~tool1.2");
    // the first call ran; the second is held, and no process holds the run
    expect(received.map((r) => r.url)).toEqual(["/orders/A-1"]);
    const wait = step.result as { retryAt: number; waitingFor: string; reason?: string };
    expect(wait.waitingFor).toBe("the rate limit of the tool lookup_order");
    expect(JSON.stringify(step.result)).toContain(`${says} rate limit`);
    // until the window turns: the start of the next minute
    expect(wait.retryAt % 60_000).toBe(0);
    expect(wait.retryAt).toBeGreaterThan(Date.now());
    expect(wait.retryAt).toBeLessThanOrEqual(Date.now() + 60_000);
    expect(parked.wakeAt!.getTime()).toBeGreaterThan(Date.now());

    // the window turns (moved back a minute rather than waited for), and the run wakes at its time: the call runs
    await db().toolRateWindow.updateMany({ where: { workspaceId: rw.ws.id, toolName: "lookup_order" }, data: { windowStart: new Date(Date.now() - 120_000) } });
    await db()
      .$executeRaw`UPDATE "RunStep" SET "result" = jsonb_set("result", '{retryAt}', to_jsonb(0)) WHERE "runId" = ${run.id} AND "stepId" = 'agent~tool1.2'`;
    await db().run.update({ where: { id: run.id }, data: { wakeAt: new Date(Date.now() - 1000) } });
    expect((await waitForRun(run.id, undefined, 60_000)).status).toBe("succeeded");
    expect(received.map((r) => r.url)).toEqual(["/orders/A-1", "/orders/A-2"]);
    const second = (await stepRows(run.id)).find((s) => s.stepId === "agent~tool1.2")!;
    expect(second.status).toBe("succeeded");
    expect(second.output).toContain("shipped");
  });
});

describe("approvals", () => {
  const gated = async () => {
    await orderTool();
    await agentWith("shipper", ["lookup_order"]);
    await updateTool(rw.ctx, "lookup_order", { approval: { mode: "always" } });
    stub.toolCalls({ calls: [{ name: "lookup_order", arguments: { order: "A-17" } }] });
  };
  /** Until the run parks on its call's approval: the approval pending, the step waiting, the run's lease let go. */
  const parked = async (runId: string) => {
    for (let i = 0; i < 400; i++) {
      const [approval, run, step] = await Promise.all([
        db().toolApproval.findFirst({ where: { runId } }),
        db().run.findUniqueOrThrow({ where: { id: runId } }),
        db().runStep.findFirst({ where: { runId, stepId: "agent~tool1.1" } }),
      ]);
      if (approval?.status === "pending" && run.wakeAt && !run.leaseOwner && step?.status === "waiting") return approval;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error("the run did not park on its approval");
  };

  it("a call that needs approval parks the run (no process holds it); approving runs the call and the run finishes", async () => {
    await gated();
    const first = executor();
    const run = await startRun(rw.ctx, { agent: "shipper", input: "Where is order A-17?" });
    const approval = await parked(run.id);
    expect(approval).toMatchObject({ toolName: "lookup_order", agentSlug: "shipper", input: { order: "A-17" } });
    expect(received).toHaveLength(0);
    // the pause survives a restart: the executor that parked it is gone, another one takes it up
    await first.stop();
    executor();
    await decideApproval(rw.ctx, approval.id, { decision: "approve" });
    const done = await waitForRun(run.id, undefined, 60_000);
    expect(done.status).toBe("succeeded");
    expect(received).toHaveLength(1);
    const tool = (await stepRows(run.id)).find((s) => s.stepId === "agent~tool1.1")!;
    expect(tool.status).toBe("succeeded");
    expect(tool.output).toContain("shipped");
  });

  it("denying feeds the refusal (with the note) back to the agent; the call never runs", async () => {
    await gated();
    executor();
    const run = await startRun(rw.ctx, { agent: "shipper", input: "Where is order A-17?" });
    const approval = await parked(run.id);
    await decideApproval(rw.ctx, approval.id, { decision: "deny", note: "Not for this customer" });
    expect((await waitForRun(run.id, undefined, 60_000)).status).toBe("succeeded");
    expect(received).toHaveLength(0);
    const result = text(toolMessages(chats()[1]!)[0]!.content);
    expect(result).toContain("A person denied this call of lookup_order: Not for this customer");
  });

  it("an approval that expires is a denial", async () => {
    await gated();
    executor();
    const run = await startRun(rw.ctx, { agent: "shipper", input: "Where is order A-17?" });
    const approval = await parked(run.id);
    // its time has come: the request lapses, and the run is woken as at its wake-up time
    await db().toolApproval.update({ where: { id: approval.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    await db()
      .$executeRaw`UPDATE "RunStep" SET "result" = jsonb_set("result", '{retryAt}', to_jsonb(0)) WHERE "runId" = ${run.id} AND "stepId" = 'agent~tool1.1'`;
    await db().run.update({ where: { id: run.id }, data: { wakeAt: new Date(Date.now() - 1000) } });
    expect((await waitForRun(run.id, undefined, 60_000)).status).toBe("succeeded");
    expect(received).toHaveLength(0);
    expect((await db().toolApproval.findUniqueOrThrow({ where: { id: approval.id } })).status).toBe("expired");
    expect(text(toolMessages(chats()[1]!)[0]!.content)).toContain("not approved in time");
  });
});
