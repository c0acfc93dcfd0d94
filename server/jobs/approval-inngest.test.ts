/**
 * A tool call that waits for a person's approval, under Inngest (the step adapter on fake step tools that behave like
 * Inngest's for this: memoised step.run, and a step.waitForEvent that only matches an event sent after it registered,
 * else runs to its timeout, which moves the clock (Date only) on by that much):
 * - the run parks on a waitForEvent on the approval's wake key, a person approves (the decision sends the event), the
 *   run resumes and the call runs;
 * - the race: the decision is made (and its event sent) before the wait registers, so the event never matches; the run
 *   still resumes after one slice (WAKE_SLICE_MS), because the database is read between slices, not at the 24 h expiry;
 * - nobody decides: the wait runs in slices up to the request's expiry, which the agent hears as a denial.
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
import { configureSteps } from "./step";
import { inngest, inngestSteps, WAKE_EVENT, WAKE_SLICE_MS, type InngestStepTools } from "./inngest";
import { executeRun } from "./run-function";

// runs go to Inngest here: startRun sends cadre/run.requested, a decision sends the wake event (both to the spy below)
vi.mock("@/server/jobs/inngest-enabled", () => ({ inngestEnabled: () => true }));

vi.setConfig({ testTimeout: 120_000 });

let stub: LlmStub;
let rw: RunWorkspace;
let modelId: string;
const received: string[] = [];
let receiver: http.Server;
let receiverUrl: string;
/** the events sent to Inngest */
const sent: { name: string; data: { key?: string } }[] = [];

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
  sent.length = 0;
  modelCircuitBreaker().reset();
  configureGateway({ retryBackoffMs: 10 });
  configureSteps({ baseDelayMs: 10 });
  rw = await makeRunWorkspace("approval-inngest");
  modelId = await useStubProvider(rw.ws.id, stub.url, { inputPrice: 1, outputPrice: 2 });
  vi.spyOn(inngest, "send").mockImplementation((async (payload: (typeof sent)[number]) => {
    sent.push(payload);
    return { ids: [] };
  }) as never);
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

type Wait = { id: string; event: string; if: string; timeout: number };

/**
 * Inngest's step tools as the adapter uses them. `beforeRegister(n)` runs before the n-th waitForEvent registers (an
 * event sent then is lost, as on Inngest); `whileWaiting(n)` while it waits (an event sent then matches it).
 */
function fakeInngest(hooks: { beforeRegister?: (n: number) => Promise<void>; whileWaiting?: (n: number) => Promise<void> }) {
  const memo = new Map<string, unknown>();
  const waits: Wait[] = [];
  const checks: string[] = [];
  const clock = { waitedMs: 0 };
  const tools: InngestStepTools = {
    async run(id, fn) {
      if (id.endsWith("~check")) checks.push(id);
      if (!memo.has(id)) memo.set(id, await fn());
      return memo.get(id);
    },
    async sleep() {
      throw new Error("an approval's wait is a waitForEvent, not a sleep");
    },
    async waitForEvent(id, options) {
      const n = waits.length + 1;
      await hooks.beforeRegister?.(n);
      const registeredAt = sent.length;
      waits.push({ id, ...options });
      await hooks.whileWaiting?.(n);
      const match = sent.slice(registeredAt).find((e) => e.name === options.event && options.if === `async.data.key == ${JSON.stringify(e.data.key)}`);
      if (match) return match;
      // no event: the wait runs to its timeout
      clock.waitedMs += options.timeout;
      vi.setSystemTime(Date.now() + options.timeout);
      return null;
    },
  };
  return { tools, waits, checks, clock };
}

async function pendingApproval(runId: string) {
  const approval = await db().toolApproval.findFirstOrThrow({ where: { runId } });
  expect(approval.status).toBe("pending");
  const step = await db().runStep.findFirstOrThrow({ where: { runId, stepId: "agent~tool1.1" } });
  expect(step.status).toBe("waiting");
  expect(received).toHaveLength(0);
  return approval;
}

describe("a tool call's approval under Inngest", () => {
  it("parks on a waitForEvent of one slice; a person approves, the run resumes and the call runs", async () => {
    const run = await startRun(rw.ctx, { agent: "shipper", input: "Where is order A-17?" });
    let approvalId = "";
    const fake = fakeInngest({
      whileWaiting: async () => {
        approvalId = (await pendingApproval(run.id)).id;
        await decideApprovalAndWake(rw.ctx, approvalId, { decision: "approve" });
      },
    });
    const ref = { runId: run.id, workspaceId: rw.ws.id };
    expect(await executeRun(ref, inngestSteps(fake.tools, ref, 0))).toBe("succeeded");
    expect(fake.waits).toHaveLength(1);
    expect(fake.waits[0]).toMatchObject({ id: "agent~tool1.1~wait-1", event: WAKE_EVENT, if: `async.data.key == "${approvalWakeKey(approvalId)}"` });
    // a slice, not the request's 24 h: the database is read between slices
    expect(fake.waits[0]!.timeout).toBeLessThanOrEqual(WAKE_SLICE_MS);
    expect(fake.clock.waitedMs).toBe(0);
    expect(sent.filter((e) => e.name === WAKE_EVENT)).toEqual([{ name: WAKE_EVENT, data: { key: approvalWakeKey(approvalId) } }]);
    expect(received).toEqual(["/orders/A-17"]);
    const tool = (await stepRows(run.id)).find((s) => s.stepId === "agent~tool1.1")!;
    expect(tool.status).toBe("succeeded");
    expect(tool.output).toContain("shipped");
  });

  it("a decision made before the wait registers (its event lost) resumes the run after one slice, not at the expiry", async () => {
    const run = await startRun(rw.ctx, { agent: "shipper", input: "Where is order A-17?" });
    const fake = fakeInngest({
      beforeRegister: async (n) => {
        if (n === 1) await decideApprovalAndWake(rw.ctx, (await pendingApproval(run.id)).id, { decision: "approve" });
      },
    });
    const ref = { runId: run.id, workspaceId: rw.ws.id };
    expect(await executeRun(ref, inngestSteps(fake.tools, ref, 0))).toBe("succeeded");
    // the event was sent, but before the wait: it never matched; the slice ran out and the check read the decision
    expect(sent.some((e) => e.name === WAKE_EVENT)).toBe(true);
    expect(fake.waits).toHaveLength(1);
    expect(fake.checks).toEqual(["agent~tool1.1~wait-1~check"]);
    expect(fake.clock.waitedMs).toBeLessThanOrEqual(WAKE_SLICE_MS);
    expect(received).toEqual(["/orders/A-17"]);
    expect((await stepRows(run.id)).find((s) => s.stepId === "agent~tool1.1")!.status).toBe("succeeded");
  });

  it("nobody decides: the wait runs in slices to the request's expiry, which the agent hears as a denial", async () => {
    const run = await startRun(rw.ctx, { agent: "shipper", input: "Where is order A-17?" });
    const slices = Math.ceil(APPROVAL_TTL_MS / WAKE_SLICE_MS);
    const fake = fakeInngest({});
    const ref = { runId: run.id, workspaceId: rw.ws.id };
    expect(await executeRun(ref, inngestSteps(fake.tools, ref, 0))).toBe("succeeded");
    expect(fake.waits).toHaveLength(slices);
    expect(fake.waits.slice(0, 3).map((w) => w.id)).toEqual(["agent~tool1.1~wait-1", "agent~tool1.1~wait-1.2", "agent~tool1.1~wait-1.3"]);
    expect(fake.checks).toHaveLength(slices - 1);
    // each slice at most WAKE_SLICE_MS; together the 24 h of the request (less the few ms the test took)
    expect(Math.max(...fake.waits.map((w) => w.timeout))).toBeLessThanOrEqual(WAKE_SLICE_MS);
    expect(fake.clock.waitedMs).toBeLessThanOrEqual(APPROVAL_TTL_MS);
    expect(fake.clock.waitedMs).toBeGreaterThan(APPROVAL_TTL_MS - 60_000);
    expect(received).toHaveLength(0);
    expect((await db().toolApproval.findFirstOrThrow({ where: { runId: run.id } })).status).toBe("expired");
  });
});
