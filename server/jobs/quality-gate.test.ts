/**
 * The quality gate through the real engine (executor, durable steps, gateway against the LLM stub whose scripted
 * replies play the producing agent and each judge): revise then pass (the producer saw the issues), fail, fail ->
 * review -> approve, the judge routed away from the producer's model (and flagged when it cannot be), the judges'
 * cost in the run's ledger, and a replay that does not ask a judge twice.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { settleObservations } from "@/server/models/gateway";
import { getRun, startRun } from "@/server/runs/service";
import { startLlmStub, type LlmStub } from "@/scripts/llm-stub/server";
import { executeRun } from "@/server/jobs/run-function";
import { createPostgresStep, RunSuspendedError } from "@/server/jobs/step";
import { startExecutor, type Executor } from "@/server/jobs/executor";
import { createJudge } from "@/server/quality/judges/service";
import { decideApprovalAndWake } from "@/server/runs/approvals";
import { newId } from "@/lib/ids";
import { testDb as db } from "@/test/db";
import { addAgent, eventRows, makeRunWorkspace, stepRows, usageRows, useStubProvider, waitForRun, type RunWorkspace } from "@/test/fixtures/runs";
import { marker, userTextOf } from "@/test/fixtures/topology-engine";
import { updateAgent } from "@/server/agents/service";
import type { QualityGate } from "@/lib/schemas/quality-gate";

let stub: LlmStub;
let rw: RunWorkspace;
let stubModel: string;
let otherModel: string;
const executors: Executor[] = [];

const RUBRIC = {
  criteria: [
    { key: "accuracy", description: "Facts are right", weight: 2 },
    { key: "clarity", description: "Easy to read", weight: 1 },
  ],
  scale: { min: 1, max: 5 },
};
const scored = (accuracy: number, clarity: number, verdict: string, issues: string[] = []) => ({
  scores: { accuracy, clarity },
  verdict,
  rationale: `${verdict} because`,
  issues,
});
const PASS = scored(5, 5, "pass");

beforeAll(async () => {
  stub = await startLlmStub();
  rw = await makeRunWorkspace("quality-gate");
  stubModel = await useStubProvider(rw.ws.id, stub.url);
  const provider = await db().model.findUniqueOrThrow({ where: { id: stubModel }, select: { providerId: true } });
  otherModel = (
    await db().model.create({
      data: {
        id: newId("mdl"),
        workspaceId: rw.ws.id,
        providerId: provider.providerId,
        modelId: "stub-other",
        displayName: "stub-other",
        inputPrice: 0.000001,
        outputPrice: 0.000002,
        contextWindow: 128_000,
        capabilities: ["tools", "json"],
        quality: 0.9,
      },
    })
  ).id;
  for (const slug of ["ja", "jb"])
    await createJudge(rw.ctx, { slug, name: slug, instructions: `Judge as ${slug}. ${marker(slug)}`, rubric: RUBRIC, maxOutputTokens: 256 });
  // the producer runs on stub-small: the judges avoid it when they can
  await addAgent(rw.ctx, "writer", { instructions: `Write. ${marker("writer")}`, maxOutputTokens: 128, modelPolicy: { type: "pinned", modelId: stubModel } });
});
beforeEach(() => stub.reset());
afterEach(async () => {
  await Promise.all(executors.splice(0).map((e) => e.stop()));
});
afterAll(async () => {
  await settleObservations();
  await stub.close();
});

const say = (who: string, ...answers: (string | object)[]) => {
  for (const a of answers) stub.reply({ when: marker(who), content: typeof a === "string" ? a : JSON.stringify(a) });
};
const requestsOf = (who: string) => stub.calls.filter((c) => c.path === "/v1/chat/completions" && JSON.stringify(c.body).includes(marker(who)));

async function gate(over: Partial<QualityGate>) {
  await updateAgent(rw.ctx, "writer", {
    qualityGate: { judges: ["ja", "jb"], maxRevisions: 2, onFail: "fail", passThreshold: 0.7, failThreshold: 0.4, ...over },
  });
}

async function runToEnd(input = "Write a note.") {
  const started = await startRun(rw.ctx, { agent: "writer", input });
  executors.push(startExecutor({ workspaceIds: [rw.ws.id], pollMs: 20 }));
  await waitForRun(started.id);
  return getRun(rw.ctx, started.id);
}

describe("the quality gate in a run", () => {
  it("revise then pass: the producer sees the judges' issues in its second prompt; verdicts and consensus per iteration", async () => {
    await gate({});
    say("writer", "DRAFT-ONE", "DRAFT-TWO");
    say("ja", scored(3, 3, "revise", ["Cite the source."]), PASS);
    say("jb", scored(3, 4, "revise", ["Shorter sentences."]), PASS);
    const run = await runToEnd();
    expect(run).toMatchObject({ status: "succeeded", output: "DRAFT-TWO" });

    const second = userTextOf(requestsOf("writer")[1]!);
    expect(second).toContain("DRAFT-ONE");
    expect(second).toContain("Cite the source.");
    expect(second).toContain("Shorter sentences.");

    const verdicts = await db().judgeVerdict.findMany({ where: { runId: run.id }, orderBy: [{ iteration: "asc" }, { judgeSlug: "asc" }] });
    expect(verdicts.map((v) => [v.iteration, v.judgeSlug, v.verdict, v.judgeVersion])).toEqual([
      [1, "ja", "revise", 1],
      [1, "jb", "revise", 1],
      [2, "ja", "pass", 1],
      [2, "jb", "pass", 1],
    ]);
    // (2 * 0.5 + 1 * 0.5) / 3 = 0.5 and (2 * 0.5 + 0.75) / 3 = 0.5833
    expect(verdicts[0]!.overall).toBeCloseTo(0.5, 4);
    expect(verdicts[1]!.overall).toBeCloseTo(0.5833, 4);
    const consensus = await db().judgeConsensus.findMany({ where: { runId: run.id }, orderBy: { iteration: "asc" } });
    expect(consensus.map((c) => [c.iteration, c.verdict, c.judges])).toEqual([
      [1, "revise", 2],
      [2, "pass", 2],
    ]);
    expect(consensus[0]!.spread).toBeCloseTo(0.0833, 4);

    const events = await eventRows(run.id);
    expect(events.filter((e) => e.type === "judge.verdict")).toHaveLength(4);
    expect(events.filter((e) => e.type === "gate.decided").map((e) => (e.data as { verdict: string }).verdict)).toEqual(["revise", "pass"]);
    const ids = (await stepRows(run.id)).map((r) => `${r.kind}:${r.stepId}`);
    expect(ids).toEqual(
      expect.arrayContaining(["agent:agent", "judge:gate.i1.ja", "judge:gate.i1.jb", "agent:agent.r2", "judge:gate.i2.ja", "judge:gate.i2.jb"]),
    );
  });

  it("the judges route away from the producer's model, and their calls are in the run's ledger with their cost", async () => {
    await gate({});
    say("writer", "GOOD");
    say("ja", PASS);
    say("jb", PASS);
    const run = await runToEnd();
    expect(run.status).toBe("succeeded");
    const verdicts = await db().judgeVerdict.findMany({ where: { runId: run.id } });
    expect(verdicts.map((v) => [v.modelRef, v.sameModel])).toEqual([
      [otherModel, false],
      [otherModel, false],
    ]);
    const judgeUsage = await usageRows(run.id, "gate.i1.ja");
    expect(judgeUsage).toHaveLength(1);
    expect(Number(judgeUsage[0]!.costUsd)).toBeGreaterThan(0);
    const all = await usageRows(run.id);
    const total = all.reduce((n, u) => n + Number(u.costUsd), 0);
    expect(Number((await db().run.findUniqueOrThrow({ where: { id: run.id } })).costUsd)).toBeCloseTo(total, 8);
  });

  it("a judge that can only use the producer's model runs on it and is flagged", async () => {
    await createJudge(rw.ctx, {
      slug: "pinned-judge",
      name: "Pinned",
      instructions: `Judge. ${marker("pinned-judge")}`,
      rubric: RUBRIC,
      modelPolicy: { type: "pinned", modelId: stubModel },
    });
    await gate({ judges: ["pinned-judge"] });
    say("writer", "GOOD");
    say("pinned-judge", PASS);
    const run = await runToEnd();
    expect(run.status).toBe("succeeded");
    const [verdict] = await db().judgeVerdict.findMany({ where: { runId: run.id } });
    expect(verdict).toMatchObject({ modelRef: stubModel, sameModel: true });
    const row = (await stepRows(run.id)).find((r) => r.stepId === "gate.i1.pinned-judge");
    expect(row?.routeReason).toMatch(/Same model as the output it judges/);
  });

  it("fail: the run fails QUALITY_GATE_FAILED with the verdict, keeping the output", async () => {
    await gate({});
    say("writer", "BAD");
    say("ja", scored(1, 1, "fail", ["Wrong facts."]));
    say("jb", scored(1, 2, "fail"));
    const run = await runToEnd();
    expect(run).toMatchObject({ status: "failed", output: "BAD" });
    expect(run.error).toMatch(/^Quality gate: fail .*ja: Wrong facts\./);
    const failed = (await eventRows(run.id)).find((e) => e.type === "run.failed");
    expect(failed?.data).toMatchObject({ code: "QUALITY_GATE_FAILED" });
    expect(requestsOf("writer")).toHaveLength(1);
  });

  it("fail under onFail review waits for a person: an approval accepts the output", async () => {
    await gate({ onFail: "review" });
    say("writer", "MAYBE");
    say("ja", scored(1, 1, "fail", ["Too vague."]));
    say("jb", scored(1, 1, "fail"));
    const started = await startRun(rw.ctx, { agent: "writer", input: "Write a note." });
    executors.push(startExecutor({ workspaceIds: [rw.ws.id], pollMs: 20 }));
    const deadline = Date.now() + 20_000;
    let approval = null;
    while (!approval && Date.now() < deadline) {
      approval = await db().toolApproval.findFirst({ where: { runId: started.id, status: "pending" } });
      if (!approval) await new Promise((r) => setTimeout(r, 50));
    }
    expect(approval).toMatchObject({ toolName: "quality_gate", stepId: "gate.i1.review", agentSlug: "writer" });
    expect((await getRun(rw.ctx, started.id)).status).toBe("running");
    await decideApprovalAndWake(rw.ctx, approval!.id, { decision: "approve" });
    await waitForRun(started.id);
    expect(await getRun(rw.ctx, started.id)).toMatchObject({ status: "succeeded", output: "MAYBE" });
    // the judges were not asked again when the run resumed
    expect([requestsOf("ja").length, requestsOf("jb").length]).toEqual([1, 1]);
  });

  it("a replay after a crash (after the revision was stored) reuses the stored verdicts and writes the consensus once: no judge is asked twice", async () => {
    await gate({});
    say("writer", "DRAFT-ONE", "DRAFT-TWO");
    say("ja", scored(3, 3, "revise", ["More detail."]), PASS);
    say("jb", scored(3, 3, "revise"), PASS);
    const { id: runId } = await startRun(rw.ctx, { agent: "writer", input: "Write a note." });
    const ref = { runId, workspaceId: rw.ws.id };
    let crashed = false;
    const dying = createPostgresStep({
      ...ref,
      suspendReason: () => (crashed ? "the process died" : null),
      hooks: {
        afterStore(stepId) {
          if (stepId !== "agent.r2") return;
          crashed = true;
          throw new RunSuspendedError("the process died");
        },
      },
    });
    expect(await executeRun(ref, dying)).toBe("suspended");
    expect(await executeRun(ref, createPostgresStep(ref))).toBe("succeeded");
    expect([requestsOf("writer").length, requestsOf("ja").length, requestsOf("jb").length]).toEqual([2, 2, 2]);
    expect(await db().judgeVerdict.count({ where: { runId } })).toBe(4);
    expect(await db().judgeConsensus.count({ where: { runId } })).toBe(2);
    expect((await eventRows(runId)).filter((e) => e.type === "gate.decided")).toHaveLength(2);
  });

  it("a start may name the judges for that run; they are pinned at their versions", async () => {
    await updateAgent(rw.ctx, "writer", { qualityGate: null });
    say("writer", "SOLO");
    say("jb", PASS);
    const started = await startRun(rw.ctx, { agent: "writer", input: "Write.", judges: ["jb"] });
    const row = await db().run.findUniqueOrThrow({ where: { id: started.id } });
    expect((row.pins as { gate?: unknown }).gate).toMatchObject({ judges: [{ slug: "jb", version: 1 }], source: "run" });
    executors.push(startExecutor({ workspaceIds: [rw.ws.id], pollMs: 20 }));
    await waitForRun(started.id);
    expect(await getRun(rw.ctx, started.id)).toMatchObject({ status: "succeeded", output: "SOLO" });
    expect(requestsOf("ja")).toHaveLength(0);
  });
});

describe("the quality gate under the deterministic simulator", () => {
  it("answers the judges' schema on its schedule: revise on the first iteration (mid-scale scores), pass on the second", async () => {
    const sim = await makeRunWorkspace("quality-gate-sim");
    await createJudge(sim.ctx, { slug: "sim-judge", name: "Sim judge", rubric: RUBRIC });
    await addAgent(sim.ctx, "sim-writer");
    await updateAgent(sim.ctx, "sim-writer", { qualityGate: { judges: ["sim-judge"] } });
    const started = await startRun(sim.ctx, { agent: "sim-writer", input: "Write a note." });
    executors.push(startExecutor({ workspaceIds: [sim.ws.id], pollMs: 20 }));
    await waitForRun(started.id);
    expect((await getRun(sim.ctx, started.id)).status).toBe("succeeded");
    const consensus = await db().judgeConsensus.findMany({ where: { runId: started.id }, orderBy: { iteration: "asc" } });
    expect(consensus.map((c) => [c.verdict, c.score])).toEqual([
      ["revise", 0.5],
      ["pass", 1],
    ]);
  });
});
