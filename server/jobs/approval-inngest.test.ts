/**
 * A tool call that waits for a person's approval, under Inngest: the real Inngest function of runs (runFunction),
 * executed by @inngest/test's InngestTestEngine (Inngest's step tools, memoisation and replays; the waits mocked by
 * their step ids, see test/fixtures/inngest-run.ts), the run's state read in the database:
 * - the run parks on a waitForEvent on the approval's wake key, a person approves (the decision sends the event the
 *   wait matches), the run resumes and the call runs once, though every later step replays the function past it;
 * - a person denies: the refusal, with the note, is the call's result the agent reads; the call never runs;
 * - the race: the decision is made (and its event sent) before the wait registers, so the event never matches (the
 *   wait's mock answers null, its timeout); the run still resumes after one slice (WAKE_SLICE_MS), because the
 *   database is read between slices, not at the 24 h expiry;
 * - nobody decides: the wait runs in slices (each mock moves the clock, Date only, by its timeout) to the request's
 *   expiry, which the agent hears as a denial.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { testDb as db } from "@/test/db";
import { startLlmStub, type LlmStub } from "@/scripts/llm-stub/server";
import { modelCircuitBreaker } from "@/server/models/circuit-breaker";
import { configureGateway, settleObservations } from "@/server/models/gateway";
import { startRun } from "@/server/runs/service";
import { createAgent } from "@/server/agents/service";
import { createTool, updateTool } from "@/server/tools/service";
import { decideApprovalAndWake } from "@/server/runs/approvals";
import { approvalWakeKey } from "@/server/tools/approval-wait";
import { APPROVAL_TTL_MS } from "@/lib/schemas/tools";
import { makeRunWorkspace, stepRows, useStubProvider, type RunWorkspace } from "@/test/fixtures/runs";
import { captureSentEvents, matchingEvent, runEngine, runsGoToInngestForFile, sliceIds, type SentEvent } from "@/test/fixtures/inngest-run";
import { configureSteps } from "./step";
import { WAKE_EVENT, WAKE_SLICE_MS } from "./inngest";

vi.setConfig({ testTimeout: 120_000 });

let stub: LlmStub;
let rw: RunWorkspace;
let modelId: string;
const received: string[] = [];
let receiver: http.Server;
let receiverUrl: string;
/** the events sent to Inngest */
let sent: SentEvent[];

// runs go to Inngest here: startRun sends cadre/run.requested, a decision sends the wake event (both captured)
runsGoToInngestForFile();
beforeAll(async () => {
  stub = await startLlmStub();
  receiver = http.createServer((req, res) => {
    received.push(req.url ?? "");
    req.resume();
    req.on("end", () => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ order: "A-17", status: "shipped" }));
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
  rw = await makeRunWorkspace("approval-inngest");
  modelId = await useStubProvider(rw.ws.id, stub.url, { inputPrice: 1, outputPrice: 2 });
  sent = captureSentEvents();
  await createTool(rw.ctx, {
    name: "lookup_order",
    description: "Looks an order up",
    inputSchema: { type: "object", properties: { order: { type: "string" } }, required: ["order"] },
    config: { method: "POST", urlTemplate: `${receiverUrl}/orders/{{order}}`, headers: {}, bodyTemplate: null },
  });
  await updateTool(rw.ctx, "lookup_order", { approval: { mode: "always" } });
  await createAgent(rw.ctx, {
    slug: "shipper",
    name: "shipper",
    instructions: "Use your tools as shipper.",
    modelPolicy: { type: "pinned", modelId },
    maxOutputTokens: 256,
    temperature: 0,
    allowedTools: ["lookup_order"],
  });
  stub.toolCalls({ calls: [{ name: "lookup_order", arguments: { order: "A-17" } }] });
  vi.useFakeTimers({ toFake: ["Date"], shouldAdvanceTime: true });
});

afterEach(async () => {
  vi.useRealTimers();
  vi.restoreAllMocks();
  configureGateway();
  configureSteps();
  await settleObservations();
});

const TOOL_STEP = "agent~tool1.1";
const FIRST_WAIT = `${TOOL_STEP}~wait-1`;

type Message = { role: string; content: unknown };
const chats = () => stub.calls.filter((c) => c.path === "/v1/chat/completions");
const text = (content: unknown) => (typeof content === "string" ? content : JSON.stringify(content));
/** what the agent read as the call's result, in its next model turn */
const toolResultSeen = () => text(((chats()[1]!.body as { messages: Message[] }).messages as Message[]).find((m: Message) => m.role === "tool")?.content);
const wakeEvents = () => sent.filter((e) => e.name === WAKE_EVENT);
/** the ids of the Inngest steps (step.run) the last execution of the function went through, in order */
const stepRunIds = (ctx: { step: unknown }) => (ctx.step as { run: { mock: { calls: unknown[][] } } }).run.mock.calls.map((c) => c[0] as string);

/** The run parked on its approval: the request pending, the tool step stored `waiting`, the call not made. */
async function pendingApproval(runId: string) {
  const approval = await db().toolApproval.findFirstOrThrow({ where: { runId } });
  expect(approval).toMatchObject({ status: "pending", stepId: TOOL_STEP, toolName: "lookup_order", input: { order: "A-17" } });
  const step = await db().runStep.findFirstOrThrow({ where: { runId, stepId: TOOL_STEP } });
  expect(step.status).toBe("waiting");
  expect(received).toHaveLength(0);
  return approval;
}

async function startShipperRun() {
  const run = await startRun(rw.ctx, { agent: "shipper", input: "Where is order A-17?" });
  expect(sent).toEqual([{ name: "cadre/run.requested", data: { runId: run.id, workspaceId: rw.ws.id } }]);
  return { runId: run.id, workspaceId: rw.ws.id };
}

describe("a tool call's approval under Inngest (the run function on @inngest/test)", () => {
  it("parks on a waitForEvent of one slice keyed to the approval; a person approves, the run resumes and the call runs once", async () => {
    const run = await startShipperRun();
    let approvalId = "";
    const t = runEngine(run, {
      [FIRST_WAIT]: async (wait) => {
        approvalId = (await pendingApproval(run.runId)).id;
        await decideApprovalAndWake(rw.ctx, approvalId, { decision: "approve" });
        return matchingEvent(wait, sent);
      },
    });
    const { result, error, ctx } = await t.execute();
    expect(error).toBeUndefined();
    expect(result).toBe("succeeded");
    // the wait is the tool step's, on the approval's wake key: the decision's event matches this call's wait only
    expect(t.registered()).toEqual([
      { id: FIRST_WAIT, event: WAKE_EVENT, if: `async.data.key == "${approvalWakeKey(approvalId)}"`, timeout: expect.any(Number) },
    ]);
    // a slice, not the request's 24 h: the database is read between slices
    expect(t.registered()[0]!.timeout).toBeLessThanOrEqual(WAKE_SLICE_MS);
    expect(t.registered()[0]!.timeout).toBeGreaterThan(WAKE_SLICE_MS - 60_000);
    expect(wakeEvents()).toEqual([{ name: WAKE_EVENT, data: { key: approvalWakeKey(approvalId) } }]);
    // the event ended the wait: no database check
    expect(stepRunIds(ctx).filter((id) => id.endsWith("~check"))).toEqual([]);
    // the call ran once, though the function replayed past it for each later step (the last execution included):
    // its step's body ran once before the wait (stored the wait) and once after (made the call)
    expect(received).toEqual(["/orders/A-17"]);
    expect(stepRunIds(ctx)).toEqual(expect.arrayContaining([TOOL_STEP, `${TOOL_STEP}~after-wait-1`, "agent~turn2"]));
    expect([TOOL_STEP, FIRST_WAIT, `${TOOL_STEP}~after-wait-1`].map(t.bodiesRun)).toEqual([1, 1, 1]);
    expect(t.executions()).toBeGreaterThan(3);
    expect((await db().toolApproval.findUniqueOrThrow({ where: { id: approvalId } })).status).toBe("approved");
    const tool = (await stepRows(run.runId)).find((s) => s.stepId === TOOL_STEP)!;
    expect(tool.status).toBe("succeeded");
    expect(tool.output).toContain("shipped");
    expect(toolResultSeen()).toContain("shipped");
    expect((await db().run.findUniqueOrThrow({ where: { id: run.runId } })).status).toBe("succeeded");
  });

  it("a person denies: the agent reads the refusal with the note; the call never runs", async () => {
    const run = await startShipperRun();
    let approvalId = "";
    const t = runEngine(run, {
      [FIRST_WAIT]: async (wait) => {
        approvalId = (await pendingApproval(run.runId)).id;
        await decideApprovalAndWake(rw.ctx, approvalId, { decision: "deny", note: "Not for this customer" });
        return matchingEvent(wait, sent);
      },
    });
    const { result, error, ctx } = await t.execute();
    expect(error).toBeUndefined();
    expect(result).toBe("succeeded");
    // the denial's event matched the call's wait (no slice ran out, no database check)
    expect(t.registered().map((w) => [w.id, w.if])).toEqual([[FIRST_WAIT, `async.data.key == "${approvalWakeKey(approvalId)}"`]]);
    expect(stepRunIds(ctx).filter((id) => id.endsWith("~check"))).toEqual([]);
    expect(wakeEvents()).toEqual([{ name: WAKE_EVENT, data: { key: approvalWakeKey(approvalId) } }]);
    expect(received).toHaveLength(0);
    expect((await db().toolApproval.findUniqueOrThrow({ where: { id: approvalId } })).status).toBe("denied");
    expect(toolResultSeen()).toContain("A person denied this call of lookup_order: Not for this customer");
    const tool = (await stepRows(run.runId)).find((s) => s.stepId === TOOL_STEP)!;
    expect(tool.status).toBe("succeeded");
    expect(tool.output).toContain("A person denied this call of lookup_order");
    expect((await db().run.findUniqueOrThrow({ where: { id: run.runId } })).status).toBe("succeeded");
  });

  it("a decision made before the wait registers (its event lost) resumes the run after one slice, not at the expiry", async () => {
    const run = await startShipperRun();
    const t = runEngine(run, {
      // the decision's event was sent before this wait registered: it never matches, the slice runs out (null)
      [FIRST_WAIT]: async (wait) => {
        await decideApprovalAndWake(rw.ctx, (await pendingApproval(run.runId)).id, { decision: "approve" });
        vi.setSystemTime(Date.now() + wait.timeout);
        return null;
      },
    });
    const { result, error, ctx } = await t.execute();
    expect(error).toBeUndefined();
    expect(result).toBe("succeeded");
    expect(wakeEvents()).toHaveLength(1);
    // one slice ran out, then the check read the decision in the database: no second slice
    expect(t.registered().map((w) => w.id)).toEqual([FIRST_WAIT]);
    expect(t.registered()[0]!.timeout).toBeLessThanOrEqual(WAKE_SLICE_MS);
    expect(stepRunIds(ctx).filter((id) => id.endsWith("~check"))).toEqual([`${FIRST_WAIT}~check`]);
    expect(received).toEqual(["/orders/A-17"]);
    expect((await stepRows(run.runId)).find((s) => s.stepId === TOOL_STEP)!.status).toBe("succeeded");
    expect((await db().toolApproval.findFirstOrThrow({ where: { runId: run.runId } })).status).toBe("approved");
  });

  it("nobody decides: the wait runs in slices to the request's expiry, which the agent hears as a denial", async () => {
    const run = await startShipperRun();
    const slices = Math.ceil(APPROVAL_TTL_MS / WAKE_SLICE_MS);
    let waitedMs = 0;
    // every slice runs out (no event): the clock moves on by its timeout
    const timeout = (wait: { timeout: number }) => {
      waitedMs += wait.timeout;
      vi.setSystemTime(Date.now() + wait.timeout);
      return null;
    };
    const t = runEngine(run, Object.fromEntries(sliceIds(FIRST_WAIT, slices).map((id) => [id, timeout])));
    const { result, error, ctx } = await t.execute();
    expect(error).toBeUndefined();
    expect(result).toBe("succeeded");
    const waits = t.registered();
    expect(waits).toHaveLength(slices);
    expect(waits.slice(0, 3).map((w) => w.id)).toEqual([FIRST_WAIT, `${FIRST_WAIT}.2`, `${FIRST_WAIT}.3`]);
    const approval = await db().toolApproval.findFirstOrThrow({ where: { runId: run.runId } });
    for (const w of waits) expect(w.if).toBe(`async.data.key == "${approvalWakeKey(approval.id)}"`);
    expect(stepRunIds(ctx).filter((id) => id.endsWith("~check"))).toHaveLength(slices - 1);
    // each slice at most WAKE_SLICE_MS; together the 24 h of the request (less the few ms the test took)
    expect(Math.max(...waits.map((w) => w.timeout))).toBeLessThanOrEqual(WAKE_SLICE_MS);
    expect(waitedMs).toBeLessThanOrEqual(APPROVAL_TTL_MS);
    expect(waitedMs).toBeGreaterThan(APPROVAL_TTL_MS - 60_000);
    expect(received).toHaveLength(0);
    expect(wakeEvents()).toHaveLength(0);
    expect(approval.status).toBe("expired");
    expect(toolResultSeen()).toContain("not approved in time");
    expect((await db().run.findUniqueOrThrow({ where: { id: run.runId } })).status).toBe("succeeded");
    // 287 Inngest steps, each a fresh execution replaying the ones before it (as on Inngest): slow on a busy machine
  }, 600_000);
});
