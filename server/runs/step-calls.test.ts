import { beforeAll, describe, expect, it } from "vitest";
import { testDb as db } from "@/test/db";
import { callerFor, makeApiKey, makeWorkspace, outcome, rest, uniq, type TestWorkspace } from "@/test/helpers";

let a: TestWorkspace;
let b: TestWorkspace;
const runId = `run_${uniq()}${uniq()}`;
const stepRowId = `stp_${uniq()}${uniq()}`;

beforeAll(async () => {
  a = await makeWorkspace("calls-a");
  b = await makeWorkspace("calls-b");
  await db().run.create({
    data: { id: runId, workspaceId: a.id, targetType: "team", input: "x", status: "succeeded", createdByType: "user", createdById: a.users.owner.id },
  });
  await db().runStep.create({ data: { id: stepRowId, workspaceId: a.id, runId, stepId: "t1/writer", status: "succeeded", attempts: 2 } });
  const call = (
    n: number,
    extra: {
      stepId: string | null;
      modelName: string;
      outcome: string;
      error?: string;
      inputTokens?: number;
      outputTokens?: number;
      costUsd?: string;
      latencyMs?: number;
    },
  ) => ({
    id: `use_${uniq()}${uniq()}`,
    workspaceId: a.id,
    runId,
    providerKind: "openai_compatible",
    createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, n)),
    ...extra,
  });
  await db().usageRecord.createMany({
    data: [
      // the failed first attempt, then the fallback that answered; another step's call and a call of no step stay out
      call(1, { stepId: "t1/writer", modelName: "primary", outcome: "error", error: "HTTP 503", latencyMs: 40 }),
      call(2, { stepId: "t1/writer", modelName: "fallback", outcome: "ok", inputTokens: 10, outputTokens: 5, costUsd: "0.002", latencyMs: 300 }),
      call(3, { stepId: "t1", modelName: "other", outcome: "ok" }),
      call(4, { stepId: null, modelName: "none", outcome: "ok" }),
    ],
  });
});

describe("a step's model calls (runs.stepCalls, GET /api/v1/runs/{runId}/steps/{stepId}/calls)", () => {
  it("lists every call the step made, oldest first, failed attempts with their error; by stepId or step row id", async () => {
    const viewer = callerFor(a.users.viewer, a.slug);
    for (const stepId of ["t1/writer", stepRowId]) {
      const calls = await viewer.runs.stepCalls({ runId, stepId });
      expect(calls.map((c) => [c.modelName, c.outcome, c.error])).toEqual([
        ["primary", "error", "HTTP 503"],
        ["fallback", "ok", null],
      ]);
      expect(calls[1]).toMatchObject({ inputTokens: 10, outputTokens: 5, costUsd: 0.002, latencyMs: 300 });
    }
    const key = (await makeApiKey(a, "viewer", ["runs:read"])).raw;
    const res = await rest("GET", "/api/v1/runs/{runId}/steps/{stepId}/calls", { key, params: { runId, stepId: "t1/writer" } });
    expect(res.status).toBe(200);
    expect(res.body.map((c: { modelName: string }) => c.modelName)).toEqual(["primary", "fallback"]);
  });

  it("an unknown step is 404", async () => {
    expect(await outcome(callerFor(a.users.owner, a.slug).runs.stepCalls({ runId, stepId: "nope" }))).toMatchObject({ ok: false, code: "NOT_FOUND" });
  });

  it("another workspace's member and API key get 404 and nothing of A's calls", async () => {
    expect(await outcome(callerFor(b.users.owner, b.slug).runs.stepCalls({ runId, stepId: "t1/writer" }))).toMatchObject({ ok: false, code: "NOT_FOUND" });
    const keyB = (await makeApiKey(b, "owner")).raw;
    const res = await rest("GET", "/api/v1/runs/{runId}/steps/{stepId}/calls", { key: keyB, params: { runId, stepId: "t1/writer" } });
    expect(res.status).toBe(404);
    expect(JSON.stringify(res.body)).not.toContain("HTTP 503");
  });
});
