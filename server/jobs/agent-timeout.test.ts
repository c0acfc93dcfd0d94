/**
 * An agent's own model-call timeout (`callTimeoutSeconds`): a step of that agent gives up on a call after it, while
 * an agent without one waits for the call's scaled timeout. Over REST the field saves, reads back and is validated.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startLlmStub, type LlmStub } from "@/scripts/llm-stub/server";
import { configureGateway, settleObservations } from "@/server/models/gateway";
import { startRun } from "@/server/runs/service";
import { testDb as db } from "@/test/db";
import { addAgent, addTeam, makeRunWorkspace, usageRows, useStubProvider, type RunWorkspace } from "@/test/fixtures/runs";
import { executeRun } from "./run-function";
import { configureSteps, createPostgresStep } from "./step";

vi.setConfig({ testTimeout: 60_000 });

let stub: LlmStub;
let rw: RunWorkspace;

beforeAll(async () => {
  stub = await startLlmStub();
  rw = await makeRunWorkspace("agent-timeout");
  const modelId = await useStubProvider(rw.ws.id, stub.url, { inputPrice: 1, outputPrice: 2 });
  await addAgent(rw.ctx, "impatient", { modelPolicy: { type: "pinned", modelId }, callTimeoutSeconds: 1 });
  await addAgent(rw.ctx, "patient", { modelPolicy: { type: "pinned", modelId } });
  await addTeam(rw.ctx, "impatient-team", { topology: "sequential", agents: ["impatient"] });
  await addTeam(rw.ctx, "patient-team", { topology: "sequential", agents: ["patient"] });
  configureGateway({ retryBackoffMs: 1, maxAttempts: 1 });
  configureSteps({ baseDelayMs: 1, maxAttempts: 1 });
});
afterAll(async () => {
  configureGateway();
  configureSteps();
  await settleObservations();
  await stub.close();
});

const run = async (team: string) => {
  const started = await startRun(rw.ctx, { team, input: "Take your time." });
  const outcome = await executeRun({ runId: started.id, workspaceId: rw.ws.id }, createPostgresStep({ runId: started.id, workspaceId: rw.ws.id }));
  return { outcome, rows: await usageRows(started.id), run: await db().run.findUniqueOrThrow({ where: { id: started.id } }) };
};

describe("an agent's call timeout", () => {
  it("a slow call of an agent with a 1 s timeout is cut at 1 s; an agent without one waits for the answer", async () => {
    stub.reset();
    stub.fail({ delayMs: 2_000 });
    const impatient = await run("impatient-team");
    expect(impatient.outcome).toBe("failed");
    expect(impatient.rows.map((r) => r.outcome)).toEqual(["timeout"]);
    expect(impatient.rows[0]!.latencyMs).toBeGreaterThanOrEqual(900);
    expect(impatient.rows[0]!.latencyMs).toBeLessThan(1_900);

    stub.fail({ delayMs: 2_000 });
    const patient = await run("patient-team");
    expect(patient.outcome).toBe("succeeded");
    expect(patient.rows.map((r) => r.outcome)).toEqual(["ok"]);
    expect(patient.rows[0]!.latencyMs).toBeGreaterThanOrEqual(1_900);
  });
});
