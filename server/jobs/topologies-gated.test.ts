/**
 * The gated topologies through the real engine (executor, durable steps, gateway against the LLM stub, whose
 * scripted replies play every agent: the checker rejects once then approves, the judge finds consensus in round 2,
 * the ring says done): maker-checker, debate, mesh and circular. For each: what each agent saw, the step rows, the
 * outcome on the run and in the API's run read, `onUnmet`, and a replay after a crash mid-run that reuses the stored
 * structured answers (verdicts, judge decisions, ring answers) without asking a model again.
 */
import { describe, expect, it } from "vitest";
import { INPUT, fromOf, outputOf, stepIds, useTopologyEngine } from "@/test/fixtures/topology-engine";

const e = useTopologyEngine("topo-gated", ["mk", "ck1", "ck2", "pro", "con", "jdg", "ma", "mb", "ra", "rb", "rc"]);

const revise = (...reasons: string[]) => ({ verdict: "revise", reasons });
const APPROVE = { verdict: "approve", reasons: [] };

// ---------------------------------------------------------------------------------------------------

const MAKER_CHECKER = { topology: "maker_checker", maker: "mk", checkers: ["ck1", "ck2"], maxIterations: 3 };
const APPROVED = {
  topology: "maker_checker",
  met: true,
  onUnmet: "fail",
  approved: true,
  iterations: 2,
  maxIterations: 3,
  verdicts: [
    { nodeId: "checker0", agent: "ck1", verdict: "approve", reasons: [] },
    { nodeId: "checker1", agent: "ck2", verdict: "approve", reasons: [] },
  ],
};

/** ck1 asks for a revision once, ck2 approves at once; the second draft is approved. */
function scriptMakerChecker() {
  e.say("mk", "DRAFT-ONE", "DRAFT-TWO");
  e.say("ck1", revise("Name the test runner."), APPROVE);
  e.say("ck2", APPROVE, APPROVE);
}

describe("maker-checker", () => {
  it("the checkers see the current draft; the maker sees its draft and the reasons of the checker who asked; approved on iteration 2", async () => {
    scriptMakerChecker();
    const { run, rows } = await e.run(MAKER_CHECKER);
    expect(run).toMatchObject({ status: "succeeded", output: "DRAFT-TWO", stepsDone: 6 });
    expect(run.outcome).toEqual(APPROVED);
    expect(await e.apiOutcome(run.id)).toEqual(APPROVED);
    expect(stepIds(rows).sort()).toEqual(["i1.checker0", "i1.checker1", "i1.maker", "i2.checker0", "i2.checker1", "i2.maker"]);
    expect(rows.every((r) => r.kind === "agent" && r.nodeId === r.stepId.split(".")[1])).toBe(true);

    expect(e.saw(rows, "i1.maker").blocks).toEqual([]);
    for (const id of ["i1.checker0", "i1.checker1"]) expect(fromOf(e.saw(rows, id).prompt, "DRAFT-ONE")).toMatch(/mk \(maker\)/);
    const revision = e.saw(rows, "i2.maker").prompt;
    expect(fromOf(revision, "DRAFT-ONE")).toMatch(/maker/);
    expect(fromOf(revision, "Name the test runner.")).toMatch(/ck1 \(checker0\)/);
    for (const id of ["i2.checker0", "i2.checker1"]) {
      const { prompt } = e.saw(rows, id);
      expect(fromOf(prompt, "DRAFT-TWO")).toMatch(/mk \(maker\)/);
    }
  });

  it('checkers that never approve: onUnmet "fail" (the default) fails the run with the last draft and the outcome', async () => {
    e.say("mk", "TRY-ONE", "TRY-TWO");
    e.say("ck1", revise("Still vague."), revise("Still vague."));
    e.say("ck2", APPROVE, APPROVE);
    const { run } = await e.run({ ...MAKER_CHECKER, maxIterations: 2 });
    expect(run).toMatchObject({ status: "failed", output: "TRY-TWO" });
    expect(run.error).toMatch(/^Outcome not met: .*ck1 \(checker0\)/);
    const outcome = { topology: "maker_checker", met: false, onUnmet: "fail", approved: false, iterations: 2, maxIterations: 2 };
    expect(run.outcome).toMatchObject(outcome);
    expect(await e.apiOutcome(run.id)).toMatchObject(outcome);
  });

  it("a replay after a crash mid-run reuses the stored verdicts: no second request for a stored step, the same outcome", async () => {
    scriptMakerChecker();
    const { runId, storedBeforeResume, resumed, status, rows } = await e.crashAndResume(MAKER_CHECKER, "i2.maker");
    expect(storedBeforeResume.sort()).toEqual(["i1.checker0", "i1.checker1", "i1.maker", "i2.maker"]);
    expect(status).toBe("succeeded");
    expect(resumed).toHaveLength(2); // the two checkers of iteration 2
    expect([e.requestsOf("mk").length, e.requestsOf("ck1").length, e.requestsOf("ck2").length]).toEqual([2, 2, 2]);
    expect(rows.every((r) => r.status === "succeeded" && r.attempts === 1)).toBe(true);
    expect(await e.apiOutcome(runId)).toEqual(APPROVED);
  });
});

// ---------------------------------------------------------------------------------------------------

const DEBATE = { topology: "debate", debaters: ["pro", "con"], judge: "jdg", rounds: 3 };
const CONSENSUS = { topology: "debate", met: true, onUnmet: "succeed_flagged", consensus: true, rounds: 2, maxRounds: 3 };

function scriptDebate() {
  e.say("pro", "PRO-R1", "PRO-R2");
  e.say("con", "CON-R1", "CON-R2");
  e.say(
    "jdg",
    { consensus: false, decision: "Undecided.", reasoning: "They disagree." },
    { consensus: true, decision: "JUDGE-DECISION", reasoning: "They converged." },
  );
}

describe("debate", () => {
  it("round 2: each debater sees its own and the other's round-1 argument; the judge sees each debater's latest argument", async () => {
    scriptDebate();
    const { run, rows } = await e.run(DEBATE);
    expect(run).toMatchObject({ status: "succeeded", output: "JUDGE-DECISION", stepsDone: 6 });
    expect(run.outcome).toEqual(CONSENSUS);
    expect(await e.apiOutcome(run.id)).toEqual(CONSENSUS);
    expect(stepIds(rows).sort()).toEqual(["r1.d0", "r1.d1", "r1.judge", "r2.d0", "r2.d1", "r2.judge"]);
    expect(rows.find((r) => r.stepId === "r2.judge")).toMatchObject({ nodeId: "judge", kind: "agent" });

    for (const id of ["r1.d0", "r1.d1"]) expect(e.saw(rows, id).blocks).toEqual([]);
    const pro = e.saw(rows, "r2.d0").prompt;
    expect(fromOf(pro, "PRO-R1")).toMatch(/pro \(d0\)/);
    expect(fromOf(pro, "CON-R1")).toMatch(/con \(d1\)/);
    const first = e.saw(rows, "r1.judge").prompt;
    expect(fromOf(first, "PRO-R1")).toMatch(/pro \(d0\)/);
    expect(fromOf(first, "CON-R1")).toMatch(/con \(d1\)/);
    const judge = e.saw(rows, "r2.judge").prompt;
    expect(fromOf(judge, "PRO-R2")).toMatch(/pro \(d0\)/);
    expect(fromOf(judge, "CON-R2")).toMatch(/con \(d1\)/);
    expect(judge).not.toContain("PRO-R1");
  });

  it('no consensus: onUnmet "succeed_flagged" (the default) succeeds with outcome.met = false', async () => {
    e.say("jdg", { consensus: false, decision: "NO-AGREEMENT", reasoning: "Split." });
    const { run } = await e.run({ ...DEBATE, rounds: 1 });
    const outcome = { topology: "debate", met: false, onUnmet: "succeed_flagged", consensus: false, rounds: 1, maxRounds: 1 };
    expect(run).toMatchObject({ status: "succeeded", output: "NO-AGREEMENT", error: null, outcome });
    expect(await e.apiOutcome(run.id)).toEqual(outcome);
  });

  it("a replay after a crash mid-run reuses the stored judge decision: no second request for it, the same outcome", async () => {
    scriptDebate();
    const { runId, storedBeforeResume, resumed, status } = await e.crashAndResume(DEBATE, "r1.judge");
    expect(storedBeforeResume.sort()).toEqual(["r1.d0", "r1.d1", "r1.judge"]);
    expect(status).toBe("succeeded");
    expect(resumed).toHaveLength(3); // round 2 only
    expect(e.requestsOf("jdg")).toHaveLength(2);
    expect(await e.apiOutcome(runId)).toEqual(CONSENSUS);
  });
});

// ---------------------------------------------------------------------------------------------------

describe("mesh", () => {
  // Pinned: identical answers of every agent two rounds in a row converge (the spec's "outputs stop changing"); a
  // similarity-based convergence keeps this case (identical texts), different texts in each round do not converge.
  it("round 2 sees every other agent's round-1 answer; answers that stop changing converge (rounds counted)", async () => {
    e.say("ma", "MA-R1", "MA-FINAL", "MA-FINAL");
    e.say("mb", "MB-R1", "MB-FINAL", "MB-FINAL");
    const { run, rows } = await e.run({ topology: "mesh", agents: ["ma", "mb"], rounds: 4 });
    const outcome = { topology: "mesh", met: true, onUnmet: "succeed_flagged", converged: true, rounds: 3, maxRounds: 4 };
    expect(run).toMatchObject({ status: "succeeded", stepsDone: 6, outcome });
    // no model of this workspace may embed: unchanged answers are what converges (mesh-run.test.ts embeds for real)
    expect(await e.apiOutcome(run.id)).toEqual({
      ...outcome,
      convergence: { by: "similarity", threshold: 0.9, similarities: expect.any(Array), unavailable: expect.any(String) },
    });
    expect(run.attributed).toEqual([
      { nodeId: "m0", agent: "ma", output: "MA-FINAL" },
      { nodeId: "m1", agent: "mb", output: "MB-FINAL" },
    ]);
    expect(stepIds(rows, "agent").sort()).toEqual(["r1.m0", "r1.m1", "r2.m0", "r2.m1", "r3.m0", "r3.m1"]);
    expect(rows.find((r) => r.stepId === "r3.m1")!.nodeId).toBe("m1");
    for (const id of ["r1.m0", "r1.m1"]) expect(e.saw(rows, id).blocks).toEqual([]);
    const second = e.saw(rows, "r2.m0").prompt;
    expect(fromOf(second, "MA-R1")).toMatch(/ma \(m0\)/);
    expect(fromOf(second, "MB-R1")).toMatch(/mb \(m1\)/);
    const third = e.saw(rows, "r3.m1").prompt;
    expect(fromOf(third, "MA-FINAL")).toMatch(/ma \(m0\)/);
    expect(third).not.toContain("MA-R1");
  });

  it("answers that keep changing do not converge: succeeded flagged after its rounds", async () => {
    e.say("ma", "MA-1", "MA-2");
    e.say("mb", "MB-1", "MB-2");
    const { run } = await e.run({ topology: "mesh", agents: ["ma", "mb"], rounds: 2 });
    expect(run).toMatchObject({ status: "succeeded", outcome: { topology: "mesh", met: false, converged: false, rounds: 2, maxRounds: 2 } });
  });
});

// ---------------------------------------------------------------------------------------------------

const RING = { topology: "circular", agents: ["ra", "rb", "rc"], laps: 2 };
const DONE = { topology: "circular", met: true, onUnmet: "succeed_flagged", done: true, laps: 2, maxLaps: 2 };

function scriptRing() {
  e.say("ra", { done: false, work: "WORK-1" }, { done: true, work: "WORK-4" });
  e.say("rb", { done: false, work: "WORK-2" });
  e.say("rc", { done: false, work: "WORK-3" });
}

describe("circular", () => {
  it("each agent sees the previous agent's work, attributed; the ring stops when an agent says done", async () => {
    scriptRing();
    const { run, rows } = await e.run(RING);
    expect(run).toMatchObject({ status: "succeeded", output: "WORK-4", stepsDone: 4 });
    expect(run.outcome).toEqual(DONE);
    expect(await e.apiOutcome(run.id)).toEqual(DONE);
    expect(rows.map((r) => [r.stepId, r.nodeId])).toEqual([
      ["l1.r0", "r0"],
      ["l1.r1", "r1"],
      ["l1.r2", "r2"],
      ["l2.r0", "r0"],
    ]);
    const start = e.saw(rows, "l1.r0");
    expect(start.prompt).toContain(INPUT);
    expect(start.blocks).toEqual([]);
    expect(fromOf(e.saw(rows, "l1.r1").prompt, "WORK-1")).toMatch(/ra \(r0\)/);
    expect(fromOf(e.saw(rows, "l1.r2").prompt, "WORK-2")).toMatch(/rb \(r1\)/);
    const lap2 = e.saw(rows, "l2.r0").prompt;
    expect(fromOf(lap2, "WORK-3")).toMatch(/rc \(r2\)/);
    expect(lap2).not.toContain("WORK-1");
  });

  it('no agent says done: onUnmet "fail" fails the run with the latest work and the outcome', async () => {
    e.say("ra", { done: false, work: "RING-A" });
    e.say("rb", { done: false, work: "RING-B" });
    const { run } = await e.run({ topology: "circular", agents: ["ra", "rb"], laps: 1, onUnmet: "fail" });
    const outcome = { topology: "circular", met: false, onUnmet: "fail", done: false, laps: 1, maxLaps: 1 };
    expect(run).toMatchObject({ status: "failed", output: "RING-B", outcome });
    expect(run.error).toMatch(/^Outcome not met: /);
    expect(await e.apiOutcome(run.id)).toEqual(outcome);
  });

  it("a replay after a crash mid-ring reuses the stored answers: no second request for them, the same outcome", async () => {
    scriptRing();
    const { runId, storedBeforeResume, resumed, status, rows } = await e.crashAndResume(RING, "l1.r1");
    expect(storedBeforeResume).toEqual(["l1.r0", "l1.r1"]);
    expect(status).toBe("succeeded");
    expect(resumed).toHaveLength(2);
    expect([e.requestsOf("ra").length, e.requestsOf("rb").length, e.requestsOf("rc").length]).toEqual([2, 1, 1]);
    expect(fromOf(e.saw(rows, "l1.r2").prompt, "WORK-2")).toMatch(/rb \(r1\)/);
    expect(outputOf(rows, "l2.r0")).toContain("WORK-4");
    expect(await e.apiOutcome(runId)).toEqual(DONE);
  });
});
