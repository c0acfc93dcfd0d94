/**
 * The routed topologies through the real engine (executor, durable steps, gateway against the LLM stub, whose
 * scripted replies play the hub and the supervisor): star and supervisor. What each agent saw (a spoke its own
 * message and no other spoke; the hub and the supervisor every result, attributed), the step rows, the outcome on the
 * run and in the API's run read, and a replay after a crash mid-run that reuses the stored routing decisions.
 */
import { describe, expect, it } from "vitest";
import { INPUT, fromOf, stepIds, useTopologyEngine } from "@/test/fixtures/topology-engine";

const e = useTopologyEngine("topo-routed", ["hub", "sp1", "sp2", "sup", "rsr", "wrt"]);

// ---------------------------------------------------------------------------------------------------

const STAR = { topology: "star", hub: "hub", spokes: ["sp1", "sp2"], rounds: 2 };
const STAR_DONE = { topology: "star", met: true, rounds: 1 };

/** The hub asks each spoke something different, then answers with what they said. */
function scriptStar() {
  e.say(
    "hub",
    { done: false, answer: null, messages: { spoke0: "ASK-ONE: list the risks.", spoke1: "ASK-TWO: list the benefits." } },
    { done: true, answer: "HUB-ANSWER", messages: null },
  );
  e.say("sp1", "SP1-RISKS");
  e.say("sp2", "SP2-BENEFITS");
}

describe("star", () => {
  it("each spoke sees its own message and the task, never the other spoke; the hub then sees both answers, attributed", async () => {
    scriptStar();
    const { run, rows } = await e.run(STAR);
    expect(run).toMatchObject({ status: "succeeded", output: "HUB-ANSWER", stepsDone: 4 });
    expect(run.outcome).toEqual(STAR_DONE);
    expect(await e.apiOutcome(run.id)).toEqual(STAR_DONE);
    expect(stepIds(rows).sort()).toEqual(["r1.hub", "r1.spoke0", "r1.spoke1", "r2.hub"]);
    expect(Object.fromEntries(rows.map((r) => [r.stepId, r.nodeId]))).toEqual({
      "r1.hub": "hub",
      "r1.spoke0": "spoke0",
      "r1.spoke1": "spoke1",
      "r2.hub": "hub",
    });

    const hub1 = e.saw(rows, "r1.hub");
    expect(hub1.prompt).toContain(INPUT);
    expect(hub1.blocks).toEqual([]);
    const one = e.saw(rows, "r1.spoke0");
    expect(one.prompt).toContain("ASK-ONE: list the risks.");
    expect(one.prompt).toContain(INPUT);
    expect(one.prompt).not.toContain("ASK-TWO");
    expect(one.blocks.some((b) => b.content.includes("SP2-BENEFITS"))).toBe(false);
    const two = e.saw(rows, "r1.spoke1");
    expect(two.prompt).toContain("ASK-TWO: list the benefits.");
    expect(two.prompt).not.toContain("ASK-ONE");
    expect(two.blocks.some((b) => b.content.includes("SP1-RISKS"))).toBe(false);

    const hub2 = e.saw(rows, "r2.hub").prompt;
    expect(fromOf(hub2, "SP1-RISKS")).toMatch(/sp1 \(spoke0\)/);
    expect(fromOf(hub2, "SP2-BENEFITS")).toMatch(/sp2 \(spoke1\)/);
  });

  it("after its rounds without done, the hub writes the final answer from the last answers (final.hub)", async () => {
    const ask = { done: false, answer: null, messages: { spoke0: "Again.", spoke1: "Again." } };
    e.say("hub", ask, "HUB-FINAL-TEXT");
    e.say("sp1", "SP1-LAST");
    e.say("sp2", "SP2-LAST");
    const { run, rows } = await e.run({ ...STAR, rounds: 1 });
    expect(run).toMatchObject({ status: "succeeded", output: "HUB-FINAL-TEXT", outcome: { topology: "star", met: true, rounds: 1 } });
    expect(stepIds(rows).sort()).toEqual(["final.hub", "r1.hub", "r1.spoke0", "r1.spoke1"]);
    const final = e.saw(rows, "final.hub").prompt;
    expect(fromOf(final, "SP1-LAST")).toMatch(/spoke0/);
    expect(fromOf(final, "SP2-LAST")).toMatch(/spoke1/);
  });

  it("a replay after a crash mid-run reuses the hub's stored messages: no second request for them, the same outcome", async () => {
    scriptStar();
    const { runId, storedBeforeResume, resumed, status, rows } = await e.crashAndResume(STAR, "r1.hub");
    expect(storedBeforeResume).toEqual(["r1.hub"]);
    expect(status).toBe("succeeded");
    expect(resumed).toHaveLength(3); // the two spokes and the hub's second round
    expect(e.requestsOf("hub")).toHaveLength(2);
    // the resumed spokes got the stored messages
    expect(e.saw(rows, "r1.spoke0").prompt).toContain("ASK-ONE");
    expect(e.saw(rows, "r1.spoke1").prompt).toContain("ASK-TWO");
    expect(await e.apiOutcome(runId)).toEqual(STAR_DONE);
  });
});

// ---------------------------------------------------------------------------------------------------

const SUPERVISOR = { topology: "supervisor", supervisor: "sup", workers: ["rsr", "wrt"], maxTurns: 4 };
const FINISHED = { topology: "supervisor", met: true, finished: true, turns: 3, maxTurns: 4 };
const pick = (next: string, message: string) => ({ finish: false, next: [next], message, reason: `${next} is next`, answer: null });

/** research, then writing, then finish. */
function scriptSupervisor() {
  e.say("sup", pick("rsr", "MSG-RESEARCH"), pick("wrt", "MSG-WRITE"), { finish: true, next: [], message: null, reason: "done", answer: "SUP-ANSWER" });
  e.say("rsr", "RSR-FACTS");
  e.say("wrt", "WRT-TEXT");
}

describe("supervisor", () => {
  it("routes turn by turn: a worker sees the supervisor's message and the results so far; the supervisor sees every result", async () => {
    scriptSupervisor();
    const { run, rows } = await e.run(SUPERVISOR);
    expect(run).toMatchObject({ status: "succeeded", output: "SUP-ANSWER", stepsDone: 5 });
    expect(run.outcome).toEqual(FINISHED);
    expect(await e.apiOutcome(run.id)).toEqual(FINISHED);
    expect(rows.map((r) => [r.stepId, r.nodeId])).toEqual([
      ["t1.supervisor", "supervisor"],
      ["t1.w0", "w0"],
      ["t2.supervisor", "supervisor"],
      ["t2.w1", "w1"],
      ["t3.supervisor", "supervisor"],
    ]);

    const turn1 = e.saw(rows, "t1.supervisor");
    expect(turn1.blocks).toEqual([]);
    for (const w of ["rsr", "wrt"]) expect(turn1.prompt).toContain(w);
    const research = e.saw(rows, "t1.w0");
    expect(research.prompt).toContain("MSG-RESEARCH");
    expect(research.prompt).toContain(INPUT);
    expect(fromOf(e.saw(rows, "t2.supervisor").prompt, "RSR-FACTS")).toMatch(/rsr \(w0\)/);
    const writing = e.saw(rows, "t2.w1").prompt;
    expect(writing).toContain("MSG-WRITE");
    expect(writing).not.toContain("MSG-RESEARCH");
    expect(fromOf(writing, "RSR-FACTS")).toMatch(/rsr \(w0\)/);
    const turn3 = e.saw(rows, "t3.supervisor").prompt;
    expect(fromOf(turn3, "RSR-FACTS")).toMatch(/rsr \(w0\)/);
    expect(fromOf(turn3, "WRT-TEXT")).toMatch(/wrt \(w1\)/);
  });

  it("without finishing within maxTurns: finished false, the last worker output is the result", async () => {
    e.say("sup", pick("rsr", "Go."));
    e.say("rsr", "ONLY-TURN");
    const { run } = await e.run({ ...SUPERVISOR, maxTurns: 1 });
    expect(run).toMatchObject({
      status: "succeeded",
      output: "ONLY-TURN",
      outcome: { topology: "supervisor", met: false, finished: false, turns: 1, maxTurns: 1 },
    });
  });

  it("a replay after a crash mid-run reuses the stored picks: no second request for them, the same outcome", async () => {
    scriptSupervisor();
    const { runId, storedBeforeResume, resumed, status, rows } = await e.crashAndResume(SUPERVISOR, "t2.supervisor");
    expect(storedBeforeResume).toEqual(["t1.supervisor", "t1.w0", "t2.supervisor"]);
    expect(status).toBe("succeeded");
    expect(resumed).toHaveLength(2); // the writer and the last turn
    expect([e.requestsOf("sup").length, e.requestsOf("rsr").length, e.requestsOf("wrt").length]).toEqual([3, 1, 1]);
    expect(e.saw(rows, "t2.w1").prompt).toContain("MSG-WRITE");
    expect(await e.apiOutcome(runId)).toEqual(FINISHED);
  });
});
