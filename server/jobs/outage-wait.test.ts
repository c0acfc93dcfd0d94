/**
 * Runs ride out short provider outages, through the real executor, the real gateway and provider code, against the
 * LLM stub: 500 x3 then 200 (the step waits, parked, until the circuit recovers, and the run succeeds); 429 with
 * Retry-After (the wait is honoured, the requests are bounded); a hang (the call times out and is retried); 400 (no
 * retry, the run fails naming the reason); the outage wait limit; a cancel while parked; a parked run survives the
 * SIGKILL of its process and resumes only after its wake-up time. Breaker cool-downs and Retry-After are a few
 * hundred milliseconds, so nothing waits long.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { testDb as db } from "@/test/db";
import { newId } from "@/lib/ids";
import { startLlmStub, type LlmStub } from "@/scripts/llm-stub/server";
import { modelCircuitBreaker } from "@/server/models/circuit-breaker";
import { configureGateway, settleObservations } from "@/server/models/gateway";
import { cancelRun, listRunEvents, startRun } from "@/server/runs/service";
import { addAgent, addTeam, eventRows, makeRunWorkspace, sleep, stepRows, usageRows, waitForRun, type RunWorkspace } from "@/test/fixtures/runs";
import { updateAgent } from "@/server/agents/service";
import { startExecutor, type Executor } from "./executor";
import { configureSteps } from "./step";
import { kill, killChildren, startChild } from "@/test/fixtures/executor-process";

const COOL_DOWN_MS = 1_000;
// a busy machine starts child processes and runs slowly: these tests wait for the engine, not for the wall clock
vi.setConfig({ testTimeout: 120_000 });

let stub: LlmStub;
let rw: RunWorkspace;
let providerName: string;
let modelId: string;
const executors: Executor[] = [];

function executor() {
  const e = startExecutor({ pollMs: 30, workspaceIds: [rw.ws.id], reclaimOrphans: false });
  executors.push(e);
  return e;
}

const chatCalls = () => stub.calls.filter((c) => c.path === "/v1/chat/completions");

beforeAll(async () => {
  stub = await startLlmStub();
});
afterAll(async () => {
  await stub.close();
});

beforeEach(async () => {
  stub.reset();
  modelCircuitBreaker().reset();
  modelCircuitBreaker().configure({ failureThreshold: 3, coolDownMs: COOL_DOWN_MS });
  configureGateway({ retryBackoffMs: 10 });
  configureSteps({ baseDelayMs: 10 });
  rw = await makeRunWorkspace("outage");
  await db().provider.updateMany({ where: { workspaceId: rw.ws.id, kind: "simulator" }, data: { enabled: false } });
  providerName = `Flaky ${newId("prv").slice(-6)}`;
  const provider = await db().provider.create({
    data: { id: newId("prv"), workspaceId: rw.ws.id, name: providerName, kind: "openai_compatible", baseUrl: stub.url, isLocal: false },
  });
  const model = await db().model.create({
    data: {
      id: newId("mdl"),
      workspaceId: rw.ws.id,
      providerId: provider.id,
      modelId: "stub-small",
      displayName: "Stub small",
      inputPrice: 1,
      outputPrice: 2,
      contextWindow: 128_000,
      capabilities: ["tools", "json"],
      quality: 0.7,
    },
  });
  modelId = model.id;
  await addAgent(rw.ctx, "solo", { modelPolicy: { type: "pinned", modelId } });
});

afterEach(async () => {
  await Promise.all(executors.splice(0).map((e) => e.stop()));
  killChildren();
  modelCircuitBreaker().reset();
  modelCircuitBreaker().configure({ failureThreshold: 3, coolDownMs: 30_000, providerMinimumCalls: 6, providerMinimumModels: 2 });
  configureGateway();
  configureSteps();
  await settleObservations();
});

/** Polls the run's row until `check` holds. */
async function waitForRow(runId: string, check: (row: { status: string; wakeAt: Date | null; leaseOwner: string | null }) => boolean, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const row = await db().run.findUniqueOrThrow({ where: { id: runId } });
    if (check(row)) return row;
    if (Date.now() > deadline) throw new Error(`run ${runId}: condition not reached (status ${row.status}, wakeAt ${row.wakeAt?.toISOString() ?? null})`);
    await sleep(15);
  }
}

const parked = (row: { status: string; wakeAt: Date | null; leaseOwner: string | null }) =>
  row.status === "running" && row.wakeAt !== null && row.wakeAt.getTime() > Date.now() && row.leaseOwner === null;

describe("a provider that fails, then recovers", () => {
  it("500 x3 then 200: the step waits parked for the circuit to recover, then the run succeeds", async () => {
    stub.fail({ status: 500, times: 3 });
    executor();
    const run = await startRun(rw.ctx, { agent: "solo", input: "Ride out the blip." });
    // parked: no executor holds it, its wake-up time is stored
    const waiting = await waitForRow(run.id, parked);
    expect(chatCalls()).toHaveLength(3);
    const done = await waitForRun(run.id, undefined, 60_000);
    expect(done.status).toBe("succeeded");
    expect(done.output).toMatchObject({ text: "[stub stub-small] Ride out the blip." });
    // one request after the wait, not before the wake-up time
    const calls = chatCalls();
    expect(calls).toHaveLength(4);
    expect(calls[3]!.at).toBeGreaterThanOrEqual(waiting.wakeAt!.getTime() - 5);

    const events = await eventRows(run.id);
    const types = events.map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(["node.waiting", "node.resumed", "run.succeeded"]));
    expect(types).not.toContain("node.failed");
    const wait = events.find((e) => e.type === "node.waiting")!.data as Record<string, unknown>;
    expect(wait).toMatchObject({ nodeId: "agent", stepId: "agent", agent: "solo", waitingFor: providerName });
    expect(new Date(wait.retryAt as string).getTime()).toBe(waiting.wakeAt!.getTime());
    expect(types.indexOf("node.waiting")).toBeLessThan(types.indexOf("node.resumed"));
    // the wait is in the API's events (the same rows)
    const api = await listRunEvents(rw.ctx, run.id, 0);
    expect(api.map((e) => e.type)).toContain("node.waiting");

    const [step] = await stepRows(run.id);
    expect(step).toMatchObject({ status: "succeeded", attempts: 1 });
    // usage: three failed calls and the one that succeeded
    expect((await usageRows(run.id)).map((u) => u.outcome)).toEqual(["error", "error", "error", "ok"]);
  });

  it("429 with Retry-After: each wait is honoured and the requests are bounded (one per Retry-After)", async () => {
    configureGateway({ retryBackoffMs: 10, retryAfterCapMs: 50 });
    stub.fail({ status: 429, retryAfterMs: 500, times: 2 });
    executor();
    const run = await startRun(rw.ctx, { agent: "solo", input: "Wait when asked to." });
    const done = await waitForRun(run.id, undefined, 60_000);
    expect(done.status).toBe("succeeded");
    const calls = chatCalls();
    expect(calls).toHaveLength(3);
    expect(calls[1]!.at - calls[0]!.at).toBeGreaterThanOrEqual(495);
    expect(calls[2]!.at - calls[1]!.at).toBeGreaterThanOrEqual(495);
    expect((await eventRows(run.id)).filter((e) => e.type === "node.waiting")).toHaveLength(2);
  });

  it("a provider that hangs: the call times out and the step is retried", async () => {
    configureGateway({ retryBackoffMs: 10, defaultTimeoutMs: 300 });
    stub.fail({ delayMs: 5_000 });
    executor();
    const run = await startRun(rw.ctx, { agent: "solo", input: "Do not hang forever." });
    const done = await waitForRun(run.id, undefined, 60_000);
    expect(done.status).toBe("succeeded");
    expect(chatCalls()).toHaveLength(2);
    expect((await usageRows(run.id)).map((u) => u.outcome)).toEqual(["timeout", "ok"]);
    const [step] = await stepRows(run.id);
    expect(step).toMatchObject({ status: "succeeded", attempts: 2 });
  });

  it("400: no retry, the run fails naming the reason", async () => {
    stub.fail({ status: 400 });
    executor();
    const run = await startRun(rw.ctx, { agent: "solo", input: "A bad request." });
    const done = await waitForRun(run.id, undefined, 60_000);
    expect(done.status).toBe("failed");
    expect(done.error).toMatch(/400/);
    expect(done.error).toMatch(/not retried/);
    expect(chatCalls()).toHaveLength(1);
    expect((await eventRows(run.id)).map((e) => e.type)).not.toContain("node.waiting");
  });

  it("409 is retried like 429 (the only 4xx besides 408 and 429)", async () => {
    stub.fail({ status: 409 });
    executor();
    const run = await startRun(rw.ctx, { agent: "solo", input: "A conflict." });
    expect((await waitForRun(run.id)).status).toBe("succeeded");
    expect(chatCalls()).toHaveLength(2);
  });

  it("an outage longer than the agent's outage wait limit: the step fails after waiting, naming the reason", async () => {
    await updateAgent(rw.ctx, "solo", { outageWaitSeconds: 1 });
    stub.fail({ status: 500, times: 1_000 });
    executor();
    const started = Date.now();
    const run = await startRun(rw.ctx, { agent: "solo", input: "A long outage." });
    const done = await waitForRun(run.id, undefined, 60_000);
    expect(done.status).toBe("failed");
    expect(done.error).toMatch(new RegExp(`${providerName} did not recover within the agent's outage wait limit of 1 s`));
    expect(Date.now() - started).toBeGreaterThanOrEqual(600);
    // a trial call per cool-down, no storm: the first three, then one per recovery
    const calls = chatCalls().length;
    expect(calls).toBeGreaterThanOrEqual(4);
    expect(calls).toBeLessThanOrEqual(3 + Math.ceil(1000 / COOL_DOWN_MS) + 1);
    const events = await eventRows(run.id);
    expect(events.filter((e) => e.type === "node.waiting").length).toBeGreaterThanOrEqual(1);
    expect(events.find((e) => e.type === "node.failed")?.data).toMatchObject({ nodeId: "agent", willRetry: false });
  });

  it("an outage wait of 0 fails at once (the previous behaviour)", async () => {
    await updateAgent(rw.ctx, "solo", { outageWaitSeconds: 0 });
    stub.fail({ status: 500, times: 3 });
    executor();
    const run = await startRun(rw.ctx, { agent: "solo", input: "No patience." });
    const done = await waitForRun(run.id, undefined, 60_000);
    expect(done.status).toBe("failed");
    expect(done.error).toMatch(/outage wait limit of 0 s/);
    expect(chatCalls()).toHaveLength(3);
  });
});

describe("a team run", () => {
  it("parallel branches on one flaky provider: the run parks once its models cool down, every branch finishes after, no storm", async () => {
    await addAgent(rw.ctx, "duo", { modelPolicy: { type: "pinned", modelId } });
    await addTeam(rw.ctx, "pair", { topology: "parallel", agents: ["solo", "duo"] });
    // four failures: whichever branch sends them, the first three open the circuit before any success can close it
    // (at most four requests are on their way before it opens)
    stub.fail({ status: 500, times: 4 });
    executor();
    const run = await startRun(rw.ctx, { team: "pair", input: "Both of you, ride it out." });
    const done = await waitForRun(run.id, undefined, 60_000);
    expect(done.status).toBe("succeeded");
    const steps = await stepRows(run.id);
    expect(steps.filter((s) => s.kind === "agent").map((s) => s.status)).toEqual(["succeeded", "succeeded"]);
    // the failures, then one trial at a time: a handful of requests, not a storm
    expect(chatCalls().length).toBeGreaterThanOrEqual(5);
    expect(chatCalls().length).toBeLessThanOrEqual(8);
    expect((await eventRows(run.id)).filter((e) => e.type === "node.waiting").length).toBeGreaterThanOrEqual(2);
  });
});

describe("a parked run", () => {
  it("is cancelled at once (nobody holds it)", async () => {
    modelCircuitBreaker().configure({ coolDownMs: 60_000 });
    stub.fail({ status: 500, times: 3 });
    executor();
    const run = await startRun(rw.ctx, { agent: "solo", input: "Cancel me while I wait." });
    await waitForRow(run.id, parked);
    const cancelled = await cancelRun(rw.ctx, run.id);
    expect(cancelled.status).toBe("cancelled");
    const row = await db().run.findUniqueOrThrow({ where: { id: run.id } });
    expect(row).toMatchObject({ status: "cancelled", wakeAt: null });
    expect((await eventRows(run.id)).at(-1)?.type).toBe("run.cancelled");
    expect(chatCalls()).toHaveLength(3);
  });

  it("survives a stop of its executor: another executor resumes it after (not before) its wake-up time", async () => {
    modelCircuitBreaker().configure({ coolDownMs: 800 });
    stub.fail({ status: 500, times: 3 });
    const first = executor();
    const run = await startRun(rw.ctx, { agent: "solo", input: "Wait across executors." });
    const waiting = await waitForRow(run.id, parked);
    await first.stop();
    executor();
    const done = await waitForRun(run.id, undefined, 60_000);
    expect(done.status).toBe("succeeded");
    expect(chatCalls()).toHaveLength(4);
    expect(chatCalls()[3]!.at).toBeGreaterThanOrEqual(waiting.wakeAt!.getTime() - 5);
  });
});

describe("a provider whose models all fail", () => {
  it("its provider circuit opens (no model's own would): the step waits parked for it, then the run succeeds", async () => {
    const { providerId } = await db().model.findUniqueOrThrow({ where: { id: modelId } });
    await db().model.create({
      data: {
        id: newId("mdl"),
        workspaceId: rw.ws.id,
        providerId,
        modelId: "stub-large",
        displayName: "Stub large",
        inputPrice: 2,
        outputPrice: 4,
        contextWindow: 128_000,
        capabilities: ["tools", "json"],
        quality: 0.7,
      },
    });
    // model circuits need 5 calls; the provider's 3, of 2 models or more
    modelCircuitBreaker().configure({ failureThreshold: 5, providerMinimumCalls: 3, providerMinimumModels: 2 });
    await addAgent(rw.ctx, "any", {
      modelPolicy: { type: "constraints", constraints: { requiredCapabilities: [], preferredProviders: [], localFirst: false, localOnly: false } },
    });
    stub.fail({ status: 500, times: 3 });
    executor();
    const run = await startRun(rw.ctx, { agent: "any", input: "Wait for the provider." });
    const waiting = await waitForRow(run.id, parked);
    expect(chatCalls().map((c) => c.model)).toEqual(["stub-small", "stub-large", "stub-small"]);
    expect(modelCircuitBreaker().state(modelId)).toBe("closed");
    const done = await waitForRun(run.id, undefined, 60_000);
    expect(done.status).toBe("succeeded");
    const calls = chatCalls();
    expect(calls).toHaveLength(4);
    expect(calls[3]!.at).toBeGreaterThanOrEqual(waiting.wakeAt!.getTime() - 5);
    const types = (await eventRows(run.id)).map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(["node.waiting", "node.resumed", "run.succeeded"]));
    expect(types).not.toContain("node.failed");
  });
});

// ---------------------------------------------------------------------------------------------------
// A real process, killed while the run waits

describe("a process killed while its run waits", () => {
  it("SIGKILL of the executor's process: the wait survives, a new executor resumes the run after its wake-up time", async () => {
    stub.fail({ status: 500, times: 3 });
    const { child, waitFor } = startChild({ CADRE_CHILD_WORKSPACE: rw.ws.id, CADRE_CHILD_LEASE_MS: "600", CADRE_CHILD_BREAKER_COOL_DOWN_MS: "1500" });
    await waitFor("READY");
    const run = await startRun(rw.ctx, { agent: "solo", input: "Survive a crash while waiting." });
    const waiting = await waitForRow(run.id, parked);
    await kill(child);
    expect(chatCalls()).toHaveLength(3);
    // this process's breaker knows nothing of the outage: only the stored wake-up time keeps the run waiting
    executor();
    const done = await waitForRun(run.id, undefined, 60_000);
    expect(done.status).toBe("succeeded");
    expect(chatCalls()).toHaveLength(4);
    expect(chatCalls()[3]!.at).toBeGreaterThanOrEqual(waiting.wakeAt!.getTime() - 5);
    expect((await eventRows(run.id)).map((e) => e.type)).toEqual(expect.arrayContaining(["node.waiting", "node.resumed", "run.succeeded"]));
  }, 90_000);
});
