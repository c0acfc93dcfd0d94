/**
 * The round-based topologies: debate, mesh, star, grid, circular, maker_checker — who saw what each round,
 * concurrency within a round, termination rules.
 */
import { describe, expect, it } from "vitest";
import { topologySpecSchema } from "@/lib/schemas/topology";
import type { CircularResult } from "./circular";
import type { DebateResult } from "./debate";
import { FakeRuntime } from "./fake-runtime";
import { runTopology } from "./index";
import type { MakerCheckerResult } from "./maker-checker";
import type { MeshResult } from "./mesh";
import type { StarResult } from "./star";

const spec = (s: unknown) => topologySpecSchema.parse(s);

describe("debate", () => {
  const debate = spec({ topology: "debate", debaters: ["pro", "con", "neutral"], judge: "j", rounds: 3 });

  it("round 1 on the task, later rounds see the others' latest arguments; stops on consensus with the judge's decision", async () => {
    const rt = new FakeRuntime({
      delay: 10,
      script: { j: (_call, nth) => ({ object: { consensus: nth === 2, decision: `decision ${nth}`, reasoning: "r" } }) },
    });
    const result = (await runTopology(rt, debate, "T")) as DebateResult;
    expect(rt.stepIds().sort()).toEqual(["r1.d0", "r1.d1", "r1.d2", "r1.judge", "r2.d0", "r2.d1", "r2.d2", "r2.judge"]);
    expect(rt.overlap("r1.d0", "r1.d1") && rt.overlap("r1.d1", "r1.d2")).toBe(true);
    expect(rt.before("r1.d0", "r1.judge") && rt.before("r1.judge", "r2.d0")).toBe(true);
    expect(rt.call("r1.d1").context).toEqual([]);
    expect(rt.call("r2.d1").context).toEqual([
      { from: "your previous argument (con (d1))", output: "con@r1.d1" },
      { from: "pro (d0)", output: "pro@r1.d0" },
      { from: "neutral (d2)", output: "neutral@r1.d2" },
    ]);
    expect(rt.call("r2.judge").context).toEqual([
      { from: "pro (d0)", output: "pro@r2.d0" },
      { from: "con (d1)", output: "con@r2.d1" },
      { from: "neutral (d2)", output: "neutral@r2.d2" },
    ]);
    expect(rt.call("r1.judge").nodeId).toBe("judge");
    expect(rt.call("r1.judge").output?.schema).toBeDefined();
    expect(result).toMatchObject({ output: "decision 2", consensus: true, rounds: 2 });
    expect(rt.expected).toBe(12); // the bound
  });

  it("without consensus runs every round; the output is the last round's decision", async () => {
    const rt = new FakeRuntime({ script: { j: (_c, nth) => ({ object: { consensus: false, decision: `d${nth}`, reasoning: "" } }) } });
    const result = (await runTopology(rt, debate, "T")) as DebateResult;
    expect(rt.calls).toHaveLength(12);
    expect(result).toMatchObject({ output: "d3", consensus: false, rounds: 3 });
    expect(result.outcome).toEqual({ topology: "debate", met: false, onUnmet: "succeed_flagged", consensus: false, rounds: 3, maxRounds: 3 });
  });
});

describe("mesh", () => {
  it("every agent sees every other agent's previous-round output; R rounds when outputs keep changing", async () => {
    const rt = new FakeRuntime({ delay: 10 });
    const result = (await runTopology(rt, spec({ topology: "mesh", agents: ["a", "b", "c"], rounds: 3 }), "T")) as MeshResult;
    expect(rt.calls).toHaveLength(9);
    expect(rt.overlap("r2.m0", "r2.m2")).toBe(true);
    expect(rt.before("r1.m2", "r2.m0")).toBe(true);
    expect(rt.call("r1.m0").context).toEqual([]);
    expect(rt.call("r3.m1").context).toEqual([
      { from: "your previous answer (b (m1))", output: "b@r2.m1" },
      { from: "a (m0)", output: "a@r2.m0" },
      { from: "c (m2)", output: "c@r2.m2" },
    ]);
    expect(result.rounds).toBe(3);
    expect(result.converged).toBe(false);
    expect(result.outcome).toMatchObject({ topology: "mesh", met: false, converged: false, rounds: 3 });
    expect(result.attributed?.map((a) => a.output)).toEqual(["a@r3.m0", "b@r3.m1", "c@r3.m2"]);
  });

  it("stops as soon as outputs stop changing", async () => {
    // a settles at round 2, b at round 3: round 3 equals round 2 for a only, round 4 equals round 3 for both
    const rt = new FakeRuntime({ script: { a: (_c, n) => `a${Math.min(n, 2)}`, b: (_c, n) => `b${Math.min(n, 3)}` } });
    const result = (await runTopology(rt, spec({ topology: "mesh", agents: ["a", "b"], rounds: 10 }), "T")) as MeshResult;
    expect(result.rounds).toBe(4);
    expect(result.converged).toBe(true);
    expect(result.outcome).toEqual({
      topology: "mesh",
      met: true,
      onUnmet: "succeed_flagged",
      converged: true,
      rounds: 4,
      maxRounds: 10,
      convergence: {
        by: "similarity",
        threshold: 0.9,
        similarities: [
          { nodeId: "m0", agent: "a", similarity: 1 },
          { nodeId: "m1", agent: "b", similarity: 1 },
        ],
      },
    });
    expect(rt.calls).toHaveLength(8);
    expect(result.output).toContain("a2");
  });

  it("keeps the message bus per run: two concurrent runs do not see each other", async () => {
    const s = spec({ topology: "mesh", agents: ["a", "b"], rounds: 2 });
    const one = new FakeRuntime({ script: { a: () => "one-a", b: () => "one-b-" } });
    const two = new FakeRuntime({ script: { a: () => "two-a", b: () => "two-b-" } });
    await Promise.all([runTopology(one, s, "T"), runTopology(two, s, "T")]);
    expect(one.calls.flatMap((c) => c.context ?? []).every((c) => c.output.startsWith("one"))).toBe(true);
    expect(two.calls.flatMap((c) => c.context ?? []).every((c) => c.output.startsWith("two"))).toBe(true);
  });
});

describe("star", () => {
  const star = spec({ topology: "star", hub: "h", spokes: ["x", "y"], rounds: 3 });

  it("the hub messages the spokes, spokes answer the hub only; the hub answers when done", async () => {
    const rt = new FakeRuntime({
      delay: 10,
      script: {
        h: (_call, n) => ({
          object: n === 1 ? { done: false, messages: { spoke0: "look at X", spoke1: "look at Y" } } : { done: true, answer: "final from hub" },
        }),
      },
    });
    const result = (await runTopology(rt, star, "T")) as StarResult;
    expect(rt.stepIds().sort()).toEqual(["r1.hub", "r1.spoke0", "r1.spoke1", "r2.hub"]);
    expect(rt.call("r1.hub").context).toEqual([]);
    expect(rt.call("r1.hub").task).toContain("spoke0 = x (spoke0)");
    expect(rt.call("r1.spoke0").task).toContain("look at X");
    expect(rt.call("r1.spoke0").task).not.toContain("look at Y");
    expect(rt.call("r1.spoke1").task).toContain("look at Y");
    expect(rt.call("r1.spoke0").context).toEqual([]); // spokes never see each other
    expect(rt.call("r1.spoke1").context).toEqual([]);
    expect(rt.overlap("r1.spoke0", "r1.spoke1")).toBe(true);
    // round 2: its own round-1 messages (labelled as its own), then the spokes' answers
    expect(rt.call("r2.hub").context).toEqual([
      { from: "your own messages, round 1 (hub)", output: "to spoke0: look at X\nto spoke1: look at Y" },
      { from: "x (spoke0), round 1", output: "x@r1.spoke0" },
      { from: "y (spoke1), round 1", output: "y@r1.spoke1" },
    ]);
    expect(result).toMatchObject({ output: "final from hub", rounds: 1 });
  });

  it("never done: R rounds then a final hub answer; a spoke without a message gets the task", async () => {
    const rt = new FakeRuntime({ script: { h: (call) => (call.output ? { object: { done: false, messages: { spoke1: "only you" } } } : "hub final") } });
    const result = (await runTopology(rt, star, "T")) as StarResult;
    expect(rt.calls).toHaveLength(3 * 3 + 1);
    expect(rt.call("r1.spoke0").task).toBe("T");
    expect(rt.call("r1.spoke1").task).toBe("Message from the hub: only you\n\nThe overall task: T");
    expect(rt.call("final.hub").output).toBeUndefined();
    // the hub keeps its history across rounds: its own messages and the answers, round by round
    expect(rt.saw("final.hub")).toEqual([1, 2, 3].flatMap((r) => [`your own messages, round ${r} (hub)`, `x (spoke0), round ${r}`, `y (spoke1), round ${r}`]));
    expect(rt.call("final.hub").context?.[7]?.output).toBe("x@r3.spoke0");
    expect(rt.call("r2.hub").context?.[0]?.output).toBe("to spoke1: only you");
    // spokes keep their own earlier answers (and never see the other spoke's)
    expect(rt.call("r1.spoke1").context).toEqual([]);
    expect(rt.saw("r3.spoke1")).toEqual(["your own answer, round 1 (y (spoke1))", "your own answer, round 2 (y (spoke1))"]);
    expect(rt.call("r3.spoke1").context?.[1]?.output).toBe("y@r2.spoke1");
    expect(rt.call("r3.spoke1").task).toContain("Your own answers of the earlier rounds are in the context.");
    expect(result).toMatchObject({ output: "hub final", rounds: 3 });
    expect(result.outcome).toEqual({ topology: "star", met: true, rounds: 3 });
    expect(rt.expected).toBe(10);
  });

  it("done without an answer is not an answer", async () => {
    const rt = new FakeRuntime({ script: { h: (call) => (call.output ? { object: { done: true } } : "hub final") } });
    const result = await runTopology(rt, spec({ topology: "star", hub: "h", spokes: ["x"], rounds: 1 }), "T");
    expect(rt.stepIds()).toEqual(["r1.hub", "r1.spoke0", "final.hub"]);
    expect(result.output).toBe("hub final");
  });
});

describe("grid", () => {
  it("round 1 on the task; later rounds see the 4-neighbours' previous outputs; the aggregator sees every cell", async () => {
    const cells = ["a", "b", "c", "d", "e", "f"];
    const rt = new FakeRuntime({ delay: 10 });
    const result = await runTopology(rt, spec({ topology: "grid", rows: 2, columns: 3, cells, rounds: 2, aggregator: "z" }), "T");
    expect(rt.calls).toHaveLength(13);
    expect(rt.call("r1.c1_1").context).toEqual([]);
    expect(rt.call("r1.c0_0").nodeId).toBe("c0_0");
    expect(rt.overlap("r1.c0_0", "r1.c1_2")).toBe(true);
    expect(rt.before("r1.c1_2", "r2.c0_0")).toBe(true);
    // c0_1 (b): up none, down c1_1 (e), left c0_0 (a), right c0_2 (c)
    expect(rt.call("r2.c0_1").context).toEqual([
      { from: "your previous answer (b (c0_1))", output: "b@r1.c0_1" },
      { from: "e (c1_1)", output: "e@r1.c1_1" },
      { from: "a (c0_0)", output: "a@r1.c0_0" },
      { from: "c (c0_2)", output: "c@r1.c0_2" },
    ]);
    // a corner: c1_0 (d): up c0_0 (a), right c1_1 (e)
    expect(rt.saw("r2.c1_0")).toEqual(["your previous answer (d (c1_0))", "a (c0_0)", "e (c1_1)"]);
    expect(rt.call("agg").context?.map((c) => c.output)).toEqual(["a@r2.c0_0", "b@r2.c0_1", "c@r2.c0_2", "d@r2.c1_0", "e@r2.c1_1", "f@r2.c1_2"]);
    expect(result.output).toBe("z@agg");
    expect(rt.expected).toBe(13);
  });
});

describe("circular", () => {
  it("passes the work around the ring, each seeing the previous agent's work; stops when an agent is done", async () => {
    const rt = new FakeRuntime({
      script: (call, n) => ({ object: { done: call.agent === "b" && n === 2, work: `${call.context?.[0]?.output ?? "start"}+${call.agent}` } }),
    });
    const result = (await runTopology(rt, spec({ topology: "circular", agents: ["a", "b", "c"], laps: 3 }), "T")) as CircularResult;
    expect(rt.stepIds()).toEqual(["l1.r0", "l1.r1", "l1.r2", "l2.r0", "l2.r1"]);
    expect(rt.maxActive).toBe(1);
    expect(rt.call("l1.r0").context).toEqual([]);
    expect(rt.call("l1.r1").context).toEqual([{ from: "a (r0)", output: "start+a" }]);
    expect(rt.call("l2.r0").context).toEqual([{ from: "c (r2)", output: "start+a+b+c" }]);
    expect(result).toMatchObject({ output: "start+a+b+c+a+b", done: true, laps: 2 });
    expect(result.outcome).toEqual({ topology: "circular", met: true, onUnmet: "succeed_flagged", done: true, laps: 2, maxLaps: 3 });
  });

  it("runs K laps when nobody is done", async () => {
    const rt = new FakeRuntime({ script: (call) => ({ object: { done: false, work: `w@${call.stepId}` } }) });
    const result = (await runTopology(rt, spec({ topology: "circular", agents: ["a", "b"], laps: 2 }), "T")) as CircularResult;
    expect(rt.stepIds()).toEqual(["l1.r0", "l1.r1", "l2.r0", "l2.r1"]);
    expect(result).toMatchObject({ output: "w@l2.r1", done: false, laps: 2 });
    expect(result.outcome).toMatchObject({ topology: "circular", met: false, done: false, laps: 2 });
    expect(rt.expected).toBe(4);
  });
});

describe("maker_checker", () => {
  const mc = spec({ topology: "maker_checker", maker: "m", checkers: ["c1", "c2"], maxIterations: 4 });

  it("loops until every checker approves; the maker sees its previous version and the reasons", async () => {
    const rt = new FakeRuntime({
      delay: 10,
      script: {
        c1: (_c, n) => ({ object: n < 2 ? { verdict: "revise", reasons: ["too short", "no title"] } : { verdict: "approve", reasons: [] } }),
        c2: (_c, n) => ({ object: n < 3 ? { verdict: "revise", reasons: ["wrong tone"] } : { verdict: "approve", reasons: [] } }),
      },
    });
    const result = (await runTopology(rt, mc, "T")) as MakerCheckerResult;
    expect(rt.stepIds().sort()).toEqual([
      "i1.checker0",
      "i1.checker1",
      "i1.maker",
      "i2.checker0",
      "i2.checker1",
      "i2.maker",
      "i3.checker0",
      "i3.checker1",
      "i3.maker",
    ]);
    expect(rt.overlap("i1.checker0", "i1.checker1")).toBe(true);
    expect(rt.call("i1.maker").context).toEqual([]);
    expect(rt.call("i1.checker0").context).toEqual([{ from: "m (maker)", output: "m@i1.maker" }]);
    expect(rt.call("i2.maker").context).toEqual([
      { from: "your previous version (m (maker))", output: "m@i1.maker" },
      { from: "c1 (checker0)", output: "- too short\n- no title" },
      { from: "c2 (checker1)", output: "- wrong tone" },
    ]);
    expect(rt.call("i3.maker").context).toEqual([
      { from: "your previous version (m (maker))", output: "m@i2.maker" },
      { from: "c2 (checker1)", output: "- wrong tone" },
    ]);
    expect(result).toMatchObject({ output: "m@i3.maker", approved: true, iterations: 3 });
  });

  it("stops at maxIterations, not approved; an unreadable verdict counts as revise", async () => {
    const rt = new FakeRuntime({ script: { c1: () => ({ object: { verdict: "approve", reasons: [] } }), c2: () => "looks fine I guess" } });
    const result = (await runTopology(rt, mc, "T")) as MakerCheckerResult;
    expect(rt.calls).toHaveLength(12);
    expect(result).toMatchObject({ output: "m@i4.maker", approved: false, iterations: 4 });
    expect(result.outcome).toMatchObject({ topology: "maker_checker", met: false, onUnmet: "fail", approved: false, iterations: 4, maxIterations: 4 });
    expect(result.outcome).toMatchObject({ verdicts: result.verdicts });
    expect(result.verdicts).toEqual([
      { nodeId: "checker0", agent: "c1", verdict: "approve", reasons: [] },
      { nodeId: "checker1", agent: "c2", verdict: "revise", reasons: ["looks fine I guess"] },
    ]);
    expect(rt.expected).toBe(12);
  });
});
