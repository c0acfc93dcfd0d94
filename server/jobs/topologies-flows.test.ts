/**
 * The topologies without rounds, each run through the real engine (executor, durable steps, gateway against the LLM
 * stub, whose scripted replies play every agent): sequential, parallel, dag, mixture of agents, grid and hybrid (with
 * a replay after a crash inside its nested team).
 * For each: the run's status, output and outcome, its step rows (kinds, step ids, node ids), and what each agent saw:
 * the outputs it builds on inside untrusted <context> blocks attributed to the right node, and nothing it must not
 * see. The planners (hierarchical, forest) are in topologies-planners.test.ts, the gated and routed topologies in
 * topologies-rounds.test.ts.
 */
import { describe, expect, it } from "vitest";
import { INPUT, fromOf, outputOf, stepIds, useTopologyEngine } from "@/test/fixtures/topology-engine";

const e = useTopologyEngine("topo-flows", ["ann", "bob", "cat", "dan", "eve", "fay", "gus", "hal", "jon", "kim"]);

const nodeIdsOf = (rows: { stepId: string; nodeId: string | null }[]) => Object.fromEntries(rows.map((r) => [r.stepId, r.nodeId]));

describe("sequential", () => {
  it('context "last": each agent sees the task and the previous output only, attributed; the last output is the result', async () => {
    e.say("ann", "ANN-DRAFT");
    e.say("bob", "BOB-EDIT");
    e.say("cat", "CAT-FINAL");
    const { run, rows } = await e.run({ topology: "sequential", agents: ["ann", "bob", "cat"] });
    expect(run).toMatchObject({ status: "succeeded", output: "CAT-FINAL", stepsDone: 3, outcome: { topology: "sequential", met: true } });
    expect(stepIds(rows)).toEqual(["s0", "s1", "s2"]);
    expect(rows.every((r) => r.kind === "agent" && r.nodeId === r.stepId && r.status === "succeeded")).toBe(true);

    const first = e.saw(rows, "s0");
    expect(first.prompt).toContain(INPUT);
    expect(first.blocks).toEqual([]);
    const second = e.saw(rows, "s1");
    expect(second.prompt).toContain(INPUT);
    expect(fromOf(second.prompt, "ANN-DRAFT")).toMatch(/ann \(s0\)/);
    const third = e.saw(rows, "s2");
    expect(fromOf(third.prompt, "BOB-EDIT")).toMatch(/bob \(s1\)/);
    expect(third.prompt).not.toContain("ANN-DRAFT");
    expect(e.requestsOf("ann")).toHaveLength(1);
  });

  it('context "all": the third agent sees both earlier outputs, in order, each under its author', async () => {
    e.say("ann", "ANN-1");
    e.say("bob", "BOB-2");
    e.say("cat", "CAT-3");
    const { run, rows } = await e.run({ topology: "sequential", agents: ["ann", "bob", "cat"], context: "all" });
    expect(run.status).toBe("succeeded");
    const { prompt, blocks } = e.saw(rows, "s2");
    expect(fromOf(prompt, "ANN-1")).toMatch(/ann \(s0\)/);
    expect(fromOf(prompt, "BOB-2")).toMatch(/bob \(s1\)/);
    expect(blocks.findIndex((b) => b.content.includes("ANN-1"))).toBeLessThan(blocks.findIndex((b) => b.content.includes("BOB-2")));
  });
});

describe("parallel", () => {
  it("the workers see the task only; the aggregator sees every worker's output under its node; its merge is the result", async () => {
    e.say("ann", "ANN-IDEA");
    e.say("bob", "BOB-IDEA");
    e.say("cat", "CAT-IDEA");
    e.say("dan", "MERGED");
    const { run, rows } = await e.run({ topology: "parallel", agents: ["ann", "bob", "cat"], aggregator: "dan" });
    expect(run).toMatchObject({ status: "succeeded", output: "MERGED", stepsDone: 4, outcome: { topology: "parallel", met: true } });
    expect(stepIds(rows, "agent").sort()).toEqual(["p0", "p1", "p2"]);
    expect(stepIds(rows, "aggregate")).toEqual(["agg"]);
    expect(nodeIdsOf(rows)).toEqual({ p0: "p0", p1: "p1", p2: "p2", agg: "agg" });
    for (const id of ["p0", "p1", "p2"]) expect(e.saw(rows, id).blocks).toEqual([]);
    const agg = e.saw(rows, "agg");
    expect(fromOf(agg.prompt, "ANN-IDEA")).toMatch(/ann \(p0\)/);
    expect(fromOf(agg.prompt, "BOB-IDEA")).toMatch(/bob \(p1\)/);
    expect(fromOf(agg.prompt, "CAT-IDEA")).toMatch(/cat \(p2\)/);
  });

  it("without an aggregator the outputs come back attributed", async () => {
    e.say("ann", "ANN-ONLY");
    e.say("bob", "BOB-ONLY");
    const { run } = await e.run({ topology: "parallel", agents: ["ann", "bob"] });
    expect(run.status).toBe("succeeded");
    expect(run.attributed).toEqual([
      { nodeId: "p0", agent: "ann", output: "ANN-ONLY" },
      { nodeId: "p1", agent: "bob", output: "BOB-ONLY" },
    ]);
  });
});

describe("dag", () => {
  it("a node sees the outputs of its dependencies (attributed, dependsOn order) and nothing else; the sink is the result", async () => {
    e.say("ann", "ROOT-A");
    e.say("bob", "ROOT-B");
    e.say("cat", "JOIN-C");
    e.say("dan", "SINK-D");
    const spec = {
      topology: "dag",
      nodes: [
        { id: "a", agent: "ann" },
        { id: "b", agent: "bob" },
        { id: "c", agent: "cat", dependsOn: ["b", "a"] },
        { id: "d", agent: "dan", dependsOn: ["c"] },
      ],
    };
    const { run, rows } = await e.run(spec);
    expect(run).toMatchObject({ status: "succeeded", output: "SINK-D", stepsDone: 4, outcome: { topology: "dag", met: true } });
    expect(stepIds(rows).slice(2)).toEqual(["c", "d"]);
    expect(nodeIdsOf(rows)).toEqual({ a: "a", b: "b", c: "c", d: "d" });
    expect(e.saw(rows, "a").blocks).toEqual([]);
    const join = e.saw(rows, "c");
    expect(join.blocks.map((b) => [b.from, b.content])).toEqual([
      [expect.stringMatching(/bob \(b\)/), "ROOT-B"],
      [expect.stringMatching(/ann \(a\)/), "ROOT-A"],
    ]);
    const sink = e.saw(rows, "d");
    expect(fromOf(sink.prompt, "JOIN-C")).toMatch(/cat \(c\)/);
    expect(sink.prompt).not.toContain("ROOT-A");
    // c started only after both roots were stored
    const at = (id: string) => rows.find((r) => r.stepId === id)!;
    expect(at("c").startedAt.getTime()).toBeGreaterThanOrEqual(Math.max(at("a").finishedAt!.getTime(), at("b").finishedAt!.getTime()));
  });
});

describe("mixture of agents", () => {
  it("each layer sees all of the previous layer's outputs (and no earlier one); the aggregator sees the last layer", async () => {
    e.say("ann", "L0-ANN");
    e.say("bob", "L0-BOB");
    e.say("cat", "L1-CAT");
    e.say("dan", "L1-DAN");
    e.say("eve", "SYNTH");
    const { run, rows } = await e.run({
      topology: "mixture_of_agents",
      layers: [
        ["ann", "bob"],
        ["cat", "dan"],
      ],
      aggregator: "eve",
    });
    expect(run).toMatchObject({ status: "succeeded", output: "SYNTH", stepsDone: 5, outcome: { topology: "mixture_of_agents", met: true } });
    expect(stepIds(rows, "agent").sort()).toEqual(["l0_0", "l0_1", "l1_0", "l1_1"]);
    expect(stepIds(rows, "aggregate")).toEqual(["agg"]);
    for (const id of ["l0_0", "l0_1"]) expect(e.saw(rows, id).blocks).toEqual([]);
    for (const id of ["l1_0", "l1_1"]) {
      const { prompt } = e.saw(rows, id);
      expect(fromOf(prompt, "L0-ANN")).toMatch(/ann \(l0_0\)/);
      expect(fromOf(prompt, "L0-BOB")).toMatch(/bob \(l0_1\)/);
    }
    const agg = e.saw(rows, "agg");
    expect(fromOf(agg.prompt, "L1-CAT")).toMatch(/cat \(l1_0\)/);
    expect(fromOf(agg.prompt, "L1-DAN")).toMatch(/dan \(l1_1\)/);
    expect(agg.prompt).not.toContain("L0-ANN");
  });
});

describe("grid", () => {
  it("round 2: each cell sees its own answer and its 4-neighbours' (no diagonal); the aggregator sees every cell's last answer", async () => {
    const cells = ["ann", "bob", "cat", "dan"]; // c0_0 c0_1 / c1_0 c1_1
    for (const a of cells) e.say(a, `${a.toUpperCase()}-R1`, `${a.toUpperCase()}-R2`);
    e.say("eve", "GRID-MERGED");
    const { run, rows } = await e.run({ topology: "grid", rows: 2, columns: 2, cells, rounds: 2, aggregator: "eve" });
    expect(run).toMatchObject({ status: "succeeded", output: "GRID-MERGED", stepsDone: 9, outcome: { topology: "grid", met: true } });
    const ids = ["c0_0", "c0_1", "c1_0", "c1_1"];
    expect(stepIds(rows, "agent").sort()).toEqual([...ids.map((c) => `r1.${c}`), ...ids.map((c) => `r2.${c}`)]);
    expect(rows.find((r) => r.stepId === "r2.c1_0")!.nodeId).toBe("c1_0");
    for (const c of ids) expect(e.saw(rows, `r1.${c}`).blocks).toEqual([]);

    const corner = e.saw(rows, "r2.c0_0").prompt; // ann: right is bob, down is cat, dan is diagonal
    expect(fromOf(corner, "ANN-R1")).toMatch(/ann \(c0_0\)/);
    expect(fromOf(corner, "BOB-R1")).toMatch(/bob \(c0_1\)/);
    expect(fromOf(corner, "CAT-R1")).toMatch(/cat \(c1_0\)/);
    expect(corner).not.toContain("DAN-R1");
    const other = e.saw(rows, "r2.c1_1").prompt; // dan: up is bob, left is cat, ann is diagonal
    expect(fromOf(other, "BOB-R1")).toMatch(/bob \(c0_1\)/);
    expect(fromOf(other, "CAT-R1")).toMatch(/cat \(c1_0\)/);
    expect(other).not.toContain("ANN-R1");

    const agg = e.saw(rows, "agg").prompt;
    for (const [k, a] of cells.entries()) expect(fromOf(agg, `${a.toUpperCase()}-R2`)).toMatch(new RegExp(`${a} \\(${ids[k]}\\)`));
    expect(agg).not.toContain("-R1");
  });
});

describe("hybrid", () => {
  it("a nested team runs as a node: a kind team row with its outcome, its own steps under its prefix, context passed in untrusted blocks", async () => {
    const inner = await e.team({ topology: "sequential", agents: ["fay", "gus"] });
    e.say("eve", "BEFORE-TEAM");
    e.say("fay", "INNER-1");
    e.say("gus", "INNER-2");
    e.say("hal", "AFTER-TEAM");
    const { run, rows } = await e.run({ topology: "hybrid", arrangement: { topology: "sequential", agents: ["eve", { team: inner }, "hal"] } });
    expect(run).toMatchObject({ status: "succeeded", output: "AFTER-TEAM", stepsDone: 4, outcome: { topology: "sequential", met: true } });
    expect(stepIds(rows)).toEqual(["s0", "s1", "s1/s0", "s1/s1", "s2"]);
    expect(nodeIdsOf(rows)).toEqual({ s0: "s0", s1: "s1", "s1/s0": "s1/s0", "s1/s1": "s1/s1", s2: "s2" });
    const node = rows.find((r) => r.stepId === "s1")!;
    expect(node).toMatchObject({ kind: "team", status: "succeeded", output: "INNER-2", agentId: null, inputTokens: 0 });
    expect(node.outcome).toEqual({ topology: "sequential", met: true });
    expect(rows.filter((r) => r.kind === "agent")).toHaveLength(4);

    // the nested team's first agent got the upstream output inside an untrusted block (the trust boundary holds)
    const innerFirst = e.saw(rows, "s1/s0").prompt;
    expect(fromOf(innerFirst, "BEFORE-TEAM")).toMatch(/eve \(s0\)/);
    expect(fromOf(e.saw(rows, "s1/s1").prompt, "INNER-1")).toMatch(/fay \(s0\)/);
    // the agent after the team sees the team's output, attributed to the team's node
    expect(fromOf(e.saw(rows, "s2").prompt, "INNER-2")).toMatch(new RegExp(`${inner} \\(s1\\)`));
    expect(outputOf(rows, "s1/s1")).toBe("INNER-2");
  });

  it("a crash inside the nested team: the replay reuses its stored steps and verdict, the team node gets the same outcome", async () => {
    const inner = await e.team({ topology: "maker_checker", maker: "jon", checkers: ["kim"], maxIterations: 2 });
    e.say("jon", "NESTED-DRAFT-1", "NESTED-DRAFT-2");
    e.say("kim", { verdict: "revise", reasons: ["Add one more detail."] }, { verdict: "approve", reasons: [] });
    e.say("hal", "AFTER-NESTED");
    const spec = { topology: "hybrid", arrangement: { topology: "sequential", agents: [{ team: inner }, "hal"] } };
    const { runId, storedBeforeResume, resumed, status, rows } = await e.crashAndResume(spec, "s0/i1.checker0");
    expect(storedBeforeResume.sort()).toEqual(["s0/i1.checker0", "s0/i1.maker"]);
    expect(status).toBe("succeeded");
    expect(resumed).toHaveLength(3); // the second iteration, then the agent after the team
    expect([e.requestsOf("jon").length, e.requestsOf("kim").length]).toEqual([2, 2]);
    expect(stepIds(rows)).toEqual(["s0", "s0/i1.maker", "s0/i1.checker0", "s0/i2.maker", "s0/i2.checker0", "s1"]);
    expect(rows.find((r) => r.stepId === "s0/i1.checker0")!.nodeId).toBe("s0/checker0");
    const node = rows.find((r) => r.stepId === "s0")!;
    expect(node).toMatchObject({ kind: "team", nodeId: "s0", status: "succeeded", output: "NESTED-DRAFT-2" });
    expect(node.outcome).toMatchObject({ topology: "maker_checker", met: true, approved: true, iterations: 2 });
    // the resumed maker saw the stored verdict's reason, the agent after the team the approved draft
    expect(fromOf(e.saw(rows, "s0/i2.maker").prompt, "Add one more detail.")).toMatch(/kim \(checker0\)/);
    expect(fromOf(e.saw(rows, "s1").prompt, "NESTED-DRAFT-2")).toMatch(new RegExp(`${inner} \\(s0\\)`));
    expect(outputOf(rows, "s1")).toBe("AFTER-NESTED");
    expect(await e.apiOutcome(runId)).toEqual({ topology: "sequential", met: true });
  });
});
