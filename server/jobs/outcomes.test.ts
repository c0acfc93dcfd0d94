/**
 * Topology outcomes reach the run (the real executor and gateway against the LLM stub, whose scripted replies play
 * the checkers and judges): a maker-checker whose checkers never approve fails the run OUTCOME_NOT_MET (keeping the
 * last draft and the outcome), or with `onUnmet: "succeed_flagged"` succeeds with `outcome.met = false`; approval on
 * iteration 2; a debate without consensus; a nested team's node row carries its own outcome, and its own gate fails
 * the run at that node; a replay after a crash takes the outcome from the stored steps without a model call; tRPC,
 * REST and the OpenAPI document return the outcome.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { testDb as db } from "@/test/db";
import { Prisma } from "@/server/db/generated/client";
import { generate, settleObservations } from "@/server/models/gateway";
import { getRun, startRun } from "@/server/runs/service";
import { startLlmStub, type LlmStub } from "@/scripts/llm-stub/server";
import { callerFor, makeApiKey, rest, uniq } from "@/test/helpers";
import { addAgent, addTeam, eventRows, makeRunWorkspace, stepRows, useStubProvider, waitForRun, type RunWorkspace } from "@/test/fixtures/runs";
import { openApiDocument } from "@/server/rest/openapi";
import { startExecutor, type Executor } from "./executor";
import { executeRun, type ExecuteDeps } from "./run-function";
import { createPostgresStep } from "./step";

let stub: LlmStub;
let rw: RunWorkspace;
let key: string;
const executors: Executor[] = [];

const CHECKER = "You review the work produced";
const JUDGE = "You judge a debate";
const REVISE = JSON.stringify({ verdict: "revise", reasons: ["The draft is too vague."] });

beforeAll(async () => {
  stub = await startLlmStub();
  rw = await makeRunWorkspace("outcomes");
  key = (await makeApiKey(rw.ws, "viewer")).raw;
  await useStubProvider(rw.ws.id, stub.url);
  for (const slug of ["writer", "critic", "pro", "con", "judge"])
    await addAgent(rw.ctx, slug, { maxOutputTokens: 64, modelPolicy: { type: "preset", preset: "balanced" } });
});
beforeEach(() => stub.reset());
afterEach(async () => {
  await Promise.all(executors.splice(0).map((e) => e.stop()));
});
afterAll(async () => {
  await settleObservations();
  await stub.close();
});

async function runTeam(spec: unknown, input = "Write a haiku about tests.") {
  const slug = `t-${uniq()}`;
  await addTeam(rw.ctx, slug, spec);
  const run = await startRun(rw.ctx, { team: slug, input });
  executors.push(startExecutor({ workspaceIds: [rw.ws.id], pollMs: 30 }));
  await waitForRun(run.id);
  return { slug, run: await getRun(rw.ctx, run.id), events: await eventRows(run.id) };
}

const makerChecker = (extra: Record<string, unknown> = {}) => ({
  topology: "maker_checker",
  maker: "writer",
  checkers: ["critic"],
  maxIterations: 2,
  ...extra,
});

describe("maker-checker", () => {
  it("checkers that never approve fail the run OUTCOME_NOT_MET (the default), keeping the last draft and the outcome", async () => {
    stub.reply({ when: CHECKER, content: REVISE, times: 10 });
    const { run, events } = await runTeam(makerChecker());
    expect(run.status).toBe("failed");
    expect(run.error).toBe("Outcome not met: the checkers did not approve after 2 iterations; still asking for a revision: critic (checker0)");
    expect(run.failedStepId).toBeNull();
    const lastDraft = run.steps.find((s) => s.stepId === "i2.maker")!.output;
    expect(run.output).toBe(lastDraft);
    expect(run.outcome).toEqual({
      topology: "maker_checker",
      met: false,
      onUnmet: "fail",
      approved: false,
      iterations: 2,
      maxIterations: 2,
      verdicts: [{ nodeId: "checker0", agent: "critic", verdict: "revise", reasons: ["The draft is too vague."] }],
    });
    expect(events.at(-1)).toMatchObject({ type: "run.failed", data: { code: "OUTCOME_NOT_MET", error: run.error, outcome: run.outcome } });
  });

  it('onUnmet "succeed_flagged": the run succeeds with outcome.met = false, in the run and its terminal event', async () => {
    stub.reply({ when: CHECKER, content: REVISE, times: 10 });
    const { run, events } = await runTeam(makerChecker({ onUnmet: "succeed_flagged" }));
    expect(run.status).toBe("succeeded");
    expect(run.error).toBeNull();
    expect(run.outcome).toMatchObject({ topology: "maker_checker", met: false, approved: false, iterations: 2, onUnmet: "succeed_flagged" });
    expect(run.output).toBe(run.steps.find((s) => s.stepId === "i2.maker")!.output);
    expect(events.at(-1)).toMatchObject({ type: "run.succeeded", data: { outcome: run.outcome } });
  });

  it("approval on iteration 2: succeeded, approved after 2 iterations with the approving verdict", async () => {
    stub.reply({ when: CHECKER, content: REVISE, times: 1 });
    const { run } = await runTeam(makerChecker({ maxIterations: 3 }));
    expect(run.status).toBe("succeeded");
    expect(run.outcome).toEqual({
      topology: "maker_checker",
      met: true,
      onUnmet: "fail",
      approved: true,
      iterations: 2,
      maxIterations: 3,
      verdicts: [{ nodeId: "checker0", agent: "critic", verdict: "approve", reasons: [] }],
    });
    expect(run.steps.map((s) => s.stepId)).toEqual(["i1.maker", "i1.checker0", "i2.maker", "i2.checker0"]);
  });

  it("a replay after a crash takes the outcome from the stored steps: no model call, the same outcome and gate", async () => {
    stub.reply({ when: CHECKER, content: REVISE, times: 10 });
    const { run } = await runTeam(makerChecker());
    const calls = stub.calls.length;
    // as if the process had died just before finishing (its executor stopped): the run is running again, its steps stored
    await Promise.all(executors.splice(0).map((e) => e.stop()));
    await db().run.update({ where: { id: run.id }, data: { status: "running", finishedAt: null, output: Prisma.DbNull, outcome: Prisma.DbNull, error: null } });
    let modelCalls = 0;
    const deps: Partial<ExecuteDeps> = {
      generate: (ctx, req) => {
        modelCalls++;
        return generate(ctx, req);
      },
    };
    const step = createPostgresStep({ runId: run.id, workspaceId: rw.ws.id });
    expect(await executeRun({ runId: run.id, workspaceId: rw.ws.id }, step, { deps })).toBe("failed");
    expect(modelCalls).toBe(0);
    expect(stub.calls.length).toBe(calls);
    const again = await getRun(rw.ctx, run.id);
    expect(again.outcome).toEqual(run.outcome);
    expect(again.error).toBe(run.error);
    expect(again.output).toBe(run.output);
  });
});

describe("debate", () => {
  it("no consensus after its rounds: succeeded flagged (the default), rounds counted", async () => {
    const { run } = await runTeam({ topology: "debate", debaters: ["pro", "con"], judge: "judge", rounds: 2 });
    expect(run.status).toBe("succeeded");
    expect(run.outcome).toEqual({ topology: "debate", met: false, onUnmet: "succeed_flagged", consensus: false, rounds: 2, maxRounds: 2 });
  });

  it('consensus in round 1 is met; no consensus with onUnmet "fail" fails the run', async () => {
    stub.reply({ when: JUDGE, content: JSON.stringify({ consensus: true, decision: "Tests are good.", reasoning: "They agree." }) });
    const agreed = await runTeam({ topology: "debate", debaters: ["pro", "con"], judge: "judge", rounds: 3 });
    expect(agreed.run).toMatchObject({ status: "succeeded", output: "Tests are good." });
    expect(agreed.run.outcome).toMatchObject({ topology: "debate", met: true, consensus: true, rounds: 1 });

    const failed = await runTeam({ topology: "debate", debaters: ["pro", "con"], judge: "judge", rounds: 1, onUnmet: "fail" });
    expect(failed.run).toMatchObject({ status: "failed", error: "Outcome not met: the judge found no consensus after 1 round" });
    expect(failed.run.outcome).toMatchObject({ topology: "debate", met: false, consensus: false });
  });
});

describe("a nested team's node", () => {
  it("carries its own outcome on its step row (kind team); the run has its topology's; the node is not a counted step", async () => {
    stub.reply({ when: CHECKER, content: REVISE, times: 1 });
    const inner = `mc-${uniq()}`;
    await addTeam(rw.ctx, inner, makerChecker({ maxIterations: 3 }));
    const { run } = await runTeam({ topology: "hybrid", arrangement: { topology: "sequential", agents: [{ team: inner }, "writer"] } });
    expect(run.status).toBe("succeeded");
    expect(run.outcome).toEqual({ topology: "sequential", met: true });
    const node = run.steps.find((s) => s.stepId === "s0")!;
    expect(node).toMatchObject({ kind: "team", nodeId: "s0", status: "succeeded", agent: null, inputTokens: 0 });
    expect(node.outcome).toMatchObject({ topology: "maker_checker", met: true, approved: true, iterations: 2 });
    expect(node.output).toBe(run.steps.find((s) => s.stepId === "s0/i2.maker")!.output);
    // 4 steps in the nested team, then s1: the team's node row is not a step of the count
    expect(run.stepsDone).toBe(5);
    expect(run.steps.filter((s) => s.kind !== "team")).toHaveLength(5);
    // the step row as the API returns it alone
    expect((await callerFor(rw.ws.users.viewer, rw.ws.slug).runs.step({ runId: run.id, stepId: "s0" })).outcome).toEqual(node.outcome);
  });

  it('its own gate ("fail") fails the run at its node: the row is failed with the outcome, nothing after it runs', async () => {
    stub.reply({ when: CHECKER, content: REVISE, times: 10 });
    const inner = `mc-${uniq()}`;
    await addTeam(rw.ctx, inner, makerChecker());
    const { run, events } = await runTeam({ topology: "hybrid", arrangement: { topology: "sequential", agents: [{ team: inner }, "writer"] } });
    expect(run.status).toBe("failed");
    expect(run.error).toBe(
      `Outcome not met in nested team "${inner}" (node s0): the checkers did not approve after 2 iterations; still asking for a revision: critic (checker0)`,
    );
    expect(run.failedStepId).toBe("s0");
    expect(run.outcome).toBeNull();
    const node = (await stepRows(run.id)).find((s) => s.stepId === "s0")!;
    expect(node).toMatchObject({ kind: "team", status: "failed", error: run.error });
    expect(node.outcome).toMatchObject({ topology: "maker_checker", met: false, iterations: 2 });
    expect(run.steps.some((s) => s.stepId === "s1")).toBe(false);
    expect(events.at(-1)).toMatchObject({ type: "run.failed", data: { code: "OUTCOME_NOT_MET", stepId: "s0" } });
  });
});

describe("the API", () => {
  it("tRPC runs.get and runs.list, REST GET /api/v1/runs/{runId} and the run list return the outcome; OpenAPI documents it", async () => {
    stub.reply({ when: CHECKER, content: REVISE, times: 10 });
    const { run } = await runTeam(makerChecker({ onUnmet: "succeed_flagged" }));
    const viewer = callerFor(rw.ws.users.viewer, rw.ws.slug);
    expect((await viewer.runs.get({ runId: run.id })).outcome).toEqual(run.outcome);
    expect((await viewer.runs.list({})).items.find((r) => r.id === run.id)?.outcome).toEqual(run.outcome);
    const detail = await rest("GET", "/api/v1/runs/{runId}", { key, params: { runId: run.id } });
    expect(detail.status).toBe(200);
    expect(detail.body.outcome).toEqual(run.outcome);
    expect(detail.body.outcome.met).toBe(false);
    const list = await rest("GET", "/api/v1/runs", { key });
    expect(list.body.data.find((r: { id: string }) => r.id === run.id).outcome).toEqual(run.outcome);

    const schemas = openApiDocument().components?.schemas as Record<string, { properties?: Record<string, unknown> }>;
    expect(Object.keys(schemas.Run!.properties!)).toContain("outcome");
    expect(Object.keys(schemas.RunStep!.properties!)).toContain("outcome");
    expect(JSON.stringify(schemas.RunOutcome)).toContain("maker_checker");
    expect(JSON.stringify(schemas.TopologySpec)).toContain("succeed_flagged"); // the team body's spec (REST and tRPC)
  });
});
