/**
 * Every model call of a run counts against its model call limit (MODEL_CALLS_PER_STEP per step of its pinned step
 * limit), on every path (an agent step's call, the gateway's retries and fallbacks, the step engine's attempts): a run
 * whose provider keeps failing stops at the limit with the cap as its reason (run.failed code RUN_LIMIT_REACHED)
 * instead of making every attempt the retry policies allow.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { testDb as db } from "@/test/db";
import { startLlmStub, type LlmStub } from "@/scripts/llm-stub/server";
import { CircuitBreaker, modelCircuitBreaker } from "@/server/models/circuit-breaker";
import { configureGateway, settleObservations } from "@/server/models/gateway";
import { startRun } from "@/server/runs/service";
import { addAgent, addTeam, eventRows, makeRunWorkspace, usageRows, useStubProvider, type RunWorkspace } from "@/test/fixtures/runs";
import { executeRun, MODEL_CALLS_PER_STEP, RUN_LIMIT_REACHED } from "./run-function";
import { configureSteps, createPostgresStep } from "./step";

vi.setConfig({ testTimeout: 60_000 });

const breakers = globalThis as unknown as { cadreModelBreaker?: CircuitBreaker };
let stub: LlmStub;
let rw: RunWorkspace;

beforeAll(async () => {
  stub = await startLlmStub();
  rw = await makeRunWorkspace("calls-cap");
  const modelId = await useStubProvider(rw.ws.id, stub.url, { inputPrice: 1, outputPrice: 2 });
  await addAgent(rw.ctx, "cap-solo", { modelPolicy: { type: "pinned", modelId } });
  await addTeam(rw.ctx, "cap-one", { topology: "sequential", agents: ["cap-solo"] });
  configureGateway({ retryBackoffMs: 1 });
  // the provider's failures never open its circuit here (an open circuit would make the step wait, not fail)
  breakers.cadreModelBreaker = new CircuitBreaker({ minimumCalls: 1_000, providerMinimumCalls: 1_000 });
  // a retry budget of 9 per step (10 paid calls): more than the call limit of one step allows
  configureSteps({ baseDelayMs: 1, maxAttempts: 10 });
});
afterAll(async () => {
  configureGateway();
  configureSteps();
  breakers.cadreModelBreaker = undefined;
  modelCircuitBreaker().reset();
  await settleObservations();
  await stub.close();
});

describe("the run's model call limit", () => {
  it("counts the gateway's retries and the step's attempts: a failing provider stops at the limit, with the cap as the reason", async () => {
    stub.reset();
    modelCircuitBreaker().reset();
    stub.fail({ status: 503, times: 50 });
    const run = await startRun(rw.ctx, { team: "cap-one", input: "Keep failing." });
    const row = await db().run.findUniqueOrThrow({ where: { id: run.id } });
    // pinned limit of 1 step: at most MODEL_CALLS_PER_STEP model calls
    await db().run.update({ where: { id: run.id }, data: { pins: { ...(row.pins as object), limits: { steps: 1 } } } });

    expect(await executeRun({ runId: run.id, workspaceId: rw.ws.id }, createPostgresStep({ runId: run.id, workspaceId: rw.ws.id }))).toBe("failed");
    const done = await db().run.findUniqueOrThrow({ where: { id: run.id } });
    expect(done.error).toMatch(/^Model call limit reached: this run may make at most 4 model calls/);
    const calls = stub.calls.filter((c) => c.path === "/v1/chat/completions").length;
    // the call that started within the limit makes its gateway attempts (3), no further one starts
    expect(calls).toBeGreaterThanOrEqual(MODEL_CALLS_PER_STEP);
    expect(calls).toBeLessThan(MODEL_CALLS_PER_STEP + 3);
    expect(await usageRows(run.id)).toHaveLength(calls);
    const failed = (await eventRows(run.id)).find((e) => e.type === "run.failed");
    expect(failed?.data).toMatchObject({ code: RUN_LIMIT_REACHED, stepId: "s0" });
  });
});
