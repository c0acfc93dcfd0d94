import { describe, expect, it } from "vitest";
import { topologySpecSchema, type TOPOLOGIES, type TopologySpec } from "@/lib/schemas/topology";
import { expandedTopologyGraph, topologyGraph, type TopologyGraph } from "./topology-graph";
import { layoutTopology } from "./topology-layout";

const spec = (s: unknown): TopologySpec => topologySpecSchema.parse(s);
const ids = (g: TopologyGraph) => g.nodes.map((n) => n.id);
const edges = (g: TopologyGraph) => g.edges.map((e) => `${e.from}>${e.to}`);
const roleOf = (g: TopologyGraph, id: string) => g.nodes.find((n) => n.id === id)?.role;

/** One spec per topology, used by the generic checks below. */
const EXAMPLES: Record<(typeof TOPOLOGIES)[number], unknown> = {
  sequential: { topology: "sequential", agents: ["a", "b", "c"] },
  parallel: { topology: "parallel", agents: ["a", "b"], aggregator: "z" },
  hierarchical: { topology: "hierarchical", manager: "m", workers: ["a", "b"] },
  dag: {
    topology: "dag",
    nodes: [
      { id: "plan", agent: "a" },
      { id: "x", agent: "b", dependsOn: ["plan"] },
      { id: "y", agent: "c", dependsOn: ["plan"] },
      { id: "join", agent: "d", dependsOn: ["x", "y"] },
    ],
  },
  debate: { topology: "debate", debaters: ["a", "b", "c"], judge: "j" },
  mesh: { topology: "mesh", agents: ["a", "b", "c"] },
  star: { topology: "star", hub: "h", spokes: ["a", "b"] },
  grid: { topology: "grid", rows: 2, columns: 3, cells: ["a", "b", "c", "d", "e", "f"], aggregator: "z" },
  forest: {
    topology: "forest",
    trees: [
      { manager: "m1", workers: ["a", "b"] },
      { manager: "m2", workers: ["c"] },
    ],
    aggregator: "z",
  },
  circular: { topology: "circular", agents: ["a", "b", "c"] },
  mixture_of_agents: {
    topology: "mixture_of_agents",
    layers: [
      ["a", "b"],
      ["c", "d", "e"],
    ],
    aggregator: "z",
  },
  maker_checker: { topology: "maker_checker", maker: "m", checkers: ["a", "b"] },
  supervisor: { topology: "supervisor", supervisor: "s", workers: ["a", "b"] },
  hybrid: { topology: "hybrid", arrangement: { topology: "sequential", agents: ["a", { team: "research" }, "c"] } },
};

describe("topologyGraph", () => {
  it("sequential: a chain s0 -> s1 -> s2 between input and output", () => {
    const g = topologyGraph(spec(EXAMPLES.sequential));
    expect(ids(g)).toEqual(["input", "s0", "s1", "s2", "output"]);
    expect(edges(g)).toEqual(["input>s0", "s0>s1", "s1>s2", "s2>output"]);
    expect(g.nodes[1]).toEqual({ id: "s0", label: "a", ref: "a", role: "step" });
    expect(g.nodes[0]).toMatchObject({ ref: null, role: "input" });
    expect(g.nodes.at(-1)).toMatchObject({ ref: null, role: "output" });
  });

  it("parallel: fan-out from the input, fan-in to agg; without an aggregator straight to the output", () => {
    const g = topologyGraph(spec(EXAMPLES.parallel));
    expect(ids(g)).toEqual(["input", "p0", "p1", "agg", "output"]);
    expect(edges(g)).toEqual(["input>p0", "input>p1", "p0>agg", "p1>agg", "agg>output"]);
    expect(roleOf(g, "agg")).toBe("aggregator");
    const plain = topologyGraph(spec({ topology: "parallel", agents: ["a", "b"] }));
    expect(ids(plain)).toEqual(["input", "p0", "p1", "output"]);
    expect(edges(plain)).toEqual(["input>p0", "input>p1", "p0>output", "p1>output"]);
  });

  it("hierarchical: manager -> workers; the manager answers", () => {
    const g = topologyGraph(spec(EXAMPLES.hierarchical));
    expect(ids(g)).toEqual(["input", "manager", "w0", "w1", "output"]);
    expect(edges(g)).toEqual(["input>manager", "manager>w0", "manager>w1", "manager>output"]);
  });

  it("dag: the nodes' own ids, dependsOn edges, roots from the input, sinks to the output", () => {
    const g = topologyGraph(spec(EXAMPLES.dag));
    expect(ids(g)).toEqual(["input", "plan", "x", "y", "join", "output"]);
    expect(edges(g).sort()).toEqual(["input>plan", "join>output", "plan>x", "plan>y", "x>join", "y>join"].sort());
    // several roots and sinks
    const two = topologyGraph(
      spec({
        topology: "dag",
        nodes: [
          { id: "a", agent: "a" },
          { id: "b", agent: "b" },
        ],
      }),
    );
    expect(edges(two)).toEqual(["input>a", "input>b", "a>output", "b>output"]);
  });

  it("debate: debaters -> judge -> output", () => {
    const g = topologyGraph(spec(EXAMPLES.debate));
    expect(ids(g)).toEqual(["input", "d0", "d1", "d2", "judge", "output"]);
    expect(edges(g)).toEqual(["input>d0", "input>d1", "input>d2", "d0>judge", "d1>judge", "d2>judge", "judge>output"]);
  });

  it("mesh: every peer to every other peer", () => {
    const g = topologyGraph(spec(EXAMPLES.mesh));
    expect(ids(g)).toEqual(["input", "m0", "m1", "m2", "output"]);
    const peer = edges(g).filter((e) => /^m\d>m\d$/.test(e));
    expect(peer.sort()).toEqual(["m0>m1", "m0>m2", "m1>m0", "m1>m2", "m2>m0", "m2>m1"]);
    expect(edges(g)).toEqual(expect.arrayContaining(["input>m0", "input>m2", "m0>output", "m2>output"]));
  });

  it("star: hub <-> spokes, the hub answers", () => {
    const g = topologyGraph(spec(EXAMPLES.star));
    expect(ids(g)).toEqual(["input", "hub", "spoke0", "spoke1", "output"]);
    expect(edges(g)).toEqual(["input>hub", "hub>spoke0", "spoke0>hub", "hub>spoke1", "spoke1>hub", "hub>output"]);
  });

  it("grid: c{row}_{col} cells with their 4-neighbours, all into agg", () => {
    const g = topologyGraph(spec(EXAMPLES.grid));
    expect(ids(g)).toEqual(["input", "c0_0", "c0_1", "c0_2", "c1_0", "c1_1", "c1_2", "agg", "output"]);
    const neighbours = edges(g)
      .filter((e) => /^c\d_\d>c\d_\d$/.test(e))
      .sort();
    expect(neighbours).toEqual(
      [
        "c0_0>c0_1",
        "c0_1>c0_0",
        "c0_1>c0_2",
        "c0_2>c0_1",
        "c1_0>c1_1",
        "c1_1>c1_0",
        "c1_1>c1_2",
        "c1_2>c1_1",
        "c0_0>c1_0",
        "c1_0>c0_0",
        "c0_1>c1_1",
        "c1_1>c0_1",
        "c0_2>c1_2",
        "c1_2>c0_2",
      ].sort(),
    );
    expect(neighbours).not.toContain("c0_0>c1_1"); // no diagonals
    expect(edges(g).filter((e) => e.endsWith(">agg"))).toHaveLength(6);
    expect(edges(g)).toContain("agg>output");
  });

  it("forest: t{i}.manager -> t{i}.w{j}, tree roots -> agg", () => {
    const g = topologyGraph(spec(EXAMPLES.forest));
    expect(ids(g)).toEqual(["input", "t0.manager", "t0.w0", "t0.w1", "t1.manager", "t1.w0", "agg", "output"]);
    expect(edges(g)).toEqual([
      "input>t0.manager",
      "t0.manager>t0.w0",
      "t0.manager>t0.w1",
      "input>t1.manager",
      "t1.manager>t1.w0",
      "t0.manager>agg",
      "t1.manager>agg",
      "agg>output",
    ]);
  });

  it("circular: a ring r0 -> r1 -> r2 -> r0", () => {
    const g = topologyGraph(spec(EXAMPLES.circular));
    expect(ids(g)).toEqual(["input", "r0", "r1", "r2", "output"]);
    expect(edges(g)).toEqual(["input>r0", "r0>r1", "r1>r2", "r2>r0", "r2>output"]);
  });

  it("mixture_of_agents: each layer to every node of the next, the last layer into agg", () => {
    const g = topologyGraph(spec(EXAMPLES.mixture_of_agents));
    expect(ids(g)).toEqual(["input", "l0_0", "l0_1", "l1_0", "l1_1", "l1_2", "agg", "output"]);
    expect(edges(g)).toEqual([
      "input>l0_0",
      "input>l0_1",
      "l0_0>l1_0",
      "l0_0>l1_1",
      "l0_0>l1_2",
      "l0_1>l1_0",
      "l0_1>l1_1",
      "l0_1>l1_2",
      "l1_0>agg",
      "l1_1>agg",
      "l1_2>agg",
      "agg>output",
    ]);
  });

  it("maker_checker: maker <-> checkers, the maker answers", () => {
    const g = topologyGraph(spec(EXAMPLES.maker_checker));
    expect(ids(g)).toEqual(["input", "maker", "checker0", "checker1", "output"]);
    expect(edges(g)).toEqual(["input>maker", "maker>checker0", "checker0>maker", "maker>checker1", "checker1>maker", "maker>output"]);
  });

  it("supervisor: supervisor <-> workers, the supervisor answers", () => {
    const g = topologyGraph(spec(EXAMPLES.supervisor));
    expect(ids(g)).toEqual(["input", "supervisor", "w0", "w1", "output"]);
    expect(edges(g)).toEqual(["input>supervisor", "supervisor>w0", "w0>supervisor", "supervisor>w1", "w1>supervisor", "supervisor>output"]);
    expect(roleOf(g, "supervisor")).toBe("supervisor");
  });

  it("hybrid: the arrangement's ids; a nested team is one node with its team ref", () => {
    const g = topologyGraph(spec(EXAMPLES.hybrid));
    expect(ids(g)).toEqual(["input", "s0", "s1", "s2", "output"]);
    expect(g.nodes[2]).toEqual({ id: "s1", label: "team: research", ref: { team: "research" }, role: "step" });
    expect(edges(g)).toEqual(["input>s0", "s0>s1", "s1>s2", "s2>output"]);
  });

  it("every topology: unique ids, edges between existing nodes, input and output connected", () => {
    for (const [name, example] of Object.entries(EXAMPLES)) {
      const g = topologyGraph(spec(example));
      const all = ids(g);
      expect(new Set(all).size, name).toBe(all.length);
      for (const e of g.edges) {
        expect(all, `${name}: ${e.from}`).toContain(e.from);
        expect(all, `${name}: ${e.to}`).toContain(e.to);
      }
      expect(
        g.edges.some((e) => e.from === "input"),
        name,
      ).toBe(true);
      expect(
        g.edges.some((e) => e.to === "output"),
        name,
      ).toBe(true);
      // every agent reference of the spec is a node
      expect(g.nodes.filter((n) => n.ref !== null).length, name).toBeGreaterThan(0);
    }
  });

  it("draws an invalid grid (wrong cell count) without failing", () => {
    const g = topologyGraph({ topology: "grid", rows: 2, columns: 2, cells: ["a", "b", "c"], rounds: 2, aggregator: "z" });
    expect(ids(g)).toEqual(["input", "c0_0", "c0_1", "c1_0", "agg", "output"]);
  });

  it("expandedTopologyGraph opens nested teams with prefixed ids", () => {
    const g = expandedTopologyGraph(spec(EXAMPLES.hybrid), { research: spec({ topology: "parallel", agents: ["x", "y"] }) });
    expect(ids(g)).toEqual(["input", "s0", "s1", "s1/input", "s1/p0", "s1/p1", "s1/output", "s2", "output"]);
    expect(g.parents["s1/p0"]).toBe("s1");
    expect(edges(g)).toContain("s1/input>s1/p0");
    // a self-referencing team does not loop
    const loop = expandedTopologyGraph(spec({ topology: "hybrid", arrangement: { topology: "sequential", agents: [{ team: "me" }] } }), {
      me: spec({ topology: "hybrid", arrangement: { topology: "sequential", agents: [{ team: "me" }] } }),
    });
    expect(loop.nodes.length).toBeLessThan(100);
  });
});

describe("layoutTopology", () => {
  it("is deterministic and puts input first and output last", () => {
    for (const example of Object.values(EXAMPLES)) {
      const g = topologyGraph(spec(example));
      const a = layoutTopology(g);
      expect(layoutTopology(g)).toEqual(a);
      const layers = Object.values(a).map((p) => p.layer);
      expect(a.input!.layer).toBe(Math.min(...layers));
      expect(a.output!.layer).toBe(Math.max(...layers));
      // no two nodes on the same spot
      expect(new Set(Object.values(a).map((p) => `${p.x},${p.y}`)).size).toBe(g.nodes.length);
    }
  });

  it("lays out chains, peers, hubs and grids by their meaning", () => {
    const seq = layoutTopology(topologyGraph(spec(EXAMPLES.sequential)));
    expect([seq.s0!.layer, seq.s1!.layer, seq.s2!.layer]).toEqual([1, 2, 3]);
    const mesh = layoutTopology(topologyGraph(spec(EXAMPLES.mesh)));
    expect([mesh.m0!.layer, mesh.m1!.layer, mesh.m2!.layer]).toEqual([1, 1, 1]);
    const star = layoutTopology(topologyGraph(spec(EXAMPLES.star)));
    expect([star.hub!.layer, star.spoke0!.layer, star.spoke1!.layer, star.output!.layer]).toEqual([1, 2, 2, 3]);
    const grid = layoutTopology(topologyGraph(spec(EXAMPLES.grid)));
    expect([grid.c0_0!.layer, grid.c1_0!.layer, grid.c0_2!.layer, grid.agg!.layer]).toEqual([1, 1, 3, 4]);
    expect(grid.c0_0!.y).toBeLessThan(grid.c1_0!.y);
    const forest = layoutTopology(topologyGraph(spec(EXAMPLES.forest)));
    expect(forest.agg!.layer).toBeGreaterThan(forest["t0.w0"]!.layer);
    const ring = layoutTopology(topologyGraph(spec(EXAMPLES.circular)));
    expect([ring.r0!.layer, ring.r1!.layer, ring.r2!.layer]).toEqual([1, 2, 3]);
  });
});
