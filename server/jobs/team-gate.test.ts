/**
 * Quality gates in team runs through the real engine (executor, durable steps, gateway against the LLM stub whose
 * scripted replies play the agents and each judge): the team's gate (revise then pass with the steps of both
 * attempts apart, fail, fail -> review -> approve), the agents' own gates inside a sequential team (agentGates on),
 * judges named at a team run's start, a replay after a crash that asks no judge twice, and the team saves that
 * name an unknown or archived judge.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { settleObservations } from "@/server/models/gateway";
import { getRun, startRun } from "@/server/runs/service";
import { startLlmStub, type LlmStub } from "@/scripts/llm-stub/server";
import { executeRun } from "@/server/jobs/run-function";
import { createPostgresStep, RunSuspendedError } from "@/server/jobs/step";
import { startExecutor, type Executor } from "@/server/jobs/executor";
import { archiveJudge, createJudge } from "@/server/quality/judges/service";
import { decideApprovalAndWake } from "@/server/runs/approvals";
import { testDb as db } from "@/test/db";
import { addAgent, eventRows, makeRunWorkspace, stepRows, useStubProvider, waitForRun, type RunWorkspace } from "@/test/fixtures/runs";
import { marker, userTextOf } from "@/test/fixtures/topology-engine";
import { updateAgent } from "@/server/agents/service";
import { createTeam, updateTeam } from "@/server/teams/service";
import { estimateTeam } from "@/server/teams/team-estimate";
import { runVerdicts } from "@/server/quality/judges/verdicts";
import type { QualityGate } from "@/lib/schemas/quality-gate";
import { callerFor, makeApiKey, makeWorkspace, rest } from "@/test/helpers";

let stub: LlmStub;
let rw: RunWorkspace;
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
const GATE: QualityGate = { judges: ["tja", "tjb"], maxRevisions: 2, onFail: "fail", passThreshold: 0.7, failThreshold: 0.4 };
const SPEC = { topology: "sequential", agents: ["drafter", "editor"], context: "last" };

// a slug per test attempt: a retried test does not meet the first attempt's team
let attempt = 0;
const teamSlug = (label: string) => `${label}-${Date.now().toString(36)}-${++attempt}`;

beforeAll(async () => {
  stub = await startLlmStub();
  rw = await makeRunWorkspace("team-gate");
  const model = await useStubProvider(rw.ws.id, stub.url);
  for (const slug of ["tja", "tjb"])
    await createJudge(rw.ctx, { slug, name: slug, instructions: `Judge as ${slug}. ${marker(slug)}`, rubric: RUBRIC, maxOutputTokens: 256 });
  for (const slug of ["drafter", "editor"])
    await addAgent(rw.ctx, slug, { instructions: `Do ${slug}. ${marker(slug)}`, maxOutputTokens: 128, modelPolicy: { type: "pinned", modelId: model } });
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

async function team(label: string, over: { qualityGate?: QualityGate | null; agentGates?: "off" | "on" } = {}) {
  const slug = teamSlug(label);
  await createTeam(rw.ctx, {
    slug,
    name: slug,
    spec: SPEC,
    qualityGate: over.qualityGate === undefined ? GATE : over.qualityGate,
    agentGates: over.agentGates ?? "off",
  });
  return slug;
}

async function runToEnd(slug: string, extra: { judges?: string[] } = {}) {
  const started = await startRun(rw.ctx, { team: slug, input: "Write a note.", ...extra });
  executors.push(startExecutor({ workspaceIds: [rw.ws.id], pollMs: 20 }));
  await waitForRun(started.id);
  return getRun(rw.ctx, started.id);
}

describe("a team's quality gate", () => {
  it("revise then pass: the whole team runs again under team.r2/ with the previous output and the issues; verdicts per iteration", async () => {
    const slug = await team("revise");
    await updateAgent(rw.ctx, "drafter", { qualityGate: null });
    say("drafter", "D1", "D2");
    say("editor", "E1", "E2");
    say("tja", scored(3, 3, "revise", ["Cite the source."]), PASS);
    say("tjb", scored(3, 4, "revise", ["Shorter sentences."]), PASS);
    const run = await runToEnd(slug);
    expect(run).toMatchObject({ status: "succeeded", output: "E2" });
    // the second attempt's first agent saw the previous output and the judges' issues in its task
    const again = userTextOf(requestsOf("drafter")[1]!);
    expect(again).toContain("E1");
    expect(again).toContain("Cite the source.");
    expect(again).toContain("Shorter sentences.");

    const ids = (await stepRows(run.id)).map((r) => `${r.kind}:${r.stepId}`);
    expect(ids).toEqual(
      expect.arrayContaining([
        "agent:s0",
        "agent:s1",
        "judge:gate.i1.tja",
        "judge:gate.i1.tjb",
        "agent:team.r2/s0",
        "agent:team.r2/s1",
        "judge:gate.i2.tja",
        "judge:gate.i2.tjb",
      ]),
    );
    const pins = (await db().run.findUniqueOrThrow({ where: { id: run.id } })).pins as { gate?: unknown };
    expect(pins.gate).toMatchObject({
      source: "team",
      judges: [
        { slug: "tja", version: 1 },
        { slug: "tjb", version: 1 },
      ],
    });
    const consensus = await db().judgeConsensus.findMany({ where: { runId: run.id }, orderBy: { iteration: "asc" } });
    expect(consensus.map((c) => [c.scope, c.iteration, c.verdict])).toEqual([
      ["", 1, "revise"],
      ["", 2, "pass"],
    ]);
    const decided = (await eventRows(run.id)).filter((e) => e.type === "gate.decided").map((e) => (e.data as { verdict: string }).verdict);
    expect(decided).toEqual(["revise", "pass"]);
  });

  it("fail: the run fails QUALITY_GATE_FAILED keeping the team's output; the team is not run again", async () => {
    const slug = await team("fail");
    say("drafter", "D1");
    say("editor", "BAD");
    say("tja", scored(1, 1, "fail", ["Wrong facts."]));
    say("tjb", scored(1, 2, "fail"));
    const run = await runToEnd(slug);
    expect(run).toMatchObject({ status: "failed", output: "BAD" });
    expect(run.error).toMatch(/^Quality gate: fail .*tja: Wrong facts\./);
    expect((await eventRows(run.id)).find((e) => e.type === "run.failed")?.data).toMatchObject({ code: "QUALITY_GATE_FAILED" });
    expect(requestsOf("drafter")).toHaveLength(1);
  });

  it("fail under onFail review waits for a person: an approval accepts the team's output", async () => {
    const slug = await team("review", { qualityGate: { ...GATE, onFail: "review" } });
    say("drafter", "D1");
    say("editor", "MAYBE");
    say("tja", scored(1, 1, "fail", ["Too vague."]));
    say("tjb", scored(1, 1, "fail"));
    const started = await startRun(rw.ctx, { team: slug, input: "Write a note." });
    executors.push(startExecutor({ workspaceIds: [rw.ws.id], pollMs: 20 }));
    const deadline = Date.now() + 20_000;
    let approval = null;
    while (!approval && Date.now() < deadline) {
      approval = await db().toolApproval.findFirst({ where: { runId: started.id, status: "pending" } });
      if (!approval) await new Promise((r) => setTimeout(r, 50));
    }
    expect(approval).toMatchObject({ toolName: "quality_gate", stepId: "gate.i1.review" });
    await decideApprovalAndWake(rw.ctx, approval!.id, { decision: "approve" });
    await waitForRun(started.id);
    expect(await getRun(rw.ctx, started.id)).toMatchObject({ status: "succeeded", output: "MAYBE" });
    expect([requestsOf("tja").length, requestsOf("tjb").length]).toEqual([1, 1]);
  });

  it("a replay after a crash (after the second attempt's first step) reuses the stored verdicts: no judge is asked twice", async () => {
    const slug = await team("replay");
    say("drafter", "D1", "D2");
    say("editor", "E1", "E2");
    say("tja", scored(3, 3, "revise", ["More detail."]), PASS);
    say("tjb", scored(3, 3, "revise"), PASS);
    const { id: runId } = await startRun(rw.ctx, { team: slug, input: "Write a note." });
    const ref = { runId, workspaceId: rw.ws.id };
    let crashed = false;
    const dying = createPostgresStep({
      ...ref,
      suspendReason: () => (crashed ? "the process died" : null),
      hooks: {
        afterStore(stepId) {
          if (stepId !== "team.r2/s0") return;
          crashed = true;
          throw new RunSuspendedError("the process died");
        },
      },
    });
    expect(await executeRun(ref, dying)).toBe("suspended");
    expect(await executeRun(ref, createPostgresStep(ref))).toBe("succeeded");
    expect([requestsOf("drafter").length, requestsOf("editor").length, requestsOf("tja").length, requestsOf("tjb").length]).toEqual([2, 2, 2, 2]);
    expect(await db().judgeVerdict.count({ where: { runId } })).toBe(4);
    expect(await db().judgeConsensus.count({ where: { runId } })).toBe(2);
    expect((await eventRows(runId)).filter((e) => e.type === "gate.decided")).toHaveLength(2);
  });

  it("judges named at a team run's start replace the team's gate's judges (or form a default gate), pinned at their versions", async () => {
    const slug = await team("startjudges", { qualityGate: null });
    say("drafter", "D1");
    say("editor", "SOLO");
    say("tjb", PASS);
    const run = await runToEnd(slug, { judges: ["tjb"] });
    expect(run).toMatchObject({ status: "succeeded", output: "SOLO" });
    const pins = (await db().run.findUniqueOrThrow({ where: { id: run.id } })).pins as { gate?: unknown };
    expect(pins.gate).toMatchObject({ source: "run", judges: [{ slug: "tjb", version: 1 }], maxRevisions: 2 });
    expect(requestsOf("tja")).toHaveLength(0);
    expect(requestsOf("tjb")).toHaveLength(1);
  });
});

describe("agents' own gates inside a team (agentGates on)", () => {
  it("the drafter's gate judges its node under the node's prefix and revises that node only; the editor sees the accepted draft", async () => {
    await updateAgent(rw.ctx, "drafter", { qualityGate: { ...GATE, judges: ["tja"] } });
    try {
      const slug = await team("agentgates", { qualityGate: null, agentGates: "on" });
      say("drafter", "ROUGH", "POLISHED");
      say("editor", "FINAL");
      say("tja", scored(3, 3, "revise", ["Tighten it."]), PASS);
      const run = await runToEnd(slug);
      expect(run).toMatchObject({ status: "succeeded", output: "FINAL" });
      expect(userTextOf(requestsOf("drafter")[1]!)).toContain("Tighten it.");
      expect(userTextOf(requestsOf("editor")[0]!)).toContain("POLISHED");
      expect(requestsOf("editor")).toHaveLength(1);
      const ids = (await stepRows(run.id)).map((r) => `${r.kind}:${r.stepId}`);
      expect(ids).toEqual(["agent:s0", "judge:s0.gate.i1.tja", "agent:s0.r2", "judge:s0.gate.i2.tja", "agent:s1"]);
      const consensus = await db().judgeConsensus.findMany({ where: { runId: run.id }, orderBy: { iteration: "asc" } });
      expect(consensus.map((c) => [c.scope, c.iteration, c.verdict])).toEqual([
        ["s0", 1, "revise"],
        ["s0", 2, "pass"],
      ]);
      // the run page's panel reads each verdict's gate from its step
      const shown = await runVerdicts(rw.ctx, run.id);
      expect(shown.verdicts.map((v) => [v.scope, v.iteration, v.verdict])).toEqual([
        ["s0", 1, "revise"],
        ["s0", 2, "pass"],
      ]);
      const pins = (await db().run.findUniqueOrThrow({ where: { id: run.id } })).pins as { agentGates?: unknown };
      expect(pins.agentGates).toMatchObject({ teams: [slug], gates: { drafter: { source: "agent", judges: [{ slug: "tja", version: 1 }] } } });
    } finally {
      await updateAgent(rw.ctx, "drafter", { qualityGate: null });
    }
  });

  it("a nested team follows its own setting: its agent's gate applies inside it, the outer team's (off) does not", async () => {
    await updateAgent(rw.ctx, "drafter", { qualityGate: { ...GATE, judges: ["tja"] } });
    await updateAgent(rw.ctx, "editor", { qualityGate: { ...GATE, judges: ["tjb"] } });
    try {
      const inner = teamSlug("inner");
      await createTeam(rw.ctx, { slug: inner, name: inner, spec: { topology: "sequential", agents: ["drafter"] }, agentGates: "on" });
      const outer = teamSlug("outer");
      await createTeam(rw.ctx, {
        slug: outer,
        name: outer,
        spec: { topology: "hybrid", arrangement: { topology: "sequential", agents: [{ team: inner }, "editor"], context: "last" } },
      });
      say("drafter", "ROUGH", "POLISHED");
      say("editor", "FINAL");
      say("tja", scored(3, 3, "revise", ["Tighten it."]), PASS);
      const run = await runToEnd(outer);
      expect(run).toMatchObject({ status: "succeeded", output: "FINAL" });
      const ids = (await stepRows(run.id)).map((r) => `${r.kind}:${r.stepId}`);
      expect(ids).toEqual(["team:s0", "agent:s0/s0", "judge:s0/s0.gate.i1.tja", "agent:s0/s0.r2", "judge:s0/s0.gate.i2.tja", "agent:s1"]);
      expect(requestsOf("tjb")).toHaveLength(0);
      const consensus = await db().judgeConsensus.findMany({ where: { runId: run.id }, orderBy: { iteration: "asc" } });
      expect(consensus.map((c) => [c.scope, c.verdict])).toEqual([
        ["s0/s0", "revise"],
        ["s0/s0", "pass"],
      ]);
    } finally {
      await updateAgent(rw.ctx, "drafter", { qualityGate: null });
      await updateAgent(rw.ctx, "editor", { qualityGate: null });
    }
  });

  it("with agentGates off, the agents' own gates do not apply inside the team", async () => {
    await updateAgent(rw.ctx, "drafter", { qualityGate: { ...GATE, judges: ["tja"] } });
    try {
      const slug = await team("agentgatesoff", { qualityGate: null });
      say("drafter", "ROUGH");
      say("editor", "FINAL");
      const run = await runToEnd(slug);
      expect(run).toMatchObject({ status: "succeeded", output: "FINAL" });
      expect(requestsOf("tja")).toHaveLength(0);
    } finally {
      await updateAgent(rw.ctx, "drafter", { qualityGate: null });
    }
  });
});

describe("a team's gate on save", () => {
  it("refuses an unknown or archived judge on create and update (VALIDATION_FAILED at qualityGate.judges), writing nothing", async () => {
    const slug = teamSlug("valid");
    await expect(createTeam(rw.ctx, { slug, name: slug, spec: SPEC, qualityGate: { judges: ["nobody"] } })).rejects.toMatchObject({
      code: "VALIDATION_FAILED",
      message: expect.stringContaining('qualityGate.judges: No judge "nobody"'),
    });
    expect(await db().team.count({ where: { workspaceId: rw.ws.id, slug } })).toBe(0);
    const old = `old-${slug}`;
    await createJudge(rw.ctx, { slug: old, name: old, rubric: RUBRIC });
    await archiveJudge(rw.ctx, old);
    await createTeam(rw.ctx, { slug, name: slug, spec: SPEC });
    await expect(updateTeam(rw.ctx, slug, { qualityGate: { judges: [old] } })).rejects.toMatchObject({ code: "VALIDATION_FAILED" });
    const saved = await updateTeam(rw.ctx, slug, { qualityGate: { judges: ["tja"] }, agentGates: "on" });
    expect(saved).toMatchObject({ currentVersion: 2, agentGates: "on", qualityGate: { judges: ["tja"], maxRevisions: 2, onFail: "fail" } });
  });
});

describe("a team's gate in its estimate", () => {
  it("multiplies the team's part by its attempts and counts each judge call", async () => {
    const plain = await team("estplain", { qualityGate: null });
    const gated = await team("estgated");
    const a = (await estimateTeam(rw.ctx, { team: plain })).estimate;
    const b = (await estimateTeam(rw.ctx, { team: gated })).estimate;
    // 3 attempts (maxRevisions 2) of the team, and 2 judges on each
    expect(b.modelCalls).toBe(a.modelCalls * 3 + 2 * 3);
    expect(b.steps).toBe(a.steps * 3);
    expect(b.outputTokens).toBe(a.outputTokens * 3 + 3 * 2 * 256);
    expect(b.costUsd).toBeGreaterThanOrEqual(a.costUsd * 3);
  });
});

describe("a team's gate over REST and tRPC", () => {
  it("POST /api/v1/teams takes qualityGate and agentGates (422 at qualityGate.judges for an unknown judge); teams.update changes them", async () => {
    const ws = await makeWorkspace("team-gate-api");
    const key = (await makeApiKey(ws, "member")).raw;
    const owner = callerFor(ws.users.owner, ws.slug);
    await owner.agents.create({ slug: "solo", name: "Solo" });
    await owner.judges.create({ slug: "strict", name: "Strict", rubric: RUBRIC });
    const spec = { topology: "sequential", agents: ["solo"] };
    const refused = await rest("POST", "/api/v1/teams", { key, body: { slug: "gated", name: "Gated", spec, qualityGate: { judges: ["ghost"] } } });
    expect(refused.status).toBe(422);
    expect(JSON.stringify(refused.body)).toContain("qualityGate.judges");
    const created = await rest("POST", "/api/v1/teams", {
      key,
      body: { slug: "gated", name: "Gated", spec, qualityGate: { judges: ["strict"], onFail: "review" }, agentGates: "on" },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ agentGates: "on", qualityGate: { judges: ["strict"], onFail: "review", maxRevisions: 2 } });
    const updated = await owner.teams.update({ team: "gated", qualityGate: null, agentGates: "off" });
    expect(updated).toMatchObject({ currentVersion: 2, qualityGate: null, agentGates: "off" });
    const diff = await owner.teams.diff({ team: "gated", from: 1, to: 2 });
    expect(diff.changes.map((c) => c.field)).toEqual(["qualityGate", "agentGates"]);
  });
});
