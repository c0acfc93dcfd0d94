/**
 * The built-in tool run_agent under Inngest: the parent and its child each executed by the real Inngest function of
 * runs (runFunction) with @inngest/test's InngestTestEngine (waits answered by step id, see
 * test/fixtures/inngest-run.ts), the runs' state read in the database. Inngest is enabled (startRun sends
 * cadre/run.requested, for the child too; the events are captured):
 * - the call is a waitForEvent on `subrun:<childId>` in slices; while the parent waits, the child runs as its own
 *   function, whose end sends the wake event the parent's wait matches; the parent reads the child's output, and the
 *   tool step, run again after its wait and replayed by every later execution, never starts a second child;
 * - a child that ended before the parent's wait registered (its wake event lost) is found in the database after one
 *   slice.
 * (run_agent in-process, its limits and budget: sub-run.test.ts.)
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { testDb as db } from "@/test/db";
import { startLlmStub, type LlmStub } from "@/scripts/llm-stub/server";
import { modelCircuitBreaker } from "@/server/models/circuit-breaker";
import { configureGateway, settleObservations } from "@/server/models/gateway";
import { startRun } from "@/server/runs/service";
import { createAgent } from "@/server/agents/service";
import { makeRunWorkspace, stepRows, useStubProvider, type RunWorkspace } from "@/test/fixtures/runs";
import { captureSentEvents, matchingEvent, runEngine, runsGoToInngestForFile, type SentEvent } from "@/test/fixtures/inngest-run";
import { configureSteps } from "./step";
import { RUN_REQUESTED_EVENT, WAKE_EVENT, WAKE_SLICE_MS } from "./inngest";

vi.setConfig({ testTimeout: 120_000 });

let stub: LlmStub;
let rw: RunWorkspace;
let modelId: string;
let sent: SentEvent[];

// runs go to Inngest here: startRun sends cadre/run.requested, a decision sends the wake event (both captured)
runsGoToInngestForFile();
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
  rw = await makeRunWorkspace("subrun-inngest");
  modelId = await useStubProvider(rw.ws.id, stub.url, { inputPrice: 1, outputPrice: 2 });
  sent = captureSentEvents();
  for (const [slug, allowedTools] of [
    ["helper", []],
    ["boss", ["run_agent"]],
  ] as const) {
    await createAgent(rw.ctx, {
      slug,
      name: slug,
      instructions: `Work as ${slug}.`,
      modelPolicy: { type: "pinned", modelId },
      maxOutputTokens: 256,
      temperature: 0,
      allowedTools: [...allowedTools],
    });
  }
});

afterEach(async () => {
  vi.restoreAllMocks();
  configureGateway();
  configureSteps();
  await settleObservations();
});

const TOOL_STEP = "agent~tool1.1";
const FIRST_WAIT = `${TOOL_STEP}~wait-1`;
const children = (runId: string) => db().run.findMany({ where: { parentRunId: runId }, orderBy: { createdAt: "asc" } });
const stepRunIds = (ctx: { step: unknown }) => (ctx.step as { run: { mock: { calls: unknown[][] } } }).run.mock.calls.map((c) => c[0] as string);

/** The parent's run_agent call started one child, which Inngest was asked to run; the tool step waits for it. */
async function startedChild(parentId: string) {
  const kids = await children(parentId);
  expect(kids).toHaveLength(1);
  const child = kids[0]!;
  expect(child).toMatchObject({ parentStepId: TOOL_STEP, depth: 1, status: "queued", input: "Summarise the forecast for Lyon" });
  expect(sent.filter((e) => e.name === RUN_REQUESTED_EVENT).map((e) => e.data.runId)).toEqual([parentId, child.id]);
  expect((await db().runStep.findFirstOrThrow({ where: { runId: parentId, stepId: TOOL_STEP } })).status).toBe("waiting");
  return child;
}

/** The child's own function invocation (cadre/run.requested): it runs, and its end sends the parent's wake event. */
async function runChild(childId: string) {
  const { result, error } = await runEngine({ runId: childId, workspaceId: rw.ws.id }).execute();
  expect(error).toBeUndefined();
  expect(result).toBe("succeeded");
}

async function startParent() {
  stub.toolCalls({ calls: [{ name: "run_agent", arguments: { agent: "helper", input: "Summarise the forecast for Lyon" } }] });
  const parent = await startRun(rw.ctx, { agent: "boss", input: "Plan the trip" });
  return { runId: parent.id, workspaceId: rw.ws.id };
}

describe("run_agent under Inngest (the run function on @inngest/test)", () => {
  it("the call waits with step.waitForEvent on the child's wake key; the child's end sends it; the parent reads its output", async () => {
    const parent = await startParent();
    let childId = "";
    const t = runEngine(parent, {
      [FIRST_WAIT]: async (wait) => {
        childId = (await startedChild(parent.runId)).id;
        await runChild(childId);
        return matchingEvent(wait, sent);
      },
    });
    const { result, error, ctx } = await t.execute();
    expect(error).toBeUndefined();
    expect(result).toBe("succeeded");
    expect(t.registered()).toEqual([{ id: FIRST_WAIT, event: WAKE_EVENT, if: `async.data.key == "subrun:${childId}"`, timeout: expect.any(Number) }]);
    // one slice of the 24 h wait (the database is read between slices: a lost wake event costs one slice at most)
    expect(t.registered()[0]!.timeout).toBeLessThanOrEqual(WAKE_SLICE_MS);
    expect(t.registered()[0]!.timeout).toBeGreaterThan(WAKE_SLICE_MS - 60_000);
    // the child's end sent its parent's wake event (the key the parent's waitForEvent matches), once; the parent's
    // end sent none (it has no parent)
    expect(sent.filter((e) => e.name === WAKE_EVENT)).toEqual([{ name: WAKE_EVENT, data: { key: `subrun:${childId}` } }]);
    expect(stepRunIds(ctx).filter((id) => id.endsWith("~check"))).toEqual([]);
    // the tool step ran again after its wait (and every later execution replayed it): one child, its output read
    expect(stepRunIds(ctx)).toEqual(expect.arrayContaining([TOOL_STEP, `${TOOL_STEP}~after-wait-1`]));
    expect([TOOL_STEP, `${TOOL_STEP}~after-wait-1`].map(t.bodiesRun)).toEqual([1, 1]);
    const kids = await children(parent.runId);
    expect(kids.map((k) => [k.id, k.status])).toEqual([[childId, "succeeded"]]);
    const childOutput = (kids[0]!.output as { text: string }).text;
    expect(childOutput).toContain("Summarise the forecast for Lyon");
    const step = (await stepRows(parent.runId)).find((st) => st.stepId === TOOL_STEP)!;
    expect(step).toMatchObject({ kind: "tool", status: "succeeded", output: childOutput });
    const done = await db().run.findUniqueOrThrow({ where: { id: parent.runId } });
    expect(done.status).toBe("succeeded");
    expect(Number(done.costUsd)).toBeGreaterThan(Number(kids[0]!.costUsd));
  });

  it("a child that ends before the parent's wait registers (its wake event lost) resumes the parent after one slice", async () => {
    const parent = await startParent();
    let childId = "";
    const t = runEngine(parent, {
      // the child ran and ended (sending its wake event) before this wait registered: the event never matches it
      [FIRST_WAIT]: async () => {
        childId = (await startedChild(parent.runId)).id;
        await runChild(childId);
        return null;
      },
    });
    const { result, error, ctx } = await t.execute();
    expect(error).toBeUndefined();
    expect(result).toBe("succeeded");
    expect(sent.filter((e) => e.name === WAKE_EVENT)).toHaveLength(1);
    // one slice ran out, the check read the child's end in the database, and the step read its output
    expect(t.registered().map((w) => w.id)).toEqual([FIRST_WAIT]);
    expect(t.registered()[0]!.timeout).toBeLessThanOrEqual(WAKE_SLICE_MS);
    expect(stepRunIds(ctx).filter((id) => id.endsWith("~check"))).toEqual([`${FIRST_WAIT}~check`]);
    const kids = await children(parent.runId);
    expect(kids.map((k) => k.id)).toEqual([childId]);
    expect((await stepRows(parent.runId)).find((st) => st.stepId === TOOL_STEP)!.output).toBe((kids[0]!.output as { text: string }).text);
    expect((await db().run.findUniqueOrThrow({ where: { id: parent.runId } })).status).toBe("succeeded");
  });
});
