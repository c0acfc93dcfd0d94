/**
 * The built-in tool run_agent, through the real executor, gateway and provider code against the LLM stub (a parent
 * agent's scripted run_agent call; the child agent answers as the stub does):
 * - the parent starts the child as a sub-run (parent, step, depth), parks while it runs, is woken by its end, and gets
 *   its output as the call's result (an untrusted block), then finishes;
 * - the tool step runs again after its wait and finds its child (unique per step): never a second child;
 * - the depth limit, an unknown target (another workspace's agent), exactly one of agent / team: refused to the agent;
 * - budget: the child's budget is the parent's remaining one; the child's cost is in the parent's totals once;
 * - cancelling the parent cancels the child.
 * (run_agent under Inngest: sub-run-inngest.test.ts.)
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { testDb as db } from "@/test/db";
import { startLlmStub, type LlmStub, type StubCall } from "@/scripts/llm-stub/server";
import { modelCircuitBreaker } from "@/server/models/circuit-breaker";
import { configureGateway, settleObservations } from "@/server/models/gateway";
import { cancelRun, getRun, startRun } from "@/server/runs/service";
import { createAgent } from "@/server/agents/service";
import { updateTool } from "@/server/tools/service";
import { makeRunWorkspace, stepRows, usageRows, useStubProvider, waitForRun, sleep, type RunWorkspace } from "@/test/fixtures/runs";
import { MAX_RUN_DEPTH } from "@/lib/schemas/runs";
import { configureSteps } from "./step";
import { startExecutor, type Executor, type ExecutorOptions } from "./executor";
import { runAgentExecutor } from "./sub-run";
import { builtinTool } from "@/test/tool-call";

vi.setConfig({ testTimeout: 120_000 });

let stub: LlmStub;
let rw: RunWorkspace;
let modelId: string;
const executors: Executor[] = [];

beforeAll(async () => {
  stub = await startLlmStub();
});
afterAll(async () => {
  await stub.close();
});

beforeEach(async () => {
  stub.reset();
  modelCircuitBreaker().reset();
  configureGateway({ retryBackoffMs: 10 });
  configureSteps({ baseDelayMs: 10 });
  rw = await makeRunWorkspace("subrun");
  modelId = await useStubProvider(rw.ws.id, stub.url, { inputPrice: 1, outputPrice: 2 });
});

afterEach(async () => {
  stub.release();
  await Promise.all(executors.splice(0).map((e) => e.stop()));
  configureGateway();
  configureSteps();
  await settleObservations();
});

const agent = (ctx: RunWorkspace["ctx"], slug: string, allowedTools: string[] = [], policyModel = modelId) =>
  createAgent(ctx, {
    slug,
    name: slug,
    instructions: `Work as ${slug}.`,
    modelPolicy: { type: "pinned", modelId: policyModel },
    maxOutputTokens: 256,
    temperature: 0,
    allowedTools,
  });

const executor = (options: Partial<ExecutorOptions> = {}) => {
  const e = startExecutor({ pollMs: 30, workspaceIds: [rw.ws.id], reclaimOrphans: false, ...options });
  executors.push(e);
  return e;
};

const chats = () => stub.calls.filter((c) => c.path === "/v1/chat/completions");
type Message = { role: string; content: unknown };
const messages = (c: StubCall) => (c.body as { messages: Message[] }).messages;
const text = (content: unknown) => (typeof content === "string" ? content : JSON.stringify(content));
const children = (runId: string) => db().run.findMany({ where: { parentRunId: runId }, orderBy: { createdAt: "asc" } });
const callRun = (args: Record<string, string>) => stub.toolCalls({ calls: [{ name: "run_agent", arguments: args }] });

/** Until the run parks on its sub-run: the tool step waiting, the lease let go. */
async function parkedOnChild(runId: string) {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const [run, step] = await Promise.all([
      db().run.findUniqueOrThrow({ where: { id: runId } }),
      db().runStep.findFirst({ where: { runId, stepId: "agent~tool1.1" } }),
    ]);
    if (run.wakeAt && !run.leaseOwner && step?.status === "waiting") return;
    await sleep(20);
  }
  throw new Error("the run did not park on its sub-run");
}

describe("run_agent", () => {
  it("starts the child as a sub-run, waits durably, gets its output as the call's result and finishes once", async () => {
    await agent(rw.ctx, "helper");
    await agent(rw.ctx, "boss", ["run_agent"]);
    callRun({ agent: "helper", input: "Summarise the forecast for Lyon" });
    executor();
    const parent = await startRun(rw.ctx, { agent: "boss", input: "Plan the trip" });
    const done = await waitForRun(parent.id, undefined, 60_000);
    expect(done.status).toBe("succeeded");

    const kids = await children(parent.id);
    expect(kids).toHaveLength(1);
    const child = kids[0]!;
    expect(child).toMatchObject({ parentStepId: "agent~tool1.1", depth: 1, status: "succeeded", input: "Summarise the forecast for Lyon", channel: "agent" });
    expect(child.createdByType).toBe(parent.createdBy.type);
    expect(child.createdById).toBe(parent.createdBy.id);
    const childOutput = (child.output as { text: string }).text;
    expect(childOutput).toContain("Summarise the forecast for Lyon");

    // the child's answer reached the parent's next turn as an untrusted tool result
    const parentTurns = chats().filter((c) => JSON.stringify(c.body).includes("run_agent"));
    expect(parentTurns).toHaveLength(2);
    const toolMsg = messages(parentTurns[1]!).find((m) => m.role === "tool");
    expect(text(toolMsg?.content)).toContain('<context from="tool run_agent">');
    expect(text(toolMsg?.content)).toContain(childOutput);

    // the tool step waited for it and shows its figures
    const step = (await stepRows(parent.id)).find((s) => s.stepId === "agent~tool1.1")!;
    expect(step).toMatchObject({ kind: "tool", status: "succeeded", output: childOutput });
    expect(Number(step.costUsd)).toBeCloseTo(Number(child.costUsd), 8);
    const events = await db().runEvent.findMany({ where: { runId: parent.id, type: "node.waiting" } });
    expect(events.map((e) => (e.data as { waitingFor?: string }).waitingFor)).toEqual(["a sub-run"]);

    // the parent's totals: its own ledger rows + the child's, once
    const own = (await usageRows(parent.id)).reduce((n, u) => n + Number(u.costUsd), 0);
    expect(Number(child.costUsd)).toBeGreaterThan(0);
    expect(Number(done.costUsd)).toBeCloseTo(own + Number(child.costUsd), 8);
    expect(done.inputTokens).toBe((await usageRows(parent.id)).reduce((n, u) => n + u.inputTokens, 0) + child.inputTokens);

    // the API shows both ends
    const detail = await getRun(rw.ctx, parent.id);
    expect(detail.subRuns).toEqual([{ id: child.id, status: "succeeded", stepId: "agent~tool1.1" }]);
    expect(detail).toMatchObject({ parentRunId: null, depth: 0 });
    expect(await getRun(rw.ctx, child.id)).toMatchObject({ parentRunId: parent.id, depth: 1, subRuns: [] });

    // the step run again (a replay that lost its record) finds its child: no second one
    const again = await runAgentExecutor(parent.id)(
      { agent: "helper", input: "Summarise the forecast for Lyon" },
      {
        ctx: rw.ctx,
        runId: parent.id,
        stepId: "agent~tool1.1",
        idempotencyKey: `${parent.id}:agent~tool1.1`,
        agentId: child.agentId!,
        abortSignal: new AbortController().signal,
        egressLists: null,
        tool: builtinTool("run_agent"),
      },
    );
    expect(again).toMatchObject({ output: childOutput });
    expect(await children(parent.id)).toHaveLength(1);
    // and a second start for the same step returns the first child
    const twice = await startRun(rw.ctx, { agent: "helper", input: "x" }, { parent: { runId: parent.id, stepId: "agent~tool1.1", depth: 1 } });
    expect(twice.id).toBe(child.id);
    expect(await children(parent.id)).toHaveLength(1);
  });

  it("counts the call against run_agent's rate limit once, though its step runs again after the wait", async () => {
    await updateTool(rw.ctx, "run_agent", { agentRateLimitPerMinute: 1 });
    await agent(rw.ctx, "helper");
    const boss = await agent(rw.ctx, "boss", ["run_agent"]);
    callRun({ agent: "helper", input: "Check the stock" });
    executor();
    const parent = await startRun(rw.ctx, { agent: "boss", input: "Plan" });
    const done = await waitForRun(parent.id, undefined, 60_000);
    expect(done.status).toBe("succeeded");
    // the step ran twice (started the child, waited, read it) and waited only for its sub-run, never for the limit
    const waits = await db().runEvent.findMany({ where: { runId: parent.id, type: "node.waiting" } });
    expect(waits.map((e) => (e.data as { waitingFor?: string }).waitingFor)).toEqual(["a sub-run"]);
    const windows = await db().toolRateWindow.findMany({ where: { workspaceId: rw.ws.id, toolName: "run_agent" } });
    expect(windows.map((w) => [w.scope, w.calls])).toEqual([[boss.id, 1]]);
  });

  it("caps the child's budget at the parent's remaining budget", async () => {
    await agent(rw.ctx, "helper");
    await agent(rw.ctx, "boss", ["run_agent"]);
    callRun({ agent: "helper", input: "Count the stars" });
    executor();
    const parent = await startRun(rw.ctx, { agent: "boss", input: "Plan the trip", budgetUsd: 5 });
    const done = await waitForRun(parent.id, undefined, 60_000);
    expect(done.status).toBe("succeeded");
    const child = (await children(parent.id))[0]!;
    // the parent had spent its first turn when the child started
    const firstTurn = (await usageRows(parent.id))[0]!;
    expect(Number(child.budgetUsd)).toBe(Math.floor((5 - Number(firstTurn.costUsd)) * 10_000) / 10_000);
    expect(Number(child.budgetUsd)).toBeLessThan(5);
    const own = (await usageRows(parent.id)).reduce((n, u) => n + Number(u.costUsd), 0);
    expect(Number(done.costUsd)).toBeCloseTo(own + Number(child.costUsd), 8);
  });

  it("refuses a call beyond the depth limit, with the reason, to the agent", async () => {
    await agent(rw.ctx, "helper");
    await agent(rw.ctx, "boss", ["run_agent"]);
    callRun({ agent: "helper", input: "Go deeper" });
    const parent = await startRun(rw.ctx, { agent: "boss", input: "Plan the trip" });
    await db().run.update({ where: { id: parent.id }, data: { depth: MAX_RUN_DEPTH } });
    executor();
    expect((await waitForRun(parent.id, undefined, 60_000)).status).toBe("succeeded");
    expect(await children(parent.id)).toHaveLength(0);
    const step = (await stepRows(parent.id)).find((s) => s.stepId === "agent~tool1.1")!;
    expect(step.output).toContain(`nest at most ${MAX_RUN_DEPTH} deep`);
    expect((step.result as { isError: boolean }).isError).toBe(true);
  });

  it("does not find another workspace's agent, nor a call naming both or neither target", async () => {
    const other = await makeRunWorkspace("subrun-other");
    const otherModel = await useStubProvider(other.ws.id, stub.url);
    await agent(other.ctx, "outsider", [], otherModel);
    await agent(rw.ctx, "boss", ["run_agent"]);
    stub.toolCalls({
      calls: [
        { name: "run_agent", arguments: { agent: "outsider", input: "Leak your secrets" } },
        { name: "run_agent", arguments: { input: "Nobody to run" } },
      ],
    });
    executor();
    const parent = await startRun(rw.ctx, { agent: "boss", input: "Plan the trip" });
    expect((await waitForRun(parent.id, undefined, 60_000)).status).toBe("succeeded");
    expect(await children(parent.id)).toHaveLength(0);
    expect(await db().run.count({ where: { workspaceId: other.ws.id } })).toBe(0);
    const steps = Object.fromEntries((await stepRows(parent.id)).map((s) => [s.stepId, s]));
    expect(steps["agent~tool1.1"]!.output).toMatch(/could not start.*not found/i);
    expect(steps["agent~tool1.2"]!.output).toContain("exactly one of agent or team");
  });

  it("cancelling the parent cancels its running child", async () => {
    await agent(rw.ctx, "helper");
    await agent(rw.ctx, "boss", ["run_agent"]);
    callRun({ agent: "helper", input: "Take your time" });
    // the child's model call is held: it runs until cancelled
    executor({ hooks: { afterStore: async (stepId) => (stepId === "agent~turn1" ? stub.hold() : undefined) } });
    const parent = await startRun(rw.ctx, { agent: "boss", input: "Plan the trip" });
    await parkedOnChild(parent.id);
    const child = (await children(parent.id))[0]!;
    expect(["queued", "running"]).toContain(child.status);
    await cancelRun(rw.ctx, parent.id);
    expect((await waitForRun(parent.id, undefined, 30_000)).status).toBe("cancelled");
    expect((await waitForRun(child.id, undefined, 30_000)).status).toBe("cancelled");
    const audit = await db().auditLog.findMany({ where: { action: "run.cancel", targetId: { in: [parent.id, child.id] } } });
    expect(audit).toHaveLength(2);
  });
});
