/**
 * runTopology as a whole: every topology terminates with simulator-like structured answers, step ids are
 * deterministic and unique, progress is announced, hybrid nesting calls runTeam with prefixed ids, invalid specs
 * are refused.
 */
import { describe, expect, it } from "vitest";
import { TOPOLOGIES, topologySpecSchema, type TopologySpec } from "@/lib/schemas/topology";
import { topologyGraph } from "@/lib/topology-graph";
import { FakeRuntime } from "./fake-runtime";
import { runTopology, TopologyError } from "./index";

const spec = (s: unknown) => topologySpecSchema.parse(s);

/** one spec per topology (hybrid: a parallel arrangement with a nested team) */
const SPECS: Record<(typeof TOPOLOGIES)[number], TopologySpec> = {
  sequential: spec({ topology: "sequential", agents: ["a", "b", "c"], context: "all" }),
  parallel: spec({ topology: "parallel", agents: ["a", "b", "c"], aggregator: "z" }),
  hierarchical: spec({ topology: "hierarchical", manager: "m", workers: ["a", "b"], depth: 3 }),
  dag: spec({
    topology: "dag",
    nodes: [
      { id: "x", agent: "a" },
      { id: "y", agent: "b", dependsOn: ["x"] },
      { id: "w", agent: "c", dependsOn: ["x"] },
    ],
    maxParallel: 2,
  }),
  debate: spec({ topology: "debate", debaters: ["a", "b"], judge: "j", rounds: 4 }),
  mesh: spec({ topology: "mesh", agents: ["a", "b", "c"], rounds: 3 }),
  star: spec({ topology: "star", hub: "h", spokes: ["a", "b"], rounds: 3 }),
  grid: spec({ topology: "grid", rows: 2, columns: 2, cells: ["a", "b", "c", "d"], rounds: 2, aggregator: "z" }),
  forest: spec({
    topology: "forest",
    trees: [
      { manager: "m", workers: ["a"], depth: 2 },
      { manager: "n", workers: ["b", "c"] },
    ],
    aggregator: "z",
  }),
  circular: spec({ topology: "circular", agents: ["a", "b", "c"], laps: 3 }),
  mixture_of_agents: spec({ topology: "mixture_of_agents", layers: [["a", "b"], ["c", "d"], ["e"]], aggregator: "z" }),
  maker_checker: spec({ topology: "maker_checker", maker: "m", checkers: ["a", "b"], maxIterations: 3 }),
  supervisor: spec({ topology: "supervisor", supervisor: "s", workers: ["a", "b"], maxTurns: 3, parallel: true }),
  hybrid: spec({ topology: "hybrid", arrangement: { topology: "parallel", agents: ["a", { team: "inner" }], aggregator: "z" } }),
};

describe("every topology", () => {
  it.each(TOPOLOGIES.map((t) => [t]))("%s: terminates with simulator answers; deterministic, unique step ids; node ids of the graph", async (topology) => {
    const s = SPECS[topology];
    const first = new FakeRuntime({ delay: 1 });
    // a different timing: concurrent branches finish in another order
    const second = new FakeRuntime({ delay: (c) => (c.stepId.length * 7) % 5 });
    const a = await runTopology(first, s, "Write a haiku about Postgres");
    const b = await runTopology(second, s, "Write a haiku about Postgres");
    expect(a.output.length).toBeGreaterThan(0);
    expect(b).toEqual(a);
    const ids = first.stepIds();
    expect(new Set(ids).size).toBe(ids.length); // the fake refuses duplicates too
    expect([...ids].sort()).toEqual([...second.stepIds()].sort());
    expect(ids.every((id) => /^[A-Za-z0-9_.\-/]+$/.test(id))).toBe(true);
    // progress: every call was announced (loops announce their bound)
    expect(first.expected).toBeGreaterThanOrEqual(first.calls.length);
    // every node id used is a node of the drawn graph
    const graphIds = new Set(topologyGraph(s).nodes.map((n) => n.id));
    for (const c of [...first.calls, ...first.teams]) expect(graphIds.has(c.nodeId), `${c.nodeId} in the graph`).toBe(true);
  });

  it("announces exactly the calls it makes when nothing stops early", async () => {
    for (const topology of ["sequential", "parallel", "dag", "mesh", "grid", "mixture_of_agents", "hierarchical", "forest"] as const) {
      const rt = new FakeRuntime({ delay: 0, script: (call) => (call.output ? undefined : `${call.agent}@${call.stepId}`) });
      await runTopology(rt, SPECS[topology], "T");
      // mesh never converges here (outputs carry the step id), hierarchical plans come from the simulator
      expect(rt.expected, topology).toBe(rt.calls.length);
    }
  });
});

describe("hybrid", () => {
  it("a nested team is one node: runTeam(nodeId, '<stepId>/', slug, task with the context written in)", async () => {
    const rt = new FakeRuntime({ team: (team, _task, prefix) => `${team} says hi @${prefix}` });
    const result = await runTopology(
      rt,
      spec({
        topology: "hybrid",
        arrangement: { topology: "sequential", agents: ["a", { team: "research" }, "b"] },
      }),
      "T",
    );
    expect(rt.stepIds()).toEqual(["s0", "s2"]);
    expect(rt.teams).toHaveLength(1);
    const team = rt.teams[0]!;
    expect(team).toMatchObject({ nodeId: "s1", prefix: "s1/", team: "research" });
    expect(team.task).toContain("T");
    expect(team.task).toContain('<context from="a (s0)">\na@s0\n</context>');
    expect(rt.call("s2").context).toEqual([{ from: "research (s1)", output: "research says hi @s1/" }]);
    expect(result.output).toBe("b@s2");
    expect(rt.expected).toBe(2); // the nested team announces its own steps
  });

  it("teams inside rounds get per-round prefixes, and run in parallel with agents", async () => {
    const rt = new FakeRuntime({ delay: 10, script: { j: () => ({ object: { consensus: false, decision: "d", reasoning: "" } }) } });
    await runTopology(
      rt,
      spec({
        topology: "hybrid",
        arrangement: { topology: "debate", debaters: ["a", { team: "t" }], judge: "j", rounds: 2 },
      }),
      "T",
    );
    expect(rt.teams.map((t) => [t.nodeId, t.prefix])).toEqual([
      ["d1", "r1.d1/"],
      ["d1", "r2.d1/"],
    ]);
    expect(rt.stepIds().sort()).toEqual(["r1.d0", "r1.judge", "r2.d0", "r2.judge"]);
    expect(rt.saw("r2.d0")).toEqual(["your previous argument (a (d0))", "t (d1)"]);
  });

  it("a structured role played by a team: its JSON answer is used, prose degrades", async () => {
    const rt = new FakeRuntime({ team: () => 'verdict: {"verdict":"approve","reasons":[]}' });
    const result = await runTopology(
      rt,
      spec({
        topology: "hybrid",
        arrangement: { topology: "maker_checker", maker: "m", checkers: [{ team: "qa" }], maxIterations: 3 },
      }),
      "T",
    );
    expect(rt.teams).toHaveLength(1);
    expect(rt.teams[0]!.prefix).toBe("i1.checker0/");
    expect(result).toMatchObject({ approved: true, iterations: 1 });
  });

  it("dag and hierarchical workers may be teams", async () => {
    const rt = new FakeRuntime({ delay: 5 });
    const result = await runTopology(
      rt,
      spec({
        topology: "hybrid",
        arrangement: {
          topology: "dag",
          nodes: [
            { id: "x", agent: { team: "t1" } },
            { id: "y", agent: "a", dependsOn: ["x"] },
          ],
        },
      }),
      "T",
    );
    expect(rt.teams.map((t) => t.prefix)).toEqual(["x/"]);
    expect(rt.call("y").context).toEqual([{ from: "t1 (x)", output: "team:t1@x/" }]);
    expect(result.output).toBe("a@y");

    const h = new FakeRuntime({
      script: { m: (c) => (c.output ? { object: { subtasks: [{ id: "1", assignee: "crew", task: "do", dependsOn: [] }] } } : undefined) },
    });
    await runTopology(
      h,
      spec({
        topology: "hybrid",
        arrangement: { topology: "hierarchical", manager: "m", workers: ["a", { team: "crew" }], depth: 2 },
      }),
      "T",
    );
    expect(h.teams.map((t) => [t.nodeId, t.prefix])).toEqual([["w1", "sub0/"]]);
  });
});

describe("spec validation", () => {
  it("refuses an invalid spec with every problem, before any step", async () => {
    const rt = new FakeRuntime();
    const bad = { topology: "grid", rows: 2, columns: 2, cells: ["a", { team: "t" }], aggregator: "z", rounds: 2 } as unknown as TopologySpec;
    const error = await runTopology(rt, bad, "T").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TopologyError);
    expect((error as TopologyError).problems).toEqual([
      "cells.1: Nested teams are only allowed in the hybrid topology",
      "cells: A 2 x 2 grid needs 4 cells, got 2",
    ]);
    const cyclic = {
      topology: "dag",
      nodes: [
        { id: "a", agent: "x", dependsOn: ["b"] },
        { id: "b", agent: "x", dependsOn: ["a"] },
      ],
      maxParallel: 2,
    } as TopologySpec;
    await expect(runTopology(rt, cyclic, "T")).rejects.toThrow("cycle");
    await expect(runTopology(rt, { topology: "debate", debaters: ["a"], judge: "j" } as unknown as TopologySpec, "T")).rejects.toThrow(TopologyError);
    expect(rt.calls).toHaveLength(0);
  });

  it("applies the schema defaults to a raw stored spec", async () => {
    const rt = new FakeRuntime({ script: { j: () => ({ object: { consensus: false, decision: "d", reasoning: "" } }) } });
    await runTopology(rt, { topology: "debate", debaters: ["a", "b"], judge: "j" } as unknown as TopologySpec, "T");
    expect(rt.stepIds().filter((s) => s.endsWith("judge"))).toEqual(["r1.judge", "r2.judge", "r3.judge"]); // default 3 rounds
  });
});
